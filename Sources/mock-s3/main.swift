import Foundation
import MockS3Server
import RaceData

// mock-s3: the mock S3 server as a standalone program, for the AWS CLI, boto3 or another service's tests.
let usage = """
usage: mock-s3 [--host H] [--port P] [--region R] [--access-key ID --secret-key SECRET]...
               [--data-dir DIR] [--bucket NAME]... [--object-ownership BucketOwnerEnforced|ObjectWriter|BucketOwnerPreferred]
               [--seed N] [--slowdown-rate R] [--drop-rate R] [--list-denied]

Prints the endpoint and the credentials to use, then serves until interrupted. On SIGUSR1 it
prints how many requests of each operation it has answered (one line, to stderr).
"""
func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("mock-s3: \(message)\n".utf8))
    exit(2)
}

func parseConfiguration() -> MockS3Server.Configuration {
var configuration = MockS3Server.Configuration()
configuration.port = 9000
var keyIds: [String] = [], secrets: [String] = []
var arguments = CommandLine.arguments.dropFirst()
func value(_ flag: String) -> String {
    guard let v = arguments.popFirst() else { fail("\(flag) needs a value\n\(usage)") }
    return v
}
while let flag = arguments.popFirst() {
    switch flag {
    case "--host": configuration.host = value(flag)
    case "--port": configuration.port = Int(value(flag)) ?? 9000
    case "--region": configuration.region = value(flag)
    case "--access-key": keyIds.append(value(flag))
    case "--secret-key": secrets.append(value(flag))
    case "--data-dir": configuration.dataDirectory = value(flag)
    case "--bucket": configuration.buckets.append(value(flag))
    case "--object-ownership":
        guard let o = ObjectOwnership(rawValue: value(flag)) else { print(usage); exit(2) }
        configuration.defaultOwnership = o
    case "--seed": configuration.seed = UInt64(value(flag)) ?? 1
    case "--slowdown-rate": configuration.faults.slowDownRate["*"] = Double(value(flag)) ?? 0
    case "--drop-rate": configuration.faults.dropMidBodyRate["*"] = Double(value(flag)) ?? 0
    case "--list-denied": configuration.faults.listBucketDenied = true
    case "-h", "--help": print(usage); exit(0)
    default: fail("unknown option \(flag)\n\(usage)")
    }
}
guard keyIds.count == secrets.count else { fail("give --access-key and --secret-key in pairs") }
if !keyIds.isEmpty {
    configuration.credentials = zip(keyIds, secrets).map { MockCredential(accessKeyId: $0, secretAccessKey: $1) }
}
return configuration
}

let configuration = parseConfiguration()
do {
    let server = try await MockS3Server(configuration: configuration)
    let first = configuration.credentials[0]
    FileHandle.standardOutput.write(Data("""
        mock-s3 listening on \(server.endpoint) (region \(configuration.region))
        export AWS_ENDPOINT_URL_S3=\(server.endpoint) AWS_ACCESS_KEY_ID=\(first.accessKeyId) AWS_REGION=\(configuration.region)

        """.utf8))
    let usr1 = DispatchSource.makeSignalSource(signal: SIGUSR1)
    signal(SIGUSR1, SIG_IGN)
    usr1.setEventHandler { @Sendable [server] in
        let counts = Dictionary(grouping: server.journal.entries, by: \.operation).mapValues(\.count)
        let line = counts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        FileHandle.standardError.write(Data("mock-s3 requests: \(line)\n".utf8))
    }
    usr1.resume()
    await Termination.wait()
    usr1.cancel()
    try await server.stop()
} catch {
    FileHandle.standardError.write(Data("mock-s3: \(error)\n".utf8))
    exit(1)
}
