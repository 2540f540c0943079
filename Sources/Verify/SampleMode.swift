import CommandSupport
import Foundation
import MockS3Server
import Properties
import RaceData
import S3Kit
import S3Wire

/// The main job: the bundled sample, uploaded with the real uploader to an in-process mock S3, then
/// every property on it (each property's dataset form) and over generated cases, each check on an
/// in-process mock S3 of its own.
struct SampleMode {
    var selection: PropertySelection
    var json: Bool
    var junit: String?
    var reportedConfiguration: [String: String]

    /// The sample ships in Sample/data beside Package.swift.
    static func sampleDirectory() -> URL {
        let here = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("Sample/data")
        if FileManager.default.fileExists(atPath: here.path) { return here }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Sample/data")
            .standardized
    }

    func run() async throws -> Int32 {
        let sample = Self.sampleDirectory()
        guard FileManager.default.fileExists(atPath: sample.path) else {
            throw CommandFailure(
                "the sample is missing at \(sample.path); run `swift run verify --write-sample Sample/data`",
                exitCode: 2)
        }
        let server: MockS3Server
        do { server = try await Self.startServer() } catch {
            throw CommandFailure("the mock S3 server could not start: \(error)", exitCode: 1)
        }
        var reported = reportedConfiguration
        reported["sample"] = sample.path
        let checks = Checks(json: json, mode: "sample", configuration: reported)
        checks.say("verify: the bundled sample (\(sample.path)) through in-process mock S3 servers (one per check)")
        await checks.run("upload") {
            let report = try await Self.upload(sample, to: server)
            return
                "\(report.uploaded.count) files under data/, \(report.junk.count) junk skipped, \(report.bytesUploaded) bytes"
        }
        try? await server.stop()
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("verify-\(UUID())")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let dataset = Dataset(prefix: "data/", local: sample)
        let jobs =
            selection.chosen(PropertyRegistry.all.filter { $0.canCheck(dataset, readOnly: false) }).map {
                Job(property: $0, dataset: dataset)
            } + selection.chosen(PropertyRegistry.all).map { Job(property: $0, dataset: nil) }
        let report = OrderedReport(checks)
        // All at once, each on a server of its own (some set their server's faults): a debug build's
        // requests cost CPU on both sides of the socket, so one check at a time leaves a core idle,
        // and no check waits behind another, whatever the registry's order.
        await withTaskGroup(of: Void.self) { group in
            for (index, job) in jobs.enumerated() {
                group.addTask {
                    await report.finish(index, [await job.run(selection, sample: sample, scratch: scratch)])
                }
            }
        }
        return try checks.finish(junit: junit)
    }

    /// One property's form: on the sample (uploaded again, as the upload check did, to its own server)
    /// or over generated cases.
    struct Job: Sendable {
        var property: any RaceProperty
        var dataset: Dataset?

        func run(_ selection: PropertySelection, sample: URL, scratch: URL) async -> CheckResult {
            let form = dataset == nil ? "generated" : "on the sample"
            let server: MockS3Server
            let context: PropertyContext
            do {
                server = try await SampleMode.startServer()
                if dataset != nil {
                    _ = try await SampleMode.upload(sample, to: server)
                } else {
                    try server.store.createBucket(SampleMode.bucket)
                }
                context = PropertyContext(
                    client: try SampleMode.client(of: server), bucket: SampleMode.bucket, prefix: "verify-properties/",
                    mock: server, scratch: scratch, dataset: dataset)
            } catch {
                return CheckResult(
                    name: "property \(property.number) \(form): \(property.title)", passed: false,
                    detail: "its mock S3 server could not be set up: \(error)", seconds: 0)
            }
            let result = await selection.check(property, context: context, form: form)
            try? await server.stop()
            return result
        }
    }

    /// The sample through the real uploader into a new bucket.
    static func upload(_ sample: URL, to server: MockS3Server) async throws -> Uploader.Report {
        let client = try client(of: server)
        try await client.createBucket(bucket)
        let report = try await Uploader(client: client, bucket: bucket).upload(directory: sample)
        guard report.succeeded else { throw CheckFailure("\(report.failed.count) failed: \(report.failed.first!)") }
        return report
    }

    static let bucket = "race-data"

    static func startServer() async throws -> MockS3Server {
        var configuration = MockS3Server.Configuration()
        configuration.defaultOwnership = .objectWriter
        configuration.credentials = [MockS3Server.defaultCredential, PropertyFixtures.expiredCredential]
        // One event loop each: the checks run side by side, so more threads would only take turns.
        configuration.threads = 1
        return try await MockS3Server(configuration: configuration)
    }

    static func client(of server: MockS3Server) throws -> S3Client {
        let credential = MockS3Server.defaultCredential
        return S3Client(
            configuration: S3Configuration(
                region: "us-east-1", endpoint: try S3Endpoint.custom(server.endpoint),
                credentials: Credentials(
                    accessKeyId: credential.accessKeyId, secretAccessKey: credential.secretAccessKey, source: "mock"),
                payloadSigning: .forUploads))
    }
}
