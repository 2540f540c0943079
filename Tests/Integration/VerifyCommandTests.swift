import Foundation
import MockS3Server
import RaceData
import RaceDataTesting
import RaceService
import S3Kit
import S3Wire
import TestSupport
import Testing

@Suite("The verify command", .quietLogs)
struct VerifyCommandTests {
    @Test func mainJobPassesOnTheBundledSample() throws {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
            "verify")
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "build verify first (swift build)")
        let process = Process()
        process.executableURL = binary
        let junit = FileManager.default.temporaryDirectory.appendingPathComponent("verify-\(UUID()).xml")
        defer { try? FileManager.default.removeItem(at: junit) }
        process.arguments = ["--json", "--cases", "20", "--junit", junit.path]
        process.currentDirectoryURL =
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(String(decoding: output, as: UTF8.self))")
        // Standard output is exactly one JSON document: the report.
        let report = try #require(try JSONSerialization.jsonObject(with: output) as? [String: Any])
        let totals = try #require(report["totals"] as? [String: Any])
        #expect(totals["passed"] as? Int == 17 && totals["failed"] as? Int == 0, "\(totals)")
        #expect(report["mode"] as? String == "sample" && report["version"] is String)
        let checks = try #require(report["checks"] as? [[String: Any]])
        #expect(checks.count == 17 && checks.allSatisfy { $0["passed"] as? Bool == true })
        #expect(checks.filter { $0["property"] != nil }.count == 16)
        // The same checks as JUnit XML.
        let xml = try String(contentsOf: junit, encoding: .utf8)
        #expect(xml.components(separatedBy: "<testcase ").count - 1 == 17)
        #expect(xml.contains("<testsuites name=\"verify\" tests=\"17\" failures=\"0\""))
    }

    @Test func productionModeAgainstADeployedBucket() async throws {
        try await DeployedVerify.withSample { server in
            let sample = SampleData.directory
            let run = { (extra: [String]) async throws -> (Int32, String) in
                try await DeployedVerify.run(endpoint: server.endpoint, extra)
            }
            let keysBefore = try await server.client().listAll(bucket: "deployed").objects.count
            server.journal.clear()
            let (readOnly, output) = try await run(["--expect-tracks", "7"])
            #expect(readOnly == 0, "\(output)")
            #expect(!output.contains(MockS3Server.defaultCredential.secretAccessKey))
            // Read-only: the one write tried is the stranger check's anonymous PUT, refused.
            let tried = server.journal.entries.filter {
                $0.method == "PUT" || $0.method == "DELETE" || $0.method == "POST"
            }
            #expect(
                tried.map { "\($0.principal) \($0.status)" } == ["anonymous 403"],
                "\(tried.map { "\($0.method) \($0.key ?? "") \($0.status)" })")
            let (writes, log) = try await run(["--expect-tracks", "7", "--allow-writes", "--cases", "3"])
            #expect(writes == 0, "\(log)")
            #expect(log.contains("property 8") && log.contains("scratch prefix removed"))
            #expect(try await server.client().listAll(bucket: "deployed").objects.count == keysBefore)
            let (wrong, _) = try await run(["--expect-tracks", "9"])
            #expect(wrong == 1)
            // A replay runs one case in the mode given, and says which.
            let (replayed, replayLog) = try await run(["--property", "6", "--replay", "42"])
            #expect(replayed == 0 && replayLog.contains("replayed case seed 42"), "\(replayLog)")
            // --allow-writes writes beside data/, never under it, where a live service lists tracks.
            server.journal.clear()
            _ = try await run(["--allow-writes", "--cases", "1", "--property", "1"])
            let written = server.journal.entries.filter { $0.operation == "PutObject" }.compactMap(\.key)
            #expect(!written.isEmpty && written.allSatisfy { $0.hasPrefix("verify-scratch/") }, "\(written.prefix(3))")
            // --api checks the service deployed over the bucket.
            let configuration = try DataConfiguration.fromEnvironment([
                "USE_S3_DATA": "true", "S3_BUCKET_NAME": "deployed", "AWS_ENDPOINT_URL_S3": server.endpoint,
                "AWS_ACCESS_KEY_ID": MockS3Server.defaultCredential.accessKeyId,
                "AWS_SECRET_ACCESS_KEY": MockS3Server.defaultCredential.secretAccessKey,
            ])
            let api = try await APIServer(
                analytics: Analytics(source: configuration.makeSource()), port: 0)
            let (withAPI, apiLog) = try await run(["--expect-tracks", "7", "--api", "http://127.0.0.1:\(api.port)"])
            try await api.stop()
            #expect(withAPI == 0, "\(apiLog)")
            // /health, tracks, each track's sessions, and each of the 14 sessions judged against S3.
            #expect(apiLog.components(separatedBy: "PASS  service").count - 1 == 2 + 7 + 14, "\(apiLog)")
            #expect(apiLog.contains("PASS  service COTA R1: ") && apiLog.contains("equal to S3"))

            // A service that has lost one session's lap end table: verify names that session, and only it.
            let copy = FileManager.default.temporaryDirectory.appendingPathComponent("broken-\(UUID())")
            defer { try? FileManager.default.removeItem(at: copy) }
            try FileManager.default.copyItem(at: sample, to: copy)
            try FileManager.default.removeItem(at: copy.appendingPathComponent("COTA/Race 2/COTA_lap_end_time_R2.csv"))
            let broken = try await APIServer(
                analytics: Analytics(source: LocalDataSource(root: copy)), port: 0)
            let (judged, judgement) = try await run([
                "--expect-tracks", "7", "--api", "http://127.0.0.1:\(broken.port)",
            ])
            try await broken.stop()
            #expect(judged == 1)
            #expect(
                judgement.components(separatedBy: "FAIL  service").count - 1 == 1
                    && judgement.contains("FAIL  service COTA R2: "), "\(judgement)")
        }
    }

}

