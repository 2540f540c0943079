import ArgumentParser
import Foundation
import RaceData
import S3Kit
import S3Wire

/// s3bench: times S3 operations in-process, for the scripts in Benchmarks/ (docs/benchmarks.md).
/// Credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, else the mock server's defaults.
@main
struct S3Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "s3bench", abstract: "Times S3 operations in-process, for the scripts in Benchmarks/.",
        subcommands: [
            Get.self, Put.self, Parse.self, S3Parse.self, Requests.self, Hash.self, Ops.self, Latency.self,
            Handler.self, Raw.self,
        ])
}

/// Stops the benchmark with a message on standard error.
func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("s3bench: \(message)\n".utf8))
    exit(2)
}

let environment = ProcessInfo.processInfo.environment
let credentials = Credentials(
    accessKeyId: environment["AWS_ACCESS_KEY_ID"] ?? "AKIAMOCKS3SERVER0001",
    secretAccessKey: environment["AWS_SECRET_ACCESS_KEY"] ?? "mock/s3+server+secret+key+0000000000001")

func client(_ endpoint: String, signing: PayloadSigning = .signed) throws -> S3Client {
    var configuration = S3Configuration(
        region: "us-east-1", endpoint: try S3Endpoint.custom(endpoint),
        credentials: credentials, retry: .none, payloadSigning: signing)
    configuration.download = try DownloadOptions(environment: environment)  // S3_GET_PART_MIB, S3_GET_CONCURRENCY
    return S3Client(configuration: configuration)
}

/// User and system time of this process so far (all threads).
func processorSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(
        usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}
