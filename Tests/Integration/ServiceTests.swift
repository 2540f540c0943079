import Foundation
import MockS3Server
import RaceData
import RaceService
import S3Kit
import S3Wire
import TestSupport
import Testing

/// The app's answers worked out here from the sample's CSV files, without the loader: files found by
/// their words, rows split by hand, the app's lap rule (end − start of the same car and lap, over 60 s
/// and under 300 s, not lap 32768) written a second time.
enum SampleOracle {
    static let root = SampleData.directory

    /// Rows as header → value, for a file with commas, optional quotes, a BOM and CRLF.
    static func rows(_ url: URL) throws -> [[String: String]] {
        var text = try String(contentsOf: url, encoding: .utf8)
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        let lines = text.split(
            omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
        func fields(_ line: Substring) -> [String] {
            line.split(separator: ",", omittingEmptySubsequences: false).map { field in
                field.hasPrefix("\"") && field.hasSuffix("\"") && field.count >= 2
                    ? String(field.dropFirst().dropLast()) : String(field)
            }
        }
        guard let header = lines.first.map(fields) else { return [] }
        return lines.dropFirst().map { line in Dictionary(uniqueKeysWithValues: zip(header, fields(line))) }
    }

    /// The track's CSV whose name has the session token and these words.
    static func file(_ track: String, _ session: String, _ words: [String]) -> URL? {
        let walk = FileManager.default.enumerator(
            at: root.appendingPathComponent(track), includingPropertiesForKeys: nil)
        while let url = walk?.nextObject() as? URL {
            let name = url.lastPathComponent.lowercased()
            guard name.hasSuffix(".csv"), !name.hasPrefix("._") else { continue }
            let tokens = name.dropLast(4).split { "_- .".contains($0) }.map(String.init)
            if tokens.contains(session.lowercased()) && words.allSatisfy(tokens.contains)
                && (words != ["lap", "start"] || !tokens.contains("end"))
            {
                return url
            }
        }
        return nil
    }

    static func milliseconds(_ stamp: String) -> Int64 {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return Int64((formatter.date(from: stamp)!.timeIntervalSince1970 * 1000).rounded())
    }

    struct Lap: Equatable {
        var vehicle: String
        var lap: Int
        var ms: Int64
    }

    static func laps(_ track: String, _ session: String) throws -> [Lap] {
        let starts = try rows(file(track, session, ["lap", "start"])!)
        let ends = try rows(file(track, session, ["lap", "end"])!)
        var endAt: [String: Int64] = [:]
        for row in ends { endAt["\(row["vehicle_id"]!)/\(row["lap"]!)"] = milliseconds(row["timestamp"]!) }
        return starts.compactMap { row -> Lap? in
            guard let end = endAt["\(row["vehicle_id"]!)/\(row["lap"]!)"], let lap = Int(row["lap"]!) else {
                return nil
            }
            let ms = end - milliseconds(row["timestamp"]!)
            return lap != 32768 && ms > 60_000 && ms < 300_000
                ? Lap(vehicle: row["vehicle_id"]!, lap: lap, ms: ms) : nil
        }.sorted { ($0.vehicle, $0.lap) < ($1.vehicle, $1.lap) }
    }

    static func telemetry(_ track: String, _ session: String, driver: String) throws -> [(
        lap: Int, name: String, value: Double
    )] {
        try rows(file(track, session, ["telemetry"])!).filter { $0["vehicle_id"] == driver }
            .map { (Int($0["lap"]!)!, $0["telemetry_name"]!, Double($0["telemetry_value"]!)!) }
    }

    static func mean(_ v: [Double]) -> Double { v.isEmpty ? 0 : v.reduce(0, +) / Double(v.count) }
    static func std(_ v: [Double], sample: Bool) -> Double {
        let m = mean(v)
        let n = Double(v.count) - (sample ? 1 : 0)
        return n > 0 ? (v.map { ($0 - m) * ($0 - m) }.reduce(0, +) / n).squareRoot() : 0
    }

    /// Every route's answer for a track and session, by path.
    static func answers(_ track: String, _ session: String) throws -> [String: Any] {
        let laps = try laps(track, session)
        let base = "/api/analytics/track/\(track)/session/\(session)"
        var out: [String: Any] = [base + "/drivers": Set(laps.map(\.vehicle)).sorted()]
        let best = laps.min { ($0.ms, $0.vehicle) < ($1.ms, $1.vehicle) }!
        out[base + "/best-lap"] =
            [
                "best_lap_time": Double(best.ms) / 1000, "driver_id": best.vehicle, "lap_number": best.lap,
                "track": track, "session": session,
            ] as [String: Any]
        for driver in Set(laps.map(\.vehicle)) {
            let times = laps.filter { $0.vehicle == driver }.map { Double($0.ms) / 1000 }
            let (m, s) = (mean(times), std(times, sample: true))
            out[base + "/driver/\(driver)/performance"] =
                [
                    "driver_id": driver, "best_lap": times.min()!, "average_lap": m, "std_deviation": s,
                    "consistency_score": 100 - 100 * s / m, "total_laps": times.count, "lap_times": times,
                ] as [String: Any]
            let p = std(times, sample: false)
            let within = times.filter { $0 <= times.min()! + 0.5 + 1e-9 }.count
            out["/api/strategy/track/\(track)/session/\(session)/driver/\(driver)/consistency"] =
                [
                    "driver_id": driver, "consistency_score": Double(within) / Double(times.count) * 100,
                    "coefficient_of_variation": p / m * 100,
                    "best_lap": times.min()!, "average_lap": m, "std_deviation": p, "laps_within_05s": within,
                    "total_laps": times.count,
                ] as [String: Any]
        }
        // Telemetry for the best lap's car: that lap, its speed and its brakes.
        let rows = try telemetry(track, session, driver: best.vehicle)
        let telemetry = "/api/telemetry/track/\(track)/session/\(session)/driver/\(best.vehicle)"
        let lapRows = rows.filter { $0.lap == best.lap }
        let lapSpeed = lapRows.filter { $0.name == "speed" || $0.name == "vehspd_can" }.map(\.value)
        out[telemetry + "/lap/\(best.lap)"] =
            [
                "lap_number": best.lap, "driver_id": best.vehicle, "data_points": lapRows.count,
                "speed": ["max": lapSpeed.max() ?? 0, "avg": mean(lapSpeed), "min": lapSpeed.min() ?? 0],
                "throttle_avg": mean(lapRows.filter { $0.name == "aps" }.map(\.value)),
            ] as [String: Any]
        let speed = rows.filter { $0.name == "speed" || $0.name == "vehspd_can" }.map(\.value)
        out[telemetry + "/speed-analysis"] =
            [
                "driver_id": best.vehicle, "vmax": speed.max()!, "vmin": speed.min()!, "vavg": mean(speed),
                "speed_range": speed.max()! - speed.min()!,
                "avg_acceleration": mean(rows.filter { $0.name.lowercased().contains("acc") }.map(\.value)),
            ] as [String: Any]
        let brakes = rows.filter { $0.name.lowercased().contains("brake") }.map(\.value)
        out[telemetry + "/braking-analysis"] =
            [
                "driver_id": best.vehicle, "brake_applications": brakes.filter { $0 > 0 }.count,
                "avg_brake_pressure": mean(brakes), "max_brake_pressure": brakes.max()!,
                "braking_efficiency": mean(brakes) / brakes.max()! * 100,
            ] as [String: Any]
        return out
    }

    /// JSON values equal, numbers to 1e-9 (relative).
    static func same(_ a: Any?, _ b: Any?) -> Bool {
        switch (a, b) {
        case (let x as [String: Any], let y as [String: Any]):
            return Set(x.keys) == Set(y.keys) && x.keys.allSatisfy { same(x[$0], y[$0]) }
        case (let x as [Any], let y as [Any]): return x.count == y.count && zip(x, y).allSatisfy { same($0, $1) }
        case (let x as String, let y as String): return x == y
        case (let x as NSNumber, let y as NSNumber):
            return abs(x.doubleValue - y.doubleValue) <= 1e-9 * max(1, abs(x.doubleValue))
        case (let x as Int, let y as Int): return x == y
        case (let x as Double, let y as Double): return abs(x - y) <= 1e-9 * max(1, abs(x))
        default: return false
        }
    }
}

/// race-api in the contract the app's frontend speaks, from local files and from S3, against the
/// answers worked out from the CSVs; CORS; errors as FastAPI writes them.
@Suite("The analytics service", .quietLogs)
struct ServiceTests {
    static func json(_ text: String) -> Any? {
        try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
    }

