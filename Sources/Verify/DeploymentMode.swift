import CommandSupport
import Foundation
import Properties
import RaceData
import S3Kit
import S3Wire

/// A deployment: the bucket read-only (tracks, sessions, lap tables, telemetry, signatures, strangers
/// kept out), the service over it with --api, and properties 2–7 on the data there; with --allow-writes, the
/// properties over generated cases under a scratch prefix.
struct DeploymentMode {
    var command: VerifyCommand
    var bucket: String

    func run() async throws -> Int32 {
        var environment = ProcessInfo.processInfo.environment
        if let endpoint = command.endpoint { environment["AWS_ENDPOINT_URL_S3"] = endpoint }
        if let region = command.region { environment["AWS_REGION"] = region }
        let configuration: S3Configuration
        do { configuration = try S3Configuration.fromEnvironment(environment) } catch {
            throw CommandFailure("\(error)", exitCode: 2)
        }
        let json = command.json
        let prefix = command.prefix ?? environment.setting("S3_PREFIX") ?? "data/"
        let client = S3Client(configuration: configuration)
        let source = S3DataSource(client: client, bucket: bucket, prefix: prefix)
        var reported = command.reportedConfiguration
        reported["prefix"] = prefix
        reported["credentials"] = configuration.credentials?.description ?? "anonymous"
        let checks = Checks(json: json, mode: "deployment", configuration: reported)
        checks.say(
            "verify: s3://\(bucket)/\(prefix) as \(configuration.credentials?.description ?? "anonymous")"
                + (command.allowWrites ? "" : " (read-only)"))
        await checks.run("bucket") {
            try await client.headBucket(bucket)
            return "reachable with these credentials"
        }
        var tracks: [String] = []
        await checks.run("tracks") {
            tracks = try await source.tracks()
            if let expected = command.expectTracks, tracks.count != expected {
                throw CheckFailure("\(tracks.count) tracks, expected \(expected)")
            }
            guard !tracks.isEmpty else { throw CheckFailure("no tracks under \(prefix)") }
            return "\(tracks.count): \(tracks.joined(separator: ", "))"
        }
        await checks.run("sessions and lap tables") {
            var tables = 0
            for track in tracks {
                guard let sessions = try await source.sessions(track: track), !sessions.isEmpty else {
                    throw CheckFailure("\(track) has no sessions")
                }
                for session in sessions {
                    for kind in LapKind.allCases {
                        guard let loaded = try await source.lapTimes(track: track, session: session, kind: kind) else {
                            throw CheckFailure("\(track) \(session) has no \(kind.rawValue) table")
                        }
                        tables += 1
                        _ = loaded
                    }
                }
            }
            return "\(tables) lap tables load"
        }
        if let api = command.api {
            await ServiceJudge(base: api, source: source, checks: checks).run(tracks: tracks)
        }
        let full = command.full
        await checks.run(
            full ? "telemetry (every file, whole)" : "telemetry (one parameter of the first session, bounded)"
        ) {
            var rows = 0
            var files = 0
            for track in full ? tracks : Array(tracks.prefix(1)) {
                for session in (try await source.sessions(track: track) ?? []).prefix(full ? .max : 1) {
                    guard
                        let loaded = try await source.telemetry(
                            track: track, session: session,
                            filter: full ? .all : TelemetryFilter(parameters: ["speed"]))
                    else {
                        throw CheckFailure("\(track) \(session) has no telemetry")
                    }
                    rows += loaded.table.rowCount
                    files += 1
                }
            }
            return "\(files) telemetry file\(files == 1 ? "" : "s"), \(rows) rows"
        }
        await checks.run("wrong signatures are refused") {
            guard let credentials = configuration.credentials else { return "skipped: anonymous access" }
            var wrong = configuration
            wrong.credentials = Credentials(
                accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey + "x")
            wrong.retry = .none
            do {
                _ = try await S3Client(configuration: wrong).listObjectsV2(bucket: bucket, prefix: prefix, maxKeys: 1)
                throw CheckFailure("a wrong secret was accepted")
            } catch let error as S3Error where error.code == "SignatureDoesNotMatch" {
                return "a wrong secret gets SignatureDoesNotMatch"
            }
        }
        await StrangerChecks(
            configuration: configuration, own: client, bucket: bucket, prefix: prefix,
            expectPublicRead: command.expectPublicRead,
            expectReadOnly: command.expectReadOnly, checks: checks
        ).run()
        // The deployed data is only read, even with --allow-writes: a property that went wrong there
        // would write into what the service serves.
        let dataset = Dataset(prefix: prefix)
        let onData = PropertyContext(
            client: client, bucket: bucket, prefix: prefix, mock: nil,
            scratch: FileManager.default.temporaryDirectory, dataset: dataset, readOnly: true)
        await command.selection.run(
            PropertyRegistry.all.filter { $0.canCheck(dataset, readOnly: true) }, context: onData,
            form: "on the deployment", checks: checks)
        if command.allowWrites {
            let scratch = Self.scratchPrefix(beside: prefix)
            checks.say(
                "verify: writing generated cases under s3://\(bucket)/\(scratch) (beside \(prefix.isEmpty ? "the tracks" : prefix), removed afterwards)"
            )
            // Written as `racedata upload` writes, so the mode users run is the one proven here.
            var writing = configuration
            writing.payloadSigning = .forUploads
            let context = PropertyContext(
                client: S3Client(configuration: writing), bucket: bucket, prefix: scratch, mock: nil,
                scratch: FileManager.default.temporaryDirectory.appendingPathComponent("verify-\(UUID())"))
            await command.selection.run(
                PropertyRegistry.all, context: context, form: "generated", checks: checks)
            await checks.run("scratch prefix removed") {
                try await context.clean(scratch)
                return "nothing left under \(scratch)"
            }
        }
        return try checks.finish(junit: command.junit)
    }

    /// `verify-scratch/RUN/` in the folder that holds the data prefix (`data/` → `verify-scratch/…`),
    /// so a live service, which lists the data prefix for tracks, never sees it.
    static func scratchPrefix(beside prefix: String) -> String {
        var parent = prefix.hasSuffix("/") ? String(prefix.dropLast()) : prefix
        parent = parent.range(of: "/", options: .backwards).map { String(parent[...$0.lowerBound]) } ?? ""
        return "\(parent)verify-scratch/\(String(UInt32.random(in: 0...UInt32.max), radix: 36))/"
    }
}
