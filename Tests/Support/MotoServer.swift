import Foundation
import RaceData
import S3Kit
import S3Wire

/// moto_server, an S3 nobody here wrote, started once per test process on a loopback port:
/// `open` for S3 semantics, `auth` with its SigV4 checks on (see Tests/Fixtures/moto_fixture.py for
/// what moto gets wrong in that mode). Install it with `pip install 'moto[server]'` (`.ci/run` does).
public final class MotoServer: Sendable {
    public let endpoint: String
    public let credentials: Credentials
    private let process: Process
    private let stdin: Pipe

    public static let open = Task<MotoServer, any Error> { try MotoServer(auth: false) }
    public static let auth = Task<MotoServer, any Error> { try MotoServer(auth: true) }

    private init(auth: Bool) throws {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../Fixtures/moto_fixture.py").standardized.path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            [ProcessInfo.processInfo.environment["PYTHON"] ?? "python3", fixture] + (auth ? ["auth"] : [])
        let stdout = Pipe()
        let stdin = Pipe()
        process.standardOutput = stdout
        process.standardInput = stdin
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while let byte = try stdout.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data([0x0A]) {
            line += byte
        }
        struct Info: Decodable {
            var endpoint: String
            var accessKeyId: String
            var secretAccessKey: String
        }
        guard let info = try? JSONDecoder().decode(Info.self, from: line) else {
            process.terminate()
            throw MotoUnavailable()
        }
        self.process = process
        self.stdin = stdin
        endpoint = info.endpoint
        credentials = Credentials(
            accessKeyId: info.accessKeyId, secretAccessKey: info.secretAccessKey, source: "moto IAM")
    }

    struct MotoUnavailable: Error, CustomStringConvertible {
        var description: String { "moto_server could not start: run `pip install 'moto[server]'` (or bash .ci/run)" }
    }

    public func client(
        credentials: Credentials? = nil, retry: RetryPolicy = RetryPolicy(maxAttempts: 2, baseDelay: 0.01),
        payloadSigning: PayloadSigning = .signed
    ) throws -> S3Client {
        var configuration = S3Configuration(
            region: "us-east-1", endpoint: try S3Endpoint.custom(endpoint),
            credentials: credentials ?? self.credentials, retry: retry,
            payloadSigning: payloadSigning)
        configuration.transport.idleTimeout = 20
        return S3Client(configuration: configuration)
    }

    /// A fresh bucket for one test.
    public func bucket(_ name: String) async throws -> (S3Client, String) {
        let client = try client()
        let bucket = "\(name)-\(UInt32.random(in: 0...UInt32.max))"
        try await client.createBucket(bucket)
        return (client, bucket)
    }
}
