import Foundation
import MockS3Server
import RaceData
import S3Kit
import S3Wire
import TestSupport
import Testing

/// The `racedata` command as an operator runs it, against the in-process mock.
@Suite("The racedata command", .quietLogs)
struct RaceDataCommandTests {
    static let sample = SampleData.directory

    /// The upload's content tag cache goes here, not into the home of whoever runs the tests.
    static let cacheHome = FileManager.default.temporaryDirectory.appendingPathComponent("racedata-cache-\(UUID())")

    func racedata(
        _ arguments: [String], endpoint: String, secret: String = MockS3Server.defaultCredential.secretAccessKey,
        extra: [String: String] = [:]
    ) throws -> (status: Int32, out: String, err: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("racedata")
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment.filter {
            !$0.key.hasPrefix("AWS_") && !$0.key.hasPrefix("S3_") && $0.key != "USE_S3_DATA"
        }
        environment["AWS_ACCESS_KEY_ID"] = MockS3Server.defaultCredential.accessKeyId
        environment["AWS_SECRET_ACCESS_KEY"] = secret
        environment["AWS_ENDPOINT_URL_S3"] = endpoint
        environment["XDG_CACHE_HOME"] = Self.cacheHome.path
        environment.merge(extra) { $1 }
        process.environment = environment
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let o = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let e = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, o, e)
    }

    @Test func uploadThenReadBack() async throws {
        try await withMock({
            $0.buckets = ["race-data"]
            $0.defaultOwnership = .objectWriter
        }) { server in
            let e = server.endpoint
            let first = try racedata(["upload", Self.sample.path, "--bucket", "race-data", "--json"], endpoint: e)
            #expect(first.status == 0, "\(first.err)")
            let summary = try JSONSerialization.jsonObject(with: Data(first.out.utf8)) as? [String: Any]
            #expect((summary?["uploaded"] as? [String])?.count == 126 && (summary?["junk"] as? [String])?.count == 22)
            #expect((summary?["failed"] as? [Any])?.isEmpty == true)
            #expect(first.err.contains("126/126 files"))  // plain progress lines when not a terminal
            let again = try racedata(["upload", Self.sample.path, "--bucket", "race-data"], endpoint: e)
            #expect(again.status == 0 && again.out.contains("uploaded 0, unchanged 126, junk skipped 22, failed 0"))
            let dry = try racedata(["upload", Self.sample.path, "--bucket", "race-data", "--dry-run"], endpoint: e)
            #expect(dry.out.contains("126 files") && dry.out.contains("skip junk"))

            let s3 = ["USE_S3_DATA": "true", "S3_BUCKET_NAME": "race-data"]
            #expect(try racedata(["tracks"], endpoint: e, extra: s3).out.split(separator: "\n").count == 7)
            #expect(try racedata(["sessions", "road-america"], endpoint: e, extra: s3).out == "R1\nR2\n")
            let csv = try racedata(
                ["load", "COTA", "R1", "telemetry", "--vehicle", "0", "--parameter", "speed"], endpoint: e, extra: s3)
            #expect(
                csv.status == 0 && csv.out.hasPrefix("expire_at,lap,")
                    && csv.out.split(separator: "\n").dropFirst().allSatisfy { $0.contains(",speed,") })
            let inventory = try racedata(["inventory", "--json"], endpoint: e, extra: s3)
            let local = try racedata(
                ["inventory", "--json", "--source", "local", "--data-dir", Self.sample.path], endpoint: e, extra: s3)
            #expect(inventory.status == 0 && inventory.out == local.out)
            let parsed = try JSONSerialization.jsonObject(with: Data(inventory.out.utf8)) as? [String: Any]
            #expect((parsed?["loads"] as? [String: Any])?.count == 56)
            #expect(try racedata(["load", "COTA", "R9", "lap_time"], endpoint: e, extra: s3).status == 1)
        }
    }

    @Test func failuresSayWhatToDo() async throws {
        try await withMock({ $0.buckets = ["race-data"] }) { server in
            let e = server.endpoint
            let wrong = try racedata(
                ["upload", Self.sample.path, "--bucket", "race-data"], endpoint: e, secret: "definitely-wrong")
            #expect(
                wrong.status == 1 && wrong.err.contains("SignatureDoesNotMatch") && wrong.err.contains("HeadBucket"))
            #expect(!wrong.err.contains("definitely-wrong"))
            #expect(!server.journal.entries.contains { $0.operation == "PutObject" })
            let noBucket = try racedata(["upload", Self.sample.path], endpoint: e)
            #expect(noBucket.status == 2 && noBucket.err.contains("S3_BUCKET_NAME"))
            let garbage = try racedata(["tracks"], endpoint: e, extra: ["USE_S3_DATA": "maybe"])
            #expect(garbage.status == 2 && garbage.err.contains("true, 1, yes or on"))
            let acl = try racedata(["upload", Self.sample.path, "--bucket", "race-data"], endpoint: e)
            #expect(acl.status == 0 && acl.out.contains("warning: Bucket race-data has ACLs disabled"))
        }
    }
}
