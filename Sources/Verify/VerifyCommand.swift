import ArgumentParser
import CommandSupport
import Foundation
import Properties
import RaceDataTesting

/// verify: with no bucket, uploads the bundled sample to an in-process mock S3 with the real uploader
/// and runs every property of `PropertyRegistry` on it and on generated cases. With --bucket, checks a deployment,
/// read-only unless --allow-writes. Exit 0: every check passed; 1: a check failed; 2: bad usage.
@main
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Checks the S3 data layer: on the bundled sample through an in-process mock S3, or on a deployment.",
        discussion: """
            Without --bucket: the sample (Sample/data) is uploaded to an in-process mock S3 with the real uploader, then properties \(PropertyRegistry.numbers) run on it and over --cases generated cases each.

            With --bucket: read-only checks of the deployed bucket (and with --api, of the service over it), and the properties that read on the data there; --allow-writes runs properties \(PropertyRegistry.numbers) over generated cases under a scratch prefix, removed afterwards. Exit codes: 0 all passed, 1 a check failed, 2 bad usage.

            The properties (docs/properties.md):
            \(PropertyRegistry.all.map { "  \($0.number). \($0.title): \($0.statement)" }.joined(separator: "\n"))
            """,
        version: ProjectVersion.current)

    @Option(help: "Generated cases per property.") var cases = 100
    @Option(help: "The run's seed: the same seed generates the same cases.") var seed: UInt64 = 2025
    @Option(help: "Run only this property (\(PropertyRegistry.numbers)).") var property: Int?
    @Option(help: "Run one case of --property: the case seed a failure printed.") var replay: UInt64?
    @Flag(help: "The report as one JSON document on standard output, and nothing else there.") var json = false
    @Option(help: "Also write the report as JUnit XML to this file.") var junit: String?

    @Option(help: "A deployed bucket to check (read-only unless --allow-writes).") var bucket: String?
    @Option(help: "Its S3 endpoint (default: AWS_ENDPOINT_URL_S3, else AWS).") var endpoint: String?
    @Option(help: "Its region (default: AWS_REGION, else us-east-1).") var region: String?
    @Option(help: "Where its tracks are (default: S3_PREFIX, else data/).") var prefix: String?
    @Option(name: .customLong("expect-tracks"), help: "Fail unless the bucket has this many tracks.") var expectTracks:
        Int?
    @Option(help: "The deployed service's base URL, checked against S3.") var api: String?
    @Flag(help: "Load every telemetry file whole (slow on the real data).") var full = false
    @Flag(
        name: .customLong("allow-writes"),
        help: "Run the writing properties under a scratch prefix, removed afterwards.")
    var allowWrites = false
    @Flag(
        name: .customLong("expect-public-read"),
        help:
            "The data is meant to be readable by anyone: an anonymous GET must succeed (it must be refused otherwise).")
    var expectPublicRead = false
    @Flag(
        name: .customLong("expect-read-only"),
        help:
            "These credentials must not write: a PUT of a fresh scratch key must be AccessDenied (deleted at once if it lands)."
    )
    var expectReadOnly = false

    @Option(
        name: .customLong("write-sample"),
        help: "Write the sample dataset to this folder (Sample/data is seed 2025) and stop.")
    var writeSample: String?

    static func main() async {
        // The report says what went wrong; the loader's own log lines would only repeat it.
        Logs.bootstrap(default: .critical)
        await parseAndRun()
    }

    func validate() throws {
        guard cases > 0 else { throw ValidationError("--cases \(cases): give at least one case") }
        if let property, PropertyRegistry.property(property) == nil {
            throw ValidationError("--property \(property): the properties are \(PropertyRegistry.numbers)")
        }
        if replay != nil && property == nil {
            throw ValidationError("--replay needs --property: a case seed belongs to one property")
        }
        if allowWrites && expectReadOnly {
            throw ValidationError("--allow-writes and --expect-read-only contradict each other: give one")
        }
        if bucket == nil {
            let deploymentOnly: [(String, Bool)] = [
                ("--endpoint", endpoint != nil), ("--region", region != nil), ("--prefix", prefix != nil),
                ("--expect-tracks", expectTracks != nil), ("--api", api != nil), ("--full", full),
                ("--allow-writes", allowWrites), ("--expect-public-read", expectPublicRead),
                ("--expect-read-only", expectReadOnly),
            ]
            if let (flag, _) = deploymentOnly.first(where: \.1) {
                throw ValidationError("\(flag) is for checking a deployment: give --bucket too")
            }
        }
    }

    /// The command that runs a case again in the mode that ran it: against a deployment the same
    /// bucket, endpoint, region, prefix, API and write permission (a replay in sample mode would
    /// test something else).
    var replayCommand: String {
        var words = ["swift", "run", "verify"]
        if let bucket {
            words += ["--bucket", bucket]
            if let endpoint { words += ["--endpoint", endpoint] }
            if let region { words += ["--region", region] }
            if let prefix { words += ["--prefix", prefix] }
            if let api { words += ["--api", api] }
            if allowWrites { words.append("--allow-writes") }
        }
        return words.map(shellQuoted).joined(separator: " ")
    }

    var selection: PropertySelection {
        PropertySelection(cases: cases, seed: seed, only: property, replay: replay, replayCommand: replayCommand)
    }

    /// What ran, for the report (no secrets here: credentials are added redacted by the mode).
    var reportedConfiguration: [String: String] {
        var configuration = ["cases": "\(cases)", "seed": "\(seed)"]
        configuration["property"] = property.map(String.init)
        configuration["replay"] = replay.map(String.init)
        configuration["bucket"] = bucket
        configuration["endpoint"] = endpoint
        configuration["region"] = region
        configuration["prefix"] = prefix
        configuration["api"] = api
        if bucket != nil {
            configuration["allowWrites"] = "\(allowWrites)"
            configuration["full"] = "\(full)"
            configuration["expectPublicRead"] = "\(expectPublicRead)"
            configuration["expectReadOnly"] = "\(expectReadOnly)"
        }
        return configuration
    }

    func run() async throws {
        if let writeSample {
            do {
                try DatasetGenerator(seed: seed).write(to: URL(fileURLWithPath: writeSample))
            } catch {
                throw CommandFailure("could not write the sample to \(writeSample): \(error)", exitCode: 1)
            }
            print("wrote the sample (seed \(seed)) to \(writeSample)")
            return
        }
        let code: Int32
        if let bucket {
            code = try await DeploymentMode(command: self, bucket: bucket).run()
        } else {
            code = try await SampleMode(
                selection: selection, json: json, junit: junit, reportedConfiguration: reportedConfiguration
            ).run()
        }
        throw ExitCode(code)
    }
}

/// A word as a POSIX shell reads it back.
func shellQuoted(_ word: String) -> String {
    let plain = word.unicodeScalars.allSatisfy {
        CharacterSet.alphanumerics.contains($0) || "-_./:=@%+,".unicodeScalars.contains($0)
    }
    return plain && !word.isEmpty ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
