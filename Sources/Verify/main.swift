import Foundation
import RaceDataTesting
import Logging
import MockS3Server
import Properties
import RaceData
import S3Kit
import S3Wire

// verify: with no arguments, uploads the bundled sample to an in-process mock S3 with the real
// uploader and checks that the loader reads from S3 exactly what it reads from disk. With --bucket,
// checks a real deployment, read-only. Exit 0: all checks pass; 1: a check failed; 2: bad usage.

let usage = """
usage: verify [--cases N] [--seed S] [--property N [--replay CASE_SEED]] [--json]
            the sample through an in-process mock S3, then properties 1–8 over N generated cases
       verify --bucket B [--endpoint URL] [--region R] [--prefix P] [--expect-tracks N] [--full] [--api URL]
              [--allow-writes] [--cases N] [--seed S] [--json]
            a deployed bucket (and with --api, the service over it): read-only checks and
            properties 2–7 on the data there;
            with --allow-writes, properties 1–6 and 8 under a scratch prefix removed afterwards
       verify --write-sample DIR [--seed N]     write the sample dataset (Sample/data is seed 2025)
"""

struct Check: Codable {
    var name: String
    var passed: Bool
    var detail: String
    var seconds: Double
}

final class Checks: @unchecked Sendable {
    var results: [Check] = []
    let json: Bool
    init(json: Bool) { self.json = json }

    func run(_ name: String, _ body: () async throws -> String) async {
        let started = Date()
        var check: Check
        do {
            check = Check(name: name, passed: true, detail: try await body(), seconds: 0)
        } catch {
            check = Check(name: name, passed: false, detail: "\(error)", seconds: 0)
        }
        check.seconds = Date().timeIntervalSince(started)
        results.append(check)
        if !json {
            print(String(format: "  %@  %@: %@ (%.2f s)", check.passed ? "PASS" : "FAIL", name, check.detail, check.seconds))
        }
    }

    func finish() -> Int32 {
        let failed = results.filter { !$0.passed }.count
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: (try? encoder.encode(results)) ?? Data(), as: UTF8.self))
        }
        print("\(results.count - failed) passed, \(failed) failed")
        return failed == 0 ? 0 : 1
    }
}

struct CheckFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

func option(_ name: String, in arguments: [String]) -> String? {
    guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count else { return nil }
    return arguments[i + 1]
}

/// The sample ships in Sample/data beside Package.swift.
func sampleDirectory() -> URL {
    let here = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("Sample/data")
    if FileManager.default.fileExists(atPath: here.path) { return here }
    return URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Sample/data").standardized
}

let kinds: [TableKind] = [.lap(.lapStart), .lap(.lapEnd), .lap(.lapTime), .telemetry]

func compareSources(_ local: LocalDataSource, _ remote: any DataSource, checks: Checks) async {
    await checks.run("tracks") {
        let (a, b) = (try await local.tracks(), try await remote.tracks())
        guard a == b else { throw CheckFailure("S3 has \(b), local has \(a)") }
        return "\(b.count) tracks, equal to local: \(b.joined(separator: ", "))"
    }
    await checks.run("sessions") {
        var count = 0
        for track in try await local.tracks() {
            let (a, b) = (try await local.sessions(track: track), try await remote.sessions(track: track))
            guard a == b, let a else { throw CheckFailure("\(track): S3 \(String(describing: b)), local \(String(describing: a))") }
            count += a.count
        }
        return "\(count) sessions, equal to local"
    }
    await checks.run("tables") {
        var count = 0, rows = 0
        for track in try await local.tracks() {
            for session in try await local.sessions(track: track) ?? [] {
                for kind in kinds {
                    let a = try await local.load(track: track, session: session, kind: kind, filter: .all)
                    let b = try await remote.load(track: track, session: session, kind: kind, filter: .all)
                    guard let a, a == b else { throw CheckFailure("\(track) \(session) \(kind): S3 and local differ") }
                    count += 1
                    rows += a.table.rowCount
                }
            }
        }
        return "\(count) tables (\(rows) rows), every one equal to local: same columns, types, values"
    }
}

