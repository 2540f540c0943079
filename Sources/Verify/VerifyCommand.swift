import ArgumentParser
import CommandSupport
import Foundation
import Properties
import RaceDataTesting

/// verify: with no bucket, uploads the bundled sample to an in-process mock S3 with the real uploader
/// and runs properties 1–8 on it and on generated cases. With --bucket, checks a deployment,
/// read-only unless --allow-writes. Exit 0: every check passed; 1: a check failed; 2: bad usage.
@main
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Checks the S3 data layer: on the bundled sample through an in-process mock S3, or on a deployment.",
        discussion: """
            Without --bucket: the sample (Sample/data) is uploaded to an in-process mock S3 with the real uploader,
            then properties 1–8 run on it and over --cases generated cases each.
            With --bucket: read-only checks of the deployed bucket (and with --api, of the service over it), and
            properties 2–7 on the data there; --allow-writes runs properties 1–8 over generated cases under a
            scratch prefix, removed afterwards. Exit codes: 0 all passed, 1 a check failed, 2 bad usage.
            """)

    @Option(help: "Generated cases per property.") var cases = 100
    @Option(help: "The run's seed: the same seed generates the same cases.") var seed: UInt64 = 2025
    @Option(help: "Run only this property (1–8).") var property: Int?
    @Option(help: "Run one case of --property: the case seed a failure printed.") var replay: UInt64?
    @Flag(help: "The checks as JSON.") var json = false

    @Option(help: "A deployed bucket to check (read-only unless --allow-writes).") var bucket: String?
    @Option(help: "Its S3 endpoint (default: AWS_ENDPOINT_URL_S3, else AWS).") var endpoint: String?
    @Option(help: "Its region (default: AWS_REGION, else us-east-1).") var region: String?
    @Option(help: "Where its tracks are (default: S3_PREFIX, else data/).") var prefix: String?
    @Option(name: .customLong("expect-tracks"), help: "Fail unless the bucket has this many tracks.") var expectTracks: Int?
    @Option(help: "The deployed service's base URL, checked against S3.") var api: String?
    @Flag(help: "Load every telemetry file whole (slow on the real data).") var full = false
    @Flag(name: .customLong("allow-writes"), help: "Run the writing properties under a scratch prefix, removed afterwards.")
    var allowWrites = false

    @Option(name: .customLong("write-sample"), help: "Write the sample dataset to this folder (Sample/data is seed 2025) and stop.")
    var writeSample: String?

    static func main() async {
        // The report says what went wrong; the loader's own log lines would only repeat it.
        Logs.bootstrap(default: .critical)
        await parseAndRun()
    }

    func validate() throws {
        guard cases > 0 else { throw ValidationError("--cases \(cases): give at least one case") }
        if let property, !(1...8).contains(property) { throw ValidationError("--property \(property): the properties are 1 to 8") }
        if replay != nil && property == nil { throw ValidationError("--replay needs --property: a case seed belongs to one property") }
        if bucket == nil {
            let deploymentOnly: [(String, Bool)] = [("--endpoint", endpoint != nil), ("--region", region != nil), ("--prefix", prefix != nil),
                                                    ("--expect-tracks", expectTracks != nil), ("--api", api != nil), ("--full", full),
                                                    ("--allow-writes", allowWrites)]
            if let (flag, _) = deploymentOnly.first(where: \.1) {
                throw ValidationError("\(flag) is for checking a deployment: give --bucket too")
            }
        }
    }

    var selection: PropertySelection { PropertySelection(cases: cases, seed: seed, only: property, replay: replay) }

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
            code = try await SampleMode(selection: selection, json: json).run()
        }
        throw ExitCode(code)
    }
}

/// Which properties and cases a run takes.
struct PropertySelection {
    var cases: Int
    var seed: UInt64
    var only: Int?
    var replay: UInt64?

    /// Runs the chosen properties on `context` (its dataset when it has one, else generated cases),
    /// one check each; a failure names its case seed for --replay.
    func run(_ properties: [any RaceProperty], context: PropertyContext, label: (any RaceProperty) -> String, checks: Checks) async {
        for property in properties where only == nil || property.number == only {
            await checks.run(label(property)) {
                let result = await PropertyRunner.run(property, cases: cases, seed: seed, replay: replay, context: context)
                if let failure = result.failure {
                    throw CheckFailure("case \(result.cases) of seed \(seed): \(failure.message)\n    replay: swift run verify --property \(property.number) --replay \(failure.seed)")
                }
                return "\(result.cases) case\(result.cases == 1 ? "" : "s"), seed \(seed)"
            }
        }
    }
}