/// Every program takes its arguments through argument-parser: an unknown flag or a bad value is a
/// usage error (exit 2, a message naming it) before anything runs, and --help prints help and exits 0.
@Suite("Command-line usage of verify, mock-s3, race-api and racedata", .quietLogs)
struct CommandUsageTests {
    static func run(_ program: String, _ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String)
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent(program)
        process.arguments = arguments
        // race-api would read where the data is from here; none of these runs may get that far.
        process.environment = ["PATH": "/usr/bin:/bin", "USE_S3_DATA": "false", "DATA_DIR": "/nonexistent"]
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, stdout, stderr)
    }

    @Test(arguments: [
        ("verify", ["--bogus"], "--bogus"), ("verify", ["--property", "99"], "--property 99"),
        ("verify", ["--property", "1", "--replay", "notanumber"], "notanumber"),
        ("verify", ["--replay", "5"], "--replay needs --property"),
        ("verify", ["--region", "x"], "--bucket"), ("verify", ["--cases", "0"], "--cases"),
        ("mock-s3", ["--port", "abc"], "abc"), ("mock-s3", ["--drop-rate", "lots"], "lots"),
        ("mock-s3", ["--slowdown-rate", "2"], "between 0 and 1"),
        ("mock-s3", ["--access-key", "A"], "pairs"), ("mock-s3", ["--object-ownership", "Mine"], "Mine"),
        ("race-api", ["--port", "x"], "'x'"), ("race-api", ["--bogus"], "--bogus"),
        ("racedata", ["tracks", "--bogus"], "--bogus"),
    ])
    func badUsageExitsTwoNamingTheProblem(program: String, arguments: [String], named: String) throws {
        let run = try Self.run(program, arguments)
        #expect(run.status == 2, "\(program) \(arguments): \(run.stderr)")
        #expect(run.stderr.contains(named), "\(program) \(arguments): \(run.stderr)")
    }

    @Test(arguments: ["verify", "mock-s3", "race-api", "racedata"])
    func helpPrintsUsageAndExitsZero(program: String) throws {
        let run = try Self.run(program, ["--help"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("USAGE: \(program)"), "\(run.stdout)")
    }
}

/// `verify --api` against a service whose loader has one fault planted (drawn from the seed): the
/// check that exists to catch that kind of fault fails, and names what the service got wrong.
@Suite("verify --api's power: a faulty service is caught", .quietLogs)
struct ServiceJudgePowerTests {
    @Test(arguments: [
        (FaultySource.Fault.droppedTrack, "FAIL  service tracks"),
        (.droppedSession, "sessions"), (.wrongVehicle, "drivers:"), (.droppedRow, "FAIL  service "),
    ])
    func aFaultyServiceFailsItsCheck(fault: FaultySource.Fault, failing: String) async throws {
        try await DeployedVerify.withSample { server in
            let client = try server.client()
            let faulty = FaultySource(
                S3DataSource(client: client, bucket: "deployed"), fault: fault,
                seed: UInt64(ProcessInfo.processInfo.environment["PROPERTY_SEED"] ?? "") ?? 2025)
            let api = try await APIServer(analytics: Analytics(source: faulty), port: 0)
            let (status, output) = try await DeployedVerify.run(
                endpoint: server.endpoint, ["--property", "5", "--api", "http://127.0.0.1:\(api.port)"])
            try await api.stop()
            #expect(status == 1, "\(fault) passed verify --api:\n\(output)")
            // The failing check's line, and the lines of detail under it.
            let failed = output.components(separatedBy: "  FAIL  ").dropFirst().filter { $0.hasPrefix("service") }
            #expect(failed.contains { ("  FAIL  " + $0).contains(failing) }, "\(fault): \(failed)")
        }
    }
}