func demonstrate(json: Bool) async -> Int32 {
    let sample = sampleDirectory()
    guard FileManager.default.fileExists(atPath: sample.path) else {
        FileHandle.standardError.write(Data("verify: the sample is missing at \(sample.path); run `swift run verify --write-sample Sample/data`\n".utf8))
        return 2
    }
    let checks = Checks(json: json)
    let server: MockS3Server
    do {
        var configuration = MockS3Server.Configuration()
        configuration.defaultOwnership = .objectWriter
        configuration.credentials = [MockS3Server.defaultCredential, PropertyFixtures.expiredCredential]
        server = try await MockS3Server(configuration: configuration)
    } catch {
        FileHandle.standardError.write(Data("verify: the mock S3 server could not start: \(error)\n".utf8))
        return 1
    }
    let credential = MockS3Server.defaultCredential
    let s3 = S3Configuration(region: "us-east-1", endpoint: try? S3Endpoint.custom(server.endpoint),
                             credentials: Credentials(accessKeyId: credential.accessKeyId, secretAccessKey: credential.secretAccessKey, source: "mock"))
    let client = S3Client(configuration: s3)
    if !json { print("verify: the bundled sample (\(sample.path)) through an in-process mock S3 at \(server.endpoint)") }

    await checks.run("upload") {
        try await client.createBucket("race-data")
        let report = try await Uploader(client: client, bucket: "race-data").upload(directory: sample)
        guard report.succeeded else { throw CheckFailure("\(report.failed.count) failed: \(report.failed.first!)") }
        let keys = try await client.listAll(bucket: "race-data").objects.map(\.key)
        guard Set(keys) == Set(report.uploaded), keys.allSatisfy({ !$0.contains("..") && !$0.contains("//") && !$0.hasPrefix("/") }) else {
            throw CheckFailure("the bucket does not hold exactly the uploaded keys")
        }
        return "\(report.uploaded.count) files under data/, \(report.junk.count) junk skipped, \(report.bytesUploaded) bytes"
    }
    let local = LocalDataSource(root: sample)
    let remote = S3DataSource(client: client, bucket: "race-data")
    await compareSources(local, remote, checks: checks)
    await checks.run("configuration") {
        for (value, s3) in [("true", true), (" Yes", true), ("ON", true), ("1", true), ("false", false), ("", false), ("off", false)] {
            guard try DataConfiguration.useS3(value) == s3 else { throw CheckFailure("USE_S3_DATA=\(value)") }
        }
        guard (try? DataConfiguration.useS3("maybe")) == nil else { throw CheckFailure("USE_S3_DATA=maybe was accepted") }
        let configuration = try DataConfiguration.fromEnvironment(["USE_S3_DATA": "true", "S3_BUCKET_NAME": "race-data",
            "AWS_ENDPOINT_URL_S3": server.endpoint, "AWS_ACCESS_KEY_ID": credential.accessKeyId, "AWS_SECRET_ACCESS_KEY": credential.secretAccessKey])
        guard try await configuration.makeSource().tracks() == (try await local.tracks()) else { throw CheckFailure("the S3 source from the environment differs") }
        return "USE_S3_DATA values select the documented source; garbage is a startup error"
    }
    await checks.run("not found is nil") {
        guard try await remote.sessions(track: "Monaco") == nil,
              try await remote.lapTimes(track: "COTA", session: Session("R9")!, kind: .lapTime) == nil,
              try await client.getObject(bucket: "race-data", key: "data/COTA/none.csv") == nil else { throw CheckFailure("a missing thing was not nil") }
        return "missing track, session and key are nil"
    }
    await checks.run("LIST denied") {
        var plan = FaultPlan()
        plan.listBucketDenied = true
        server.setFaults(plan)
        defer { server.setFaults(FaultPlan()) }
        let getOnly = S3DataSource(client: client, bucket: "race-data")
        let a = try await local.lapTimes(track: "sebring", session: Session("R2")!, kind: .lapStart)
        guard let a, a == (try await getOnly.lapTimes(track: "sebring", session: Session("R2")!, kind: .lapStart)) else {
            throw CheckFailure("the GET fallback did not find sebring R2 lap_start")
        }
        return "loads fall back to direct GETs of the naming conventions"
    }
    await checks.run("invalid credentials") {
        let secret = "not-the-secret-\(UInt32.random(in: 0...UInt32.max))"
        let bad = S3Client(configuration: S3Configuration(region: "us-east-1", endpoint: try S3Endpoint.custom(server.endpoint),
            credentials: Credentials(accessKeyId: credential.accessKeyId, secretAccessKey: secret), retry: RetryPolicy(maxAttempts: 4)))
        do {
            _ = try await S3DataSource(client: bad, bucket: "race-data").tracks()
            throw CheckFailure("a wrong secret listed the tracks")
        } catch let error as DataError {
            let text = "\(error)"
            guard text.contains("SignatureDoesNotMatch"), text.contains("AWS_SECRET_ACCESS_KEY"), !text.contains(secret),
                  !text.contains(credential.accessKeyId) else { throw CheckFailure("unclear or leaking message: \(text)") }
        }
        let before = server.journal.entries(operation: "PutObject").count
        do {
            _ = try await Uploader(client: bad, bucket: "race-data").upload(directory: sample)
            throw CheckFailure("the uploader ran with a wrong secret")
        } catch is S3Error {}
        guard server.journal.entries(operation: "PutObject").count == before else { throw CheckFailure("something was uploaded") }
        return "a wrong secret fails at once with SignatureDoesNotMatch and the fix; nothing uploaded, no secret shown"
    }
    let context = PropertyContext(client: client, bucket: "race-data", prefix: "verify-properties/", mock: server,
                                  scratch: FileManager.default.temporaryDirectory.appendingPathComponent("verify-\(UUID())"))
    await runProperties(PropertyRunner.all, context: context, checks: checks)
    try? await server.stop()
    try? FileManager.default.removeItem(at: context.scratch)
    return checks.finish()
}