    @Test func everyRouteAnswersWhatTheCSVsSayFromBothSources() async throws {
        try await withMock({ $0.buckets = ["race-data"] }) { server in
            var options = Uploader.Options()
            options.acl = nil
            _ = try await Uploader(client: try server.client(), bucket: "race-data", options: options).upload(
                directory: SampleOracle.root)
            let (s3, paths) = try await Self.expectEveryRoute(s3Environment: [
                "S3_BUCKET_NAME": "race-data", "AWS_ENDPOINT_URL_S3": server.endpoint,
                "AWS_ACCESS_KEY_ID": MockS3Server.defaultCredential.accessKeyId,
                "AWS_SECRET_ACCESS_KEY": MockS3Server.defaultCredential.secretAccessKey,
            ])
            // A warm route answers from the cache: no S3 request.
            server.journal.clear()
            for path in paths where path.contains("/api/") { _ = try await s3.get(path) }
            #expect(server.journal.entries.isEmpty, "\(server.journal.entries.prefix(3).map(\.operation))")
        }
    }

    /// Every route, served from local files and from the sample uploaded to S3 as `s3Environment` says,
    /// answers what the CSVs say. Gives the S3-backed service and the paths asked.
    static func expectEveryRoute(s3Environment: [String: String]) async throws -> (ServiceClient, [String]) {
        let s3Configuration = try DataConfiguration.fromEnvironment(
            s3Environment.merging(["USE_S3_DATA": "true"]) { $1 })
        let localConfiguration = try DataConfiguration.fromEnvironment([
            "USE_S3_DATA": "false", "DATA_DIR": SampleOracle.root.path,
        ])
        let s3 = ServiceClient.router(APIRouter(analytics: Analytics(source: s3Configuration.makeSource())))
        let local = ServiceClient.router(APIRouter(analytics: Analytics(source: localConfiguration.makeSource())))

        let tracks = try FileManager.default.contentsOfDirectory(atPath: SampleOracle.root.path).filter {
            !$0.hasPrefix(".")
        }.sorted()
        var expected: [String: Any] = ["/health": ["status": "healthy"], "/api/analytics/tracks": tracks]
        for track in tracks {
            expected["/api/analytics/track/\(track)/sessions"] = ["R1", "R2"]
            for session in ["R1", "R2"] { expected.merge(try SampleOracle.answers(track, session)) { $1 } }
        }
        #expect(expected.count > 100)
        for (name, service) in [("local", local), ("S3", s3)] {
            for (path, answer) in expected {
                let got = try await service.get(path)
                #expect(
                    got.status == 200 && SampleOracle.same(Self.json(got.body), answer),
                    "\(path) from \(name): \(got.status) \(got.body.prefix(300))")
            }
        }
        return (s3, Array(expected.keys))
    }