/// verify on a deployment checks that strangers stay out: anonymous LIST, PUT and GET refused (GET let
/// through with --expect-public-read), and with --expect-read-only its own key cannot write; each
/// check names the request and the answer, and a write that lands is deleted at once.
@Suite("verify: strangers stay out", .quietLogs)
struct VerifyStrangerTests {
    static let reader = Credentials(accessKeyId: "AKIAVERIFYREADER0001", secretAccessKey: "reader-secret")

    static func line(_ output: String, _ check: String) -> String {
        output.split(separator: "\n").first { $0.contains(check) }.map(String.init) ?? "no line for \(check)"
    }

    @Test func aPrivateBucketKeepsStrangersOut() async throws {
        let policy = try PolicyDocument(
            parsing: SetupGuidePolicyTests.policy("reader", bucket: "deployed"), kind: .identity)
        try await DeployedVerify.withSample({
            $0.credentials.append(
                MockCredential(
                    accessKeyId: Self.reader.accessKeyId, secretAccessKey: Self.reader.secretAccessKey,
                    user: IAMUser(name: "race-service", policy: policy)))
        }) { (server: MockS3Server) async throws in
            let before = try await server.client().listAll(bucket: "deployed").objects.count
            let (status, output) = try await DeployedVerify.run(
                endpoint: server.endpoint, ["--property", "5", "--expect-read-only"], as: Self.reader)
            for check in ["an anonymous LIST is refused", "an anonymous PUT is refused", "an anonymous GET is refused"]
            {
                #expect(
                    Self.line(output, check).contains("PASS") && Self.line(output, check).contains("403 AccessDenied"),
                    "\(output)")
            }
            let readOnly = Self.line(output, "these credentials cannot write")
            #expect(
                readOnly.contains("PASS") && readOnly.contains("If-None-Match: *") && readOnly.contains("403"),
                "\(readOnly)")
            // The reader's policy has no s3:ListBucket without a prefix: HeadBucket alone fails, as the guide says.
            #expect(status == 1 && output.contains("FAIL  bucket: ") && output.contains("1 failed"), "\(output)")
            #expect(try await server.client().listAll(bucket: "deployed").objects.count == before)

            // The owner's key can write: --expect-read-only fails, and the key it wrote is gone.
            let (ownerStatus, ownerOutput) = try await DeployedVerify.run(
                endpoint: server.endpoint, ["--property", "5", "--expect-read-only"])
            let wrote = Self.line(ownerOutput, "these credentials cannot write")
            #expect(
                ownerStatus == 1 && wrote.contains("FAIL") && wrote.contains("the write succeeded; deleted it again"),
                "\(wrote)")
            #expect(try await server.client().listAll(bucket: "deployed").objects.count == before)
        }
    }

    @Test func publicObjectsAreFoundUnlessExpected() async throws {
        try await DeployedVerify.withSample(acl: "public-read") { (server: MockS3Server) async throws in
            let (status, output) = try await DeployedVerify.run(endpoint: server.endpoint, ["--property", "5"])
            let get = Self.line(output, "an anonymous GET")
            #expect(status == 1 && get.contains("FAIL") && get.contains("anyone can read the data"), "\(get)")
            let (expected, log) = try await DeployedVerify.run(
                endpoint: server.endpoint, ["--property", "5", "--expect-public-read"])
            #expect(expected == 0 && Self.line(log, "an anonymous GET reads the data").contains("PASS"), "\(log)")
        }
    }
}

/// A deployment to judge (the sample in a mock's bucket `deployed`) and `verify` run against it.
enum DeployedVerify {
    /// A mock whose bucket `deployed` holds the sample, uploaded by the uploader (private, unless `acl`
    /// says otherwise), with the users `configure` adds.
    static func withSample(
        acl: String? = nil, _ configure: (inout MockS3Server.Configuration) -> Void = { _ in },
        _ body: (MockS3Server) async throws -> Void
    ) async throws {
        try await withMock({
            $0.buckets = ["deployed"]
            $0.defaultOwnership = .objectWriter
            configure(&$0)
        }) { server in
            var options = Uploader.Options()
            options.acl = acl
            _ = try await Uploader(client: try server.client(), bucket: "deployed", options: options).upload(
                directory: SampleData.directory)
            try await body(server)
        }
    }

    /// `verify` against `deployed` at `endpoint` with the mock's credentials (or `credentials`): its exit
    /// status and standard output (waited for off the shared threads: the service it judges may run on them).
    static func run(endpoint: String, _ extra: [String], as credentials: Credentials? = nil) async throws -> (
        Int32, String
    ) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("verify")
        process.arguments = ["--bucket", "deployed", "--endpoint", endpoint] + extra
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AWS_") }
        environment["AWS_ACCESS_KEY_ID"] = credentials?.accessKeyId ?? MockS3Server.defaultCredential.accessKeyId
        environment["AWS_SECRET_ACCESS_KEY"] =
            credentials?.secretAccessKey ?? MockS3Server.defaultCredential.secretAccessKey
        process.environment = environment
        return try await process.runCollectingOutput()
    }
}