/// Properties over generated cases; a failure names its case seed for --replay.
func runProperties(_ properties: [any RaceProperty], context: PropertyContext, checks: Checks) async {
    let cases = option("--cases", in: arguments).flatMap(Int.init) ?? 100
    let seed = option("--seed", in: arguments).flatMap(UInt64.init) ?? 2025
    let only = option("--property", in: arguments).flatMap(Int.init)
    let replay = option("--replay", in: arguments).flatMap(UInt64.init)
    for property in properties where only == nil || property.number == only {
        await checks.run("property \(property.number): \(property.title)") {
            let result = await PropertyRunner.run(property, cases: cases, seed: seed, replay: replay, context: context)
            if let failure = result.failure {
                throw CheckFailure("case \(result.cases) of seed \(seed): \(failure.message)\n    replay: swift run verify --property \(property.number) --replay \(failure.seed)")
            }
            return "\(result.cases) cases, seed \(seed)"
        }
    }
}

func production(_ arguments: [String], json: Bool) async -> Int32 {
    guard let bucket = option("--bucket", in: arguments) else { print(usage); return 2 }
    var environment = ProcessInfo.processInfo.environment
    if let endpoint = option("--endpoint", in: arguments) { environment["AWS_ENDPOINT_URL_S3"] = endpoint }
    if let region = option("--region", in: arguments) { environment["AWS_REGION"] = region }
    let configuration: S3Configuration
    do { configuration = try S3Configuration.fromEnvironment(environment) } catch {
        FileHandle.standardError.write(Data("verify: \(error)\n".utf8))
        return 2
    }
    let prefix = option("--prefix", in: arguments) ?? environment["S3_PREFIX"] ?? "data/"
    let client = S3Client(configuration: configuration)
    let source = S3DataSource(client: client, bucket: bucket, prefix: prefix)
    let checks = Checks(json: json)
    if !json { print("verify: s3://\(bucket)/\(prefix) (read-only) as \(configuration.credentials?.description ?? "anonymous")") }
    await checks.run("bucket") { try await client.headBucket(bucket); return "reachable with these credentials" }
    var tracks: [String] = []
    await checks.run("tracks") {
        tracks = try await source.tracks()
        if let expected = option("--expect-tracks", in: arguments).flatMap(Int.init), tracks.count != expected {
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
    if let api = option("--api", in: arguments) {
        await checkService(api, source: source, tracks: tracks, checks: checks)
    }
    let full = arguments.contains("--full")
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
    if arguments.contains("--allow-writes") {
        let scratch = "\(prefix)verify-scratch-\(UInt32.random(in: 0...UInt32.max))/"
        let context = PropertyContext(client: client, bucket: bucket, prefix: scratch, mock: nil,
                                      scratch: FileManager.default.temporaryDirectory.appendingPathComponent("verify-\(UUID())"))
        await runProperties(PropertyRunner.all.filter { !$0.needsMock }, context: context, checks: checks)
        await checks.run("scratch prefix removed") {
            try await context.clean(scratch)
            return "nothing left under \(scratch)"
        }
    } else {
        let context = PropertyContext(client: client, bucket: bucket, prefix: prefix, mock: nil,
                                      scratch: FileManager.default.temporaryDirectory, readOnly: true, dataPrefix: prefix)
        await runProperties(PropertyRunner.all.filter(\.readOnlyCapable), context: context, checks: checks)
    }
    return checks.finish()
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

let arguments = Array(CommandLine.arguments.dropFirst())
let json = arguments.contains("--json")
// The report says what went wrong; the loader's own log lines would only repeat it.
LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardError(label: label)
    handler.logLevel = .critical
    return handler
}
if arguments.contains("-h") || arguments.contains("--help") {
    print(usage)
    exit(0)
}
if let directory = option("--write-sample", in: arguments) {
    let seed = option("--seed", in: arguments).flatMap(UInt64.init) ?? 2025
    do {
        try DatasetGenerator(seed: seed).write(to: URL(fileURLWithPath: directory))
        print("wrote the sample (seed \(seed)) to \(directory)")
        exit(0)
    } catch {
        FileHandle.standardError.write(Data("verify: \(error)\n".utf8))
        exit(1)
    }
}
let code = option("--bucket", in: arguments) == nil && !arguments.contains("--bucket") && !arguments.contains("--endpoint") && !arguments.contains("--region")
    ? await demonstrate(json: json) : await production(arguments, json: json)
exit(code)
