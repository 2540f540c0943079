import ArgumentParser
import CommandSupport
import Foundation
import Logging
import RaceData
import S3Kit
import S3Wire

func jsonString(_ value: Any) -> String {
    guard
        let data = try? JSONSerialization.data(
            withJSONObject: value, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    else { return "{}" }
    return String(decoding: data, as: UTF8.self)
}

@main
struct RaceDataCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "racedata",
        abstract: "Moves race telemetry between a local data folder and S3, and reads it back.",
        discussion: """
            Exit codes: 0 done; 1 failed (the message says why; for upload, any file not uploaded); 2 bad usage or \
            configuration; 3 done, but some folders were skipped or tables failed to load (tracks, inventory: each one \
            reported on standard error, and in inventory's JSON).
            """,
        subcommands: [Upload.self, Tracks.self, Sessions.self, Load.self, Inventory.self])

    static func main() async {
        Logs.bootstrap(default: .warning)
        await parseAndRun()
    }
}

/// Options every subcommand shares: where the data is (the environment, as in the README; flags win).
struct SourceOptions: ParsableArguments {
    @Option(help: "local or s3 (overrides USE_S3_DATA).") var source: String?
    @Option(help: "The bucket (overrides S3_BUCKET_NAME).") var bucket: String?
    @Option(help: "The key prefix (overrides S3_PREFIX; default data/).") var prefix: String?
    @Option(name: .customLong("data-dir"), help: "The local data folder (overrides DATA_DIR; default ./data).")
    var dataDirectory: String?
    @Option(help: "A custom S3 endpoint such as http://127.0.0.1:9000 (overrides AWS_ENDPOINT_URL_S3).") var endpoint:
        String?
    @Option(help: "The AWS region (overrides AWS_REGION).") var region: String?
    @Flag(help: "Send unsigned requests (a public-read bucket).") var anonymous = false

    var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        if let bucket { environment["S3_BUCKET_NAME"] = bucket }
        if let prefix { environment["S3_PREFIX"] = prefix }
        if let dataDirectory { environment["DATA_DIR"] = dataDirectory }
        if let endpoint { environment["AWS_ENDPOINT_URL_S3"] = endpoint }
        if let region { environment["AWS_REGION"] = region }
        return environment
    }

    func dataSource() throws -> any DataSource {
        do {
            return try DataConfiguration.fromEnvironment(environment, sourceOverride: source, anonymous: anonymous)
                .makeSource()
        } catch {
            throw CommandFailure("\(error)", exitCode: 2)
        }
    }
}