    @Test func errorsCORSAndTheApplicationRoutes() async throws {
        let configuration = try DataConfiguration.fromEnvironment([
            "USE_S3_DATA": "false", "DATA_DIR": SampleOracle.root.path,
        ])
        let cors = CORSPolicy(environment: "https://gr-cup.netlify.app, http://localhost:5173")
        let analytics = Analytics(source: configuration.makeSource())
        let api = ServiceClient.router(APIRouter(analytics: analytics, cors: cors))
        func detail(_ path: String) async throws -> (Int, String?) {
            let got = try await api.get(path)
            return (got.status, (Self.json(got.body) as? [String: Any])?["detail"] as? String)
        }
        // FastAPI's errors: {"detail": "..."}, 404 for what does not exist.
        for path in [
            "/api/analytics/track/Monaco/sessions", "/api/analytics/track/COTA/session/R9/best-lap",
            "/api/analytics/track/COTA/session/R1/driver/GR86-999-1/performance", "/api/nothing",
            "/api/telemetry/track/COTA/session/R1/driver/GR86-999-1/speed-analysis",
        ] {
            let (status, message) = try await detail(path)
            #expect(status == 404 && !(message ?? "").isEmpty, "\(path): \(status) \(message ?? "no detail")")
        }
        #expect(try await detail("/api/telemetry/track/COTA/session/R1/driver/x/lap/first").0 == 422)
        #expect(try await detail("/api/analytics/track/..%2Fetc/sessions").0 == 400)
        // The original backend's application logic is 501, saying so.
        for path in ["detailed-performance", "amicos-analysis", "speed-analysis", "braking-analysis"] {
            let (status, message) = try await detail("/api/analytics/track/COTA/session/R1/driver/GR86-010-20/\(path)")
            #expect(status == 501 && message?.contains("not data") == true, "\(path): \(status)")
        }
        // /openapi.json describes every route.
        let document = try #require(Self.json(try await api.get("/openapi.json").body) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: Any])
        for path in [
            "/health", "/api/analytics/tracks",
            "/api/strategy/track/{track_name}/session/{session}/driver/{driver_id}/consistency",
            "/api/telemetry/track/{track_name}/session/{session}/driver/{driver_id}/lap/{lap_number}",
        ] {
            #expect(paths[path] != nil, "\(path) is not in /openapi.json")
        }
    }

