import Foundation
import RaceData
import S3Kit
import S3Wire

/// Judges a deployed analytics backend (race-api, or the app's original FastAPI backend: they speak
/// one contract) by what it should answer, worked out here from S3: the app's lap rule (end minus
/// start of the same car and lap, 60 s < t < 300 s, never lap 32768) over the lap tables the loader
/// finds, and telemetry from filtered loads. One check per track and session, naming every
/// endpoint that answered wrong and what S3 holds.
struct ServiceJudge {
    var base: String
    var source: S3DataSource
    var checks: Checks

    struct Lap {
        var vehicle: String
        var lap: Int
        var seconds: Double
    }

    func get(_ path: String) async throws -> (status: Int, body: Any?) {
        guard let components = URLComponents(string: base), let scheme = components.scheme, let host = components.host
        else {
            throw CheckFailure("--api \(base) is not a URL such as https://race-api.example.com")
        }
        let prefix = components.path.hasSuffix("/") ? String(components.path.dropLast()) : components.path
        let target = RequestTarget(scheme: scheme, host: host, port: components.port, path: prefix + path)
        let response = try await CurlTransport().execute(HTTPRequest(method: .get, target: target), streamBody: false)
        return (
            response.status, try? JSONSerialization.jsonObject(with: Data(response.body), options: [.fragmentsAllowed])
        )
    }

    /// What an answer was, for a report: its status and the start of its body.
    static func show(_ answer: (status: Int, body: Any?)) -> String {
        let text =
            answer.body.flatMap {
                try? JSONSerialization.data(withJSONObject: $0, options: [.fragmentsAllowed, .sortedKeys])
            }
            .map { String(decoding: $0, as: UTF8.self) } ?? "no JSON"
        return "HTTP \(answer.status) \(text.prefix(160))"
    }

    func laps(track: String, session: Session) async throws -> [Lap]? {
        guard let starts = try await source.lapTimes(track: track, session: session, kind: .lapStart)?.table,
            let ends = try await source.lapTimes(track: track, session: session, kind: .lapEnd)?.table
        else { return nil }
        var endAt: [String: Int64] = [:]
        let (endIds, endLaps, endStamps) = (
            ends.texts("vehicle_id"), ends.integers("lap"), ends.timestamps("timestamp")
        )
        for row in 0..<ends.rowCount {
            if let id = endIds[row], let lap = endLaps[row], let at = endStamps[row] { endAt["\(id)|\(lap)"] = at }
        }
        let (ids, numbers, stamps) = (
            starts.texts("vehicle_id"), starts.integers("lap"), starts.timestamps("timestamp")
        )
        var laps: [Lap] = []
        for row in 0..<starts.rowCount {
            guard let id = ids[row], let lap = numbers[row], let start = stamps[row], let end = endAt["\(id)|\(lap)"]
            else { continue }
            let ms = end - start
            if lap != 32768 && ms > 60_000 && ms < 300_000 {
                laps.append(Lap(vehicle: id, lap: Int(lap), seconds: Double(ms) / 1000))
            }
        }
        return laps
    }

    static func close(_ a: Any?, _ b: Double) -> Bool {
        guard let a = (a as? NSNumber)?.doubleValue else { return false }
        return abs(a - b) <= 1e-6 * max(1, abs(b))
    }

    func run(tracks: [String]) async {
        await checks.run("service /health") {
            let answer = try await get("/health")
            guard answer.status == 200, (answer.body as? [String: Any])?["status"] as? String == "healthy" else {
                throw CheckFailure("expected HTTP 200 {\"status\": \"healthy\"}, got \(Self.show(answer))")
            }
            return "healthy"
        }
        await checks.run("service tracks") {
            let answer = try await get("/api/analytics/tracks")
            guard answer.status == 200, let served = answer.body as? [String], served == tracks else {
                throw CheckFailure("S3 has \(tracks); the service answered \(Self.show(answer))")
            }
            return "\(served.count), equal to S3 discovery"
        }
        for track in tracks {
            let encoded = URIEncoding.encode(track, keepSlash: false)
            let sessions = (try? await source.sessions(track: track)) ?? nil ?? []
            await checks.run("service \(track) sessions") {
                let answer = try await get("/api/analytics/track/\(encoded)/sessions")
                guard answer.status == 200, let served = answer.body as? [String], served == sessions.map(\.token)
                else {
                    throw CheckFailure("S3 has \(sessions.map(\.token)); the service answered \(Self.show(answer))")
                }
                return "\(served.joined(separator: ", ")), equal to S3"
            }
            for session in sessions {
                await checks.run("service \(track) \(session.token)") {
                    try await judge(track: track, encoded: encoded, session: session)
                }
            }
        }
    }

