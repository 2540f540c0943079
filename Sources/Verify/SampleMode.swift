import CommandSupport
import Foundation
import MockS3Server
import Properties
import RaceData
import S3Kit
import S3Wire

/// The main job: the bundled sample, uploaded with the real uploader to an in-process mock S3, then
/// every property on it (each property's dataset form) and over generated cases.
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
        var configuration = MockS3Server.Configuration()
        configuration.defaultOwnership = .objectWriter
        configuration.credentials = [MockS3Server.defaultCredential, PropertyFixtures.expiredCredential]
        let server: MockS3Server
        do { server = try await MockS3Server(configuration: configuration) } catch {
            throw CommandFailure("the mock S3 server could not start: \(error)", exitCode: 1)
        }
        let credential = MockS3Server.defaultCredential
        let client = S3Client(
            configuration: S3Configuration(
                region: "us-east-1", endpoint: try S3Endpoint.custom(server.endpoint),
                credentials: Credentials(
                    accessKeyId: credential.accessKeyId, secretAccessKey: credential.secretAccessKey, source: "mock"),
                payloadSigning: .forUploads))
        var reported = reportedConfiguration
        reported["sample"] = sample.path
        let checks = Checks(json: json, mode: "sample", configuration: reported)
        checks.say("verify: the bundled sample (\(sample.path)) through an in-process mock S3 at \(server.endpoint)")

        await checks.run("upload") {
            try await client.createBucket("race-data")
            let report = try await Uploader(client: client, bucket: "race-data").upload(directory: sample)
            guard report.succeeded else { throw CheckFailure("\(report.failed.count) failed: \(report.failed.first!)") }
            return
                "\(report.uploaded.count) files under data/, \(report.junk.count) junk skipped, \(report.bytesUploaded) bytes"
        }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("verify-\(UUID())")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let dataset = Dataset(prefix: "data/", local: sample)
        let onSample = PropertyContext(
            client: client, bucket: "race-data", prefix: "verify-properties/", mock: server,
            scratch: scratch, dataset: dataset)
        await selection.run(
            PropertyRegistry.all.filter { $0.canCheck(dataset, readOnly: false) }, context: onSample,
            form: "on the sample", checks: checks)
        var generated = onSample
        generated.dataset = nil
        await selection.run(PropertyRegistry.all, context: generated, form: "generated", checks: checks)
        try? await server.stop()
        return try checks.finish(junit: junit)
    }
}
