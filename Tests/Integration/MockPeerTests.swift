import Foundation
import MockS3Server
import RaceData
import S3Kit
import S3Wire
import TestSupport
import Testing

/// The mock S3 server driven by clients nobody here wrote: the AWS CLI and boto3, unmodified.
@Suite("Mock S3 against the AWS CLI and boto3", .quietLogs)
struct MockPeerTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "../Fixtures"
    ).standardized

    struct Run {
        var status: Int32
        var output: String
    }

    /// Runs a command with the mock's endpoint and credentials in a clean AWS environment.
    func run(_ arguments: [String], endpoint: String, credential: MockCredential = MockS3Server.defaultCredential)
        async throws -> Run
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AWS_") }
        environment["AWS_ACCESS_KEY_ID"] = credential.accessKeyId
        environment["AWS_SECRET_ACCESS_KEY"] = credential.secretAccessKey
        environment["AWS_DEFAULT_REGION"] = "us-east-1"
        environment["AWS_ENDPOINT_URL"] = endpoint
        environment["AWS_CONFIG_FILE"] = "/dev/null"
        environment["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null"
        process.environment = environment
        let (status, output) = try await process.runCollectingOutput(mergingErrors: true)
        return Run(status: status, output: output)
    }

    func makeTree() throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("cli-tree-\(UUID())")
        for (path, text) in [
            ("COTA/Race 1/COTA_lap_time_R1.csv", "a,b\n"), ("COTA/Race 1/99_Best 10 Laps_Race 1.CSV", "x;y\n"),
            ("Sonoma/ü ñ/sonoma_lap_time_R1.csv", "c,d\n"), ("top.csv", "t\n"),
        ] {
            let file = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(
                at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: file)
        }
        return root
    }

    @Test func awsCLIWorkflow() async throws {
        try await withMock { server in
            let e = server.endpoint
            let tree = try makeTree()
            defer { try? FileManager.default.removeItem(at: tree) }
            #expect(try await run(["aws", "s3", "mb", "s3://cli-bucket"], endpoint: e).status == 0)
            #expect(try await run(["aws", "s3", "ls"], endpoint: e).output.contains("cli-bucket"))
            let copy = try await run(
                ["aws", "s3", "cp", "--recursive", "--only-show-errors", tree.path, "s3://cli-bucket/data/"],
                endpoint: e)
            #expect(copy.status == 0, "\(copy.output)")
            let listing = try await run(["aws", "s3", "ls", "--recursive", "s3://cli-bucket/"], endpoint: e).output
            for key in [
                "data/COTA/Race 1/COTA_lap_time_R1.csv", "data/COTA/Race 1/99_Best 10 Laps_Race 1.CSV",
                "data/Sonoma/ü ñ/sonoma_lap_time_R1.csv", "data/top.csv",
            ] {
                #expect(listing.contains(key), "\(key) missing from:\n\(listing)")
            }
            // sync twice: the second run finds nothing to upload.
            #expect(
                try await run(
                    ["aws", "s3", "sync", "--only-show-errors", tree.path, "s3://cli-bucket/synced/"], endpoint: e
                )
                .status == 0)
            let putsBefore = server.journal.entries(operation: "PutObject").count
            let second = try await run(["aws", "s3", "sync", tree.path, "s3://cli-bucket/synced/"], endpoint: e)
            #expect(second.status == 0 && second.output.isEmpty, "\(second.output)")
            #expect(server.journal.entries(operation: "PutObject").count == putsBefore)
            // 20 MiB goes multipart and comes back byte for byte.
            let big = FileManager.default.temporaryDirectory.appendingPathComponent("cli-20m-\(UUID()).bin")
            let back = big.appendingPathExtension("back")
            defer {
                try? FileManager.default.removeItem(at: big)
                try? FileManager.default.removeItem(at: back)
            }
            let payload = Data(bytes(20 << 20, seed: 9))
            try payload.write(to: big)
            #expect(
                try await run(
                    ["aws", "s3", "cp", "--only-show-errors", big.path, "s3://cli-bucket/big.bin"], endpoint: e
                )
                .status == 0)
            #expect(server.journal.entries(operation: "UploadPart").count >= 3)
            #expect(server.journal.entries(operation: "CompleteMultipartUpload").map(\.status) == [200])
            #expect(
                try await run(
                    ["aws", "s3", "cp", "--only-show-errors", "s3://cli-bucket/big.bin", back.path], endpoint: e
                )
                .status == 0)
            #expect(try Data(contentsOf: back) == payload)
            // A server-side copy of 20 MiB is multipart too: UploadPartCopy (it was 501 once, and the copy failed).
            #expect(
                try await run(
                    ["aws", "s3", "cp", "--only-show-errors", "s3://cli-bucket/big.bin", "s3://cli-bucket/copy.bin"],
                    endpoint: e
                ).status == 0)
            #expect(server.journal.entries(operation: "UploadPartCopy").count >= 3)
            #expect(
                try await run(
                    ["aws", "s3", "cp", "--only-show-errors", "s3://cli-bucket/copy.bin", back.path], endpoint: e
                )
                .status == 0)
            #expect(try Data(contentsOf: back) == payload)
            let v1 = try await run(
                ["aws", "s3api", "list-objects", "--bucket", "cli-bucket", "--prefix", "data/", "--delimiter", "/"],
                endpoint: e)
            #expect(v1.output.contains("\"Prefix\": \"data/COTA/\""))
            let wrong = try await run(
                ["aws", "s3", "ls", "s3://cli-bucket"], endpoint: e,
                credential: MockCredential(
                    accessKeyId: MockS3Server.defaultCredential.accessKeyId, secretAccessKey: "wrong"))
            #expect(wrong.status != 0 && wrong.output.contains("SignatureDoesNotMatch"))
            #expect(
                try await run(
                    ["aws", "s3", "rm", "--recursive", "--only-show-errors", "s3://cli-bucket/"], endpoint: e
                )
                .status == 0)
            #expect(
                try server.store.list("cli-bucket", prefix: "", delimiter: nil, after: nil, maxKeys: 10).objects.isEmpty
            )
        }
    }

    /// S3 keeps an object's time to the second: a listing's LastModified (`.000Z`) is the instant HEAD and
    /// GET give, so `aws s3 sync --exact-timestamps`, which sets a download's time from one and compares
    /// it with the other, finds nothing to download twice.
    @Test func syncDownWithExactTimestampsDownloadsOnce() async throws {
        try await withMock { server in
            let e = server.endpoint
            let tree = try makeTree()
            let down = FileManager.default.temporaryDirectory.appendingPathComponent("cli-down-\(UUID())")
            defer {
                try? FileManager.default.removeItem(at: tree)
                try? FileManager.default.removeItem(at: down)
            }
            #expect(try await run(["aws", "s3", "mb", "s3://sync-bucket"], endpoint: e).status == 0)
            #expect(
                try await run(["aws", "s3", "sync", "--only-show-errors", tree.path, "s3://sync-bucket/"], endpoint: e)
                    .status
                    == 0)
            #expect(
                try await run(["aws", "s3", "sync", "--only-show-errors", "s3://sync-bucket/", down.path], endpoint: e)
                    .status
                    == 0)
            let gets = server.journal.entries(operation: "GetObject").count
            #expect(gets == 4)
            let again = try await run(
                ["aws", "s3", "sync", "--exact-timestamps", "s3://sync-bucket/", down.path], endpoint: e)
            #expect(again.status == 0 && again.output.isEmpty, "\(again.output)")
            #expect(server.journal.entries(operation: "GetObject").count == gets)
        }
    }

    /// us-east-1 is the absence of a location constraint: S3 refuses it when named ("CreateBucket", S3 API
    /// reference: InvalidLocationConstraint), so code that names it fails on AWS and must fail here.
    @Test func namingUsEast1AsTheLocationConstraintIsRefused() async throws {
        try await withMock { server in
            let named = try await run(
                [
                    "aws", "s3api", "create-bucket", "--bucket", "east-named", "--create-bucket-configuration",
                    "LocationConstraint=us-east-1",
                ], endpoint: server.endpoint)
            #expect(named.status != 0 && named.output.contains("InvalidLocationConstraint"), "\(named.output)")
            #expect(
                try await run(["aws", "s3api", "create-bucket", "--bucket", "east-plain"], endpoint: server.endpoint)
                    .status
                    == 0)
        }
    }

    @Test func boto3AsUsersCallIt() async throws {
        try await withMock { server in
            let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("boto3-\(UUID()).bin")
            defer { try? FileManager.default.removeItem(at: scratch) }
            let c = MockS3Server.defaultCredential
            let result = try await run(
                [
                    "python3", Self.fixtures.appendingPathComponent("boto3_against_mock.py").path, server.endpoint,
                    c.accessKeyId, c.secretAccessKey, scratch.path,
                ], endpoint: server.endpoint)
            #expect(result.status == 0, "\(result.output)")
            #expect(result.output.contains("boto3: all checks passed"))
        }
    }

    /// Every XML answer that names a key or a tag, and the control API's JSON, read by botocore (expat)
    /// and Python's json with keys of every byte S3 allows: our XML reader reading back our writer would
    /// not see a missing escape that turns a key into another one.
    @Test func outsideReadersReadEveryKeyExactly() async throws {
        try await withMock({ $0.control = .open }) { server in
            let c = MockS3Server.defaultCredential
            let result = try await run(
                [
                    "python3", Self.fixtures.appendingPathComponent("outside_readers.py").path, server.endpoint,
                    c.accessKeyId, c.secretAccessKey,
                ], endpoint: server.endpoint)
            #expect(result.status == 0, "\(result.output)")
            #expect(result.output.contains("outside readers: all checks passed"))
        }
    }

    @Test func standaloneExecutableServesTheCLI() async throws {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
            "mock-s3")
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "build mock-s3 first (swift build)")
        let process = Process()
        process.executableURL = binary
        // A user of the account with the setup guide's reader policy (--user), judged by the AWS CLI below.
        let policyFile = FileManager.default.temporaryDirectory.appendingPathComponent("reader-\(UUID()).json")
        defer { try? FileManager.default.removeItem(at: policyFile) }
        try SetupGuidePolicyTests.policy("reader", bucket: "standalone").write(
            to: policyFile, atomically: true, encoding: .utf8)
        process.arguments = [
            "--port", "0", "--bucket", "standalone", "--access-key", "AKIASTANDALONE000001", "--secret-key",
            "standalone-secret", "--access-key", "AKIASTANDALONEREADER", "--secret-key", "reader-secret", "--user",
            "AKIASTANDALONEREADER:race-service:\(policyFile.path)",
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        defer {
            process.terminate()
            process.waitUntilExit()
        }
        var line = Data()
        while let byte = try pipe.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data([0x0A]) {
            line += byte
        }
        let text = String(decoding: line, as: UTF8.self)
        let endpoint = try #require(
            text.split(separator: " ").first { $0.hasPrefix("http://") }.map(String.init), "\(text)")
        let credential = MockCredential(accessKeyId: "AKIASTANDALONE000001", secretAccessKey: "standalone-secret")
        let tree = try makeTree()
        defer { try? FileManager.default.removeItem(at: tree) }
        let copy = try await run(
            ["aws", "s3", "cp", "--recursive", "--only-show-errors", tree.path, "s3://standalone/data/"],
            endpoint: endpoint, credential: credential)
        #expect(copy.status == 0, "\(copy.output)")
        let listing = try await run(
            ["aws", "s3", "ls", "--recursive", "s3://standalone/data/"], endpoint: endpoint, credential: credential)
        #expect(listing.output.split(separator: "\n").count == 4, "\(listing.output)")

        let reader = MockCredential(accessKeyId: "AKIASTANDALONEREADER", secretAccessKey: "reader-secret")
        let read = try await run(
            ["aws", "s3", "ls", "--recursive", "s3://standalone/data/"], endpoint: endpoint, credential: reader)
        #expect(read.status == 0 && read.output.split(separator: "\n").count == 4, "\(read.output)")
        let write = try await run(
            ["aws", "s3", "cp", "--only-show-errors", policyFile.path, "s3://standalone/data/x.json"],
            endpoint: endpoint, credential: reader)
        #expect(write.status != 0 && write.output.contains("AccessDenied"), "\(write.output)")
        // New buckets block public access, as S3's do: the CLI reads the block, and a public policy is refused.
        let block = try await run(
            ["aws", "s3api", "get-public-access-block", "--bucket", "standalone"], endpoint: endpoint,
            credential: credential)
        #expect(block.output.components(separatedBy: "true").count - 1 == 4, "\(block.output)")
        let publicPolicy = try await run(
            [
                "aws", "s3api", "put-bucket-policy", "--bucket", "standalone", "--policy",
                try SetupGuidePolicyTests.policy("public-read", bucket: "standalone"),
            ], endpoint: endpoint, credential: credential)
        #expect(publicPolicy.status != 0 && publicPolicy.output.contains("AccessDenied"), "\(publicPolicy.output)")
    }
}