    /// Origins a browser could send that share a prefix, a suffix, a case, a port or a scheme with an
    /// allowed one (as an attacker's domain would): only the allowed origin itself is echoed, as
    /// Starlette's CORSMiddleware (the app's original backend) compares them, exactly.
    static func strangers(of origin: String) -> [String] {
        let scheme = origin.hasPrefix("https://") ? "https://" : "http://"
        let host = String(origin.dropFirst(scheme.count))
        let other = scheme == "https://" ? "http://" : "https://"
        return [
            origin + ".evil.test", origin + "/", origin + ":8443", origin + "0", String(origin.dropLast()),
            scheme + "evil" + host, scheme + "evil." + host, scheme + "evil-" + host, other + host,
            origin.uppercased(), scheme + host.uppercased(), " " + origin, origin + " ", "null", "",
            origin + "," + origin, origin.replacingOccurrences(of: ".", with: "-"),
        ].filter { $0 != origin }
    }

    @Test(arguments: ["https://gr-cup.netlify.app", "http://localhost:5173"])
    func originsNearAnAllowedOneAreStrangers(allowed: String) async throws {
        let configuration = try DataConfiguration.fromEnvironment([
            "USE_S3_DATA": "false", "DATA_DIR": SampleOracle.root.path,
        ])
        let cors = CORSPolicy(environment: "https://gr-cup.netlify.app, http://localhost:5173")
        let api = ServiceClient.router(APIRouter(analytics: Analytics(source: configuration.makeSource()), cors: cors))
        let own = try await api.get("/api/analytics/tracks", headers: [("Origin", allowed)])
        #expect(own.headers["Access-Control-Allow-Origin"] == allowed)
        for stranger in Self.strangers(of: allowed) {
            let got = try await api.get("/api/analytics/tracks", headers: [("Origin", stranger)])
            #expect(got.headers["Access-Control-Allow-Origin"] == nil, "\(stranger.debugDescription) was let in")
            let preflight = try await api.get(
                "/api/analytics/tracks", method: .options,
                headers: [("Origin", stranger), ("Access-Control-Request-Method", "GET")])
            #expect(
                preflight.headers["Access-Control-Allow-Origin"] == nil, "\(stranger.debugDescription) preflight let in"
            )
        }
    }

    @Test func aBrowserOverALiveConnection() async throws {
        let configuration = try DataConfiguration.fromEnvironment([
            "USE_S3_DATA": "false", "DATA_DIR": SampleOracle.root.path,
        ])
        let server = try await APIServer(
            analytics: Analytics(source: configuration.makeSource()), port: 0,
            cors: CORSPolicy(environment: "https://gr-cup.netlify.app, http://localhost:5173"))
        defer { Task { try await server.stop() } }
        let api = ServiceClient.live(port: server.port)
        // CORS: the allowed origin is echoed; the browser's preflight is answered.
        let allowed = try await api.get("/api/analytics/tracks", headers: [("Origin", "https://gr-cup.netlify.app")])
        #expect(allowed.status == 200 && allowed.headers["Access-Control-Allow-Origin"] == "https://gr-cup.netlify.app")
        let stranger = try await api.get("/api/analytics/tracks", headers: [("Origin", "https://evil.example")])
        #expect(stranger.headers["Access-Control-Allow-Origin"] == nil)
        let preflight = try await api.get(
            "/api/analytics/tracks", method: .options,
            headers: [
                ("Origin", "http://localhost:5173"), ("Access-Control-Request-Method", "GET"),
                ("Access-Control-Request-Headers", "content-type"),
            ])
        #expect(preflight.status == 204)
        #expect(preflight.headers["Access-Control-Allow-Origin"] == "http://localhost:5173")
        #expect(preflight.headers["Access-Control-Allow-Methods"]?.contains("GET") == true)
        #expect(preflight.headers["Access-Control-Allow-Headers"] == "content-type")
        let head = try await api.get("/api/analytics/tracks", method: .head)
        #expect(
            head.status == 200 && head.body.isEmpty
                && head.headers["Content-Length"] == allowed.headers["Content-Length"])
    }

    @Test func rejectedCredentialsAre503WithTheMessage() async throws {
        try await withMock({ $0.buckets = ["race-data"] }) { server in
            var plan = FaultPlan()
            plan.rejectAllCredentials = true
            server.setFaults(plan)
            let secret = MockS3Server.defaultCredential.secretAccessKey
            let configuration = try DataConfiguration.fromEnvironment([
                "USE_S3_DATA": "1", "S3_BUCKET_NAME": "race-data", "AWS_ENDPOINT_URL_S3": server.endpoint,
                "AWS_ACCESS_KEY_ID": MockS3Server.defaultCredential.accessKeyId, "AWS_SECRET_ACCESS_KEY": secret,
            ])
            let api = ServiceClient.router(APIRouter(analytics: Analytics(source: configuration.makeSource())))
            let tracks = try await api.get("/api/analytics/tracks")
            #expect(tracks.status == 503)
            let message = (Self.json(tracks.body) as? [String: Any])?["detail"] as? String ?? ""
            #expect(message.contains("InvalidAccessKeyId") && message.contains("AWS_ACCESS_KEY_ID"))
            #expect(!tracks.body.contains(secret) && !tracks.body.contains(MockS3Server.defaultCredential.accessKeyId))
            let health = try await api.get("/health")
            #expect(health.status == 503 && health.body.contains("\"status\":\"unhealthy\""))
            #expect(try await api.get("/api/analytics/track/COTA/sessions").status == 503)
            #expect(
                try await api.get("/api/telemetry/track/COTA/session/R1/driver/GR86-010-20/speed-analysis").status
                    == 503)
        }
    }
}
