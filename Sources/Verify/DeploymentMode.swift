import CommandSupport
import Foundation
import Properties
import RaceData
import S3Kit
import S3Wire

/// A deployment: the bucket read-only (tracks, sessions, lap tables, telemetry, signatures), the
/// service over it with --api, and properties 2–7 on the data there; with --allow-writes, the
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
        checks.say("verify: s3://\(bucket)/\(prefix) as \(configuration.credentials?.description ?? "anonymous")"
                   + (command.allowWrites ? "" : " (read-only)"))
        await checks.run("bucket") { try await client.headBucket(bucket); return "reachable with these credentials" }
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
                guard let sessions = try await source.sessions(track: track), !sessions.isEmpty else { throw CheckFailure("\(track) has no sessions") }
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
            await checkService(api, source: source, tracks: tracks, checks: checks)
        }
        let full = command.full
        await checks.run(full ? "telemetry (every file, whole)" : "telemetry (one parameter of the first session, bounded)") {
            var rows = 0, files = 0
            for track in full ? tracks : Array(tracks.prefix(1)) {
                for session in (try await source.sessions(track: track) ?? []).prefix(full ? .max : 1) {
                    guard let loaded = try await source.telemetry(track: track, session: session,
                                                                  filter: full ? .all : TelemetryFilter(parameters: ["speed"])) else {
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
            wrong.credentials = Credentials(accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey + "x")
            wrong.retry = .none
            do {
                _ = try await S3Client(configuration: wrong).listObjectsV2(bucket: bucket, prefix: prefix, maxKeys: 1)
                throw CheckFailure("a wrong secret was accepted")
            } catch let error as S3Error where error.code == "SignatureDoesNotMatch" {
                return "a wrong secret gets SignatureDoesNotMatch"
            }
        }
        // The deployed data is only read, even with --allow-writes: a property that went wrong there
        // would write into what the service serves.
        let dataset = Dataset(prefix: prefix)
        let onData = PropertyContext(client: client, bucket: bucket, prefix: prefix, mock: nil,
                                     scratch: FileManager.default.temporaryDirectory, dataset: dataset, readOnly: true)
        await command.selection.run(PropertyRunner.all.filter { $0.canCheck(dataset, readOnly: true) }, context: onData,
                                    form: "on the deployment", checks: checks)
        if command.allowWrites {
            let scratch = Self.scratchPrefix(beside: prefix)
            checks.say("verify: writing generated cases under s3://\(bucket)/\(scratch) (beside \(prefix.isEmpty ? "the tracks" : prefix), removed afterwards)")
            let context = PropertyContext(client: client, bucket: bucket, prefix: scratch, mock: nil,
                                          scratch: FileManager.default.temporaryDirectory.appendingPathComponent("verify-\(UUID())"))
            await command.selection.run(PropertyRunner.all.filter { !$0.needsMock }, context: context, form: "generated", checks: checks)
            await checks.run("scratch prefix removed") {
                try await context.clean(scratch)
                return "nothing left under \(scratch)"
            }
        }
        return try checks.finish(junit: command.junit)
    }

    /// The deployed service answers what S3 discovery finds: /health, tracks, each track's sessions, a best lap per session.
    func checkService(_ base: String, source: S3DataSource, tracks: [String], checks: Checks) async {
        func get(_ path: String) async throws -> (Int, Any?) {
            guard let components = URLComponents(string: base), let scheme = components.scheme, let host = components.host else {
                throw CheckFailure("--api \(base) is not a URL such as https://race-api.example.com")
            }
            let prefix = components.path.hasSuffix("/") ? String(components.path.dropLast()) : components.path
            let target = RequestTarget(scheme: scheme, host: host, port: components.port, path: prefix + path)
            let response = try await CurlTransport().execute(HTTPRequest(method: .get, target: target), streamBody: false)
            return (response.status, try? JSONSerialization.jsonObject(with: Data(response.body)))
        }
        await checks.run("service /health") {
            let (status, body) = try await get("/health")
            guard status == 200, let health = body as? [String: Any], health["answers"] as? Bool == true else {
                throw CheckFailure("HTTP \(status): \(String(describing: body))")
            }
            return "answers, source \((health["source"] as? [String: Any])?["source"] ?? "?")"
        }
        await checks.run("service tracks") {
            let (status, body) = try await get("/api/analytics/tracks")
            guard status == 200, let served = (body as? [String: Any])?["tracks"] as? [String] else { throw CheckFailure("HTTP \(status)") }
            guard served == tracks else { throw CheckFailure("the service lists \(served), S3 has \(tracks)") }
            return "\(served.count), equal to S3 discovery"
        }
        await checks.run("service sessions and best laps") {
            var laps = 0
            for track in tracks {
                let encoded = URIEncoding.encode(track, keepSlash: false)
                let (status, body) = try await get("/api/analytics/track/\(encoded)/sessions")
                let served = (body as? [String: Any])?["sessions"] as? [String]
                let expected = try await source.sessions(track: track)?.map(\.token)
                guard status == 200, served == expected else { throw CheckFailure("\(track): the service says \(served ?? []), S3 \(expected ?? [])") }
                for session in served ?? [] {
                    let (status, body) = try await get("/api/analytics/track/\(encoded)/session/\(session)/best-lap")
                    guard status == 200, ((body as? [String: Any])?["lap_time_ms"] as? Int ?? 0) > 0 else {
                        throw CheckFailure("\(track) \(session) best lap: HTTP \(status)")
                    }
                    laps += 1
                }
            }
            return "\(tracks.count) tracks' sessions equal to S3; \(laps) best laps"
        }
    }

    /// `verify-scratch/RUN/` in the folder that holds the data prefix (`data/` → `verify-scratch/…`),
    /// so a live service, which lists the data prefix for tracks, never sees it.
    static func scratchPrefix(beside prefix: String) -> String {
        var parent = prefix.hasSuffix("/") ? String(prefix.dropLast()) : prefix
        parent = parent.range(of: "/", options: .backwards).map { String(parent[...$0.lowerBound]) } ?? ""
        return "\(parent)verify-scratch/\(String(UInt32.random(in: 0...UInt32.max), radix: 36))/"
    }
}