    /// Every endpoint of one session against S3; all that is wrong in one failure.
    func judge(track: String, encoded: String, session: Session) async throws -> String {
        guard let laps = try await laps(track: track, session: session) else {
            return "S3 holds no lap start or lap end table here: nothing to judge"
        }
        let base = "/api/analytics/track/\(encoded)/session/\(session.token)"
        var wrong: [String] = []
        let drivers = Set(laps.map(\.vehicle)).sorted()
        let served = try await get(base + "/drivers")
        if served.status != 200 || (served.body as? [String]).map(Set.init) != Set(drivers) {
            wrong.append(
                "drivers: S3 gives \(drivers.count) drivers with valid laps (\(drivers.prefix(3).joined(separator: ", "))…); got \(Self.show(served))"
            )
        }
        guard let best = laps.min(by: { ($0.seconds, $0.vehicle) < ($1.seconds, $1.vehicle) }) else {
            let answer = try await get(base + "/best-lap")
            if answer.status != 404 {
                wrong.append("best-lap: S3 holds no valid lap (60–300 s), so 404; got \(Self.show(answer))")
            }
            if !wrong.isEmpty { throw CheckFailure(wrong.joined(separator: "\n    ")) }
            return "no valid lap, and the service says so"
        }
        let bestAnswer = try await get(base + "/best-lap")
        let b = bestAnswer.body as? [String: Any]
        if bestAnswer.status != 200 || !Self.close(b?["best_lap_time"], best.seconds)
            || b?["driver_id"] as? String != best.vehicle
            || (b?["lap_number"] as? NSNumber)?.intValue != best.lap
        {
            wrong.append(
                "best-lap: S3's lap tables hold \(laps.count) valid laps, the best \(best.seconds) s by \(best.vehicle) on lap \(best.lap); got \(Self.show(bestAnswer))"
            )
        }
        for driver in drivers {
            let times = laps.filter { $0.vehicle == driver }.map(\.seconds)
            let mean = times.reduce(0, +) / Double(times.count)
            let answer = try await get(base + "/driver/\(URIEncoding.encode(driver, keepSlash: false))/performance")
            let p = answer.body as? [String: Any]
            let served = ((p?["lap_times"] as? [Any]) ?? []).compactMap { ($0 as? NSNumber)?.doubleValue }.sorted()
            if answer.status != 200 || !Self.close(p?["best_lap"], times.min()!) || !Self.close(p?["average_lap"], mean)
                || (p?["total_laps"] as? NSNumber)?.intValue != times.count || served.count != times.count
                || !zip(served, times.sorted()).allSatisfy({ Self.close($0, $1) })
            {
                wrong.append(
                    "performance of \(driver): \(times.count) valid laps, best \(times.min()!) s, mean \(mean) s; got \(Self.show(answer))"
                )
            }
        }
        let bestTimes = laps.filter { $0.vehicle == best.vehicle }.map(\.seconds)
        let consistency = try await get(
            "/api/strategy/track/\(encoded)/session/\(session.token)/driver/\(URIEncoding.encode(best.vehicle, keepSlash: false))/consistency"
        )
        let c = consistency.body as? [String: Any]
        let within = bestTimes.filter { $0 <= bestTimes.min()! + 0.5 + 1e-9 }.count
        if consistency.status != 200 || (c?["total_laps"] as? NSNumber)?.intValue != bestTimes.count
            || (c?["laps_within_05s"] as? NSNumber)?.intValue != within
        {
            wrong.append(
                "consistency of \(best.vehicle): \(bestTimes.count) laps, \(within) within 0.5 s of the best; got \(Self.show(consistency))"
            )
        }
        // Telemetry of the best lap, from a load filtered to that car and lap.
        if let table = try await source.telemetry(
            track: track, session: session,
            filter: TelemetryFilter(vehicles: [best.vehicle], laps: best.lap...best.lap))?.table
        {
            let names = table.texts("telemetry_name")
            let values = table.numbers("telemetry_value")
            let speed = (0..<table.rowCount).filter { ["speed", "vehspd_can"].contains(names[$0] ?? "") }.compactMap {
                values[$0]
            }
            let answer = try await get(
                "/api/telemetry/track/\(encoded)/session/\(session.token)/driver/\(URIEncoding.encode(best.vehicle, keepSlash: false))/lap/\(best.lap)"
            )
            let t = answer.body as? [String: Any]
            if table.rowCount > 0,
                answer.status != 200 || (t?["data_points"] as? NSNumber)?.intValue != table.rowCount
                    || !Self.close((t?["speed"] as? [String: Any])?["max"], speed.max() ?? 0)
            {
                wrong.append(
                    "telemetry of lap \(best.lap) of \(best.vehicle): \(table.rowCount) samples, top speed \(speed.max() ?? 0); got \(Self.show(answer))"
                )
            }
        }
        guard wrong.isEmpty else { throw CheckFailure(wrong.joined(separator: "\n    ")) }
        return
            "\(laps.count) valid laps, \(drivers.count) drivers: best lap, drivers, performance, consistency and lap telemetry equal to S3"
    }
}
