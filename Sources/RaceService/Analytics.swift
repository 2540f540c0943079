import Foundation
import RaceData

/// What the app's endpoints answer, computed from a `DataSource` (local or S3, same answers), in
/// the shapes the app's frontend reads (times in seconds). Tracks, sessions, lap tables and
/// telemetry answers are cached for `ttl`, so a warm request costs no S3 request.
public actor Analytics {
    public let source: any DataSource
    private let ttl: TimeInterval
    private var tracksCache: (value: [String], at: Date)?
    private var sessionsCache: [String: (value: [Session]?, at: Date)] = [:]
    private var tables: [String: (value: Table?, at: Date)] = [:]
    private var telemetryAnswers = AnswerCache(limit: 512)

    public init(source: any DataSource, ttl: TimeInterval = 300) {
        self.source = source
        self.ttl = ttl
    }

    /// Why a request has no answer: not found (404), a bad argument (400), or the source failed (503).
    public enum Failure: Error, Sendable {
        case notFound(String)
        case badRequest(String)
        case unavailable(String)
    }

    // swift-format-ignore: AlwaysUseLowerCamelCase
    // The field names are the app's JSON contract.
    public struct BestLap: Codable, Sendable, Equatable {
        public var best_lap_time: Double
        public var driver_id: String
        public var lap_number: Int
        public var track: String
        public var session: String
    }

    // swift-format-ignore: AlwaysUseLowerCamelCase
    // The field names are the app's JSON contract.
    public struct Performance: Codable, Sendable, Equatable {
        public var driver_id: String
        public var best_lap: Double
        public var average_lap: Double
        /// The sample standard deviation (n − 1), as pandas computes it; 0 for a single lap.
        public var std_deviation: Double
        /// 100 − 100 · std / mean.
        public var consistency_score: Double
        public var total_laps: Int
        public var lap_times: [Double]
    }

    // swift-format-ignore: AlwaysUseLowerCamelCase
    // The field names are the app's JSON contract.
    public struct Consistency: Codable, Sendable, Equatable {
        public var driver_id: String
        /// The share of laps within 0.5 s of the best, in percent.
        public var consistency_score: Double
        /// 100 · std / mean, with the population standard deviation (n), as numpy computes it.
        public var coefficient_of_variation: Double
        public var best_lap: Double
        public var average_lap: Double
        public var std_deviation: Double
        public var laps_within_05s: Int
        public var total_laps: Int
    }

    /// One lap of one car: end minus start in milliseconds.
    public struct ValidLap: Sendable, Equatable {
        public var vehicle: String
        public var lap: Int
        public var milliseconds: Int64
        public var seconds: Double { Double(milliseconds) / 1000 }
    }

    func fresh(_ at: Date) -> Bool { Date().timeIntervalSince(at) < ttl }

    public func tracks() async throws(Failure) -> [String] {
        if let cached = tracksCache, fresh(cached.at) { return cached.value }
        do {
            let value = try await source.tracks()
            tracksCache = (value, Date())
            return value
        } catch { throw Self.failure(error) }
    }

    public func sessions(track: String) async throws(Failure) -> [Session] {
        do { try FileNaming.validateTrack(track) } catch { throw .badRequest("\(error)") }
        if let cached = sessionsCache[track], fresh(cached.at) {
            guard let value = cached.value else { throw .notFound("Track \(track) not found.") }
            return value
        }
        let value: [Session]?
        do { value = try await source.sessions(track: track) } catch { throw Self.failure(error) }
        sessionsCache[track] = (value, Date())
        guard let value else { throw .notFound("Track \(track) not found.") }
        return value
    }

    func session(_ track: String, _ text: String) async throws(Failure) -> Session {
        let session: Session
        do { session = try FileNaming.validateSession(text) } catch { throw .badRequest("\(error)") }
        guard try await sessions(track: track).contains(session) else {
            throw .notFound("Session \(text) not found at \(track).")
        }
        return session
    }

    func table(_ track: String, _ session: Session, _ kind: LapKind) async throws(Failure) -> Table {
        let key = "\(track)/\(session.token)/\(kind.rawValue)"
        if let cached = tables[key], fresh(cached.at) {
            guard let table = cached.value else {
                throw .notFound("No \(kind.rawValue) table for \(track) \(session.token).")
            }
            return table
        }
        let loaded: LoadedTable?
        do { loaded = try await source.lapTimes(track: track, session: session, kind: kind) } catch {
            throw Self.failure(error)
        }
        tables[key] = (loaded?.table, Date())
        guard let table = loaded?.table else {
            throw .notFound("No \(kind.rawValue) table for \(track) \(session.token).")
        }
        return table
    }

    /// The app's lap rule: a lap's time is its end minus its start, for the same vehicle and lap (an
    /// inner join of the lap start and lap end tables); it counts when it is over 60 s and under
    /// 300 s and is not the timing system's lost lap (32768). In vehicle, then lap order.
    public func validLaps(track: String, session text: String) async throws(Failure) -> [ValidLap] {
        let session = try await session(track, text)
        let starts = try await table(track, session, .lapStart)
        let ends = try await table(track, session, .lapEnd)
        func index(_ t: Table) -> [String: Int64] {
            let ids = t.texts("vehicle_id")
            let laps = t.integers("lap")
            let stamps = t.timestamps("timestamp")
            var out: [String: Int64] = [:]
            for row in 0..<t.rowCount {
                guard let id = ids[row], let lap = laps[row], let at = stamps[row] else { continue }
                out["\(id)\u{1}\(lap)"] = at
            }
            return out
        }
        let endAt = index(ends)
        var result: [ValidLap] = []
        for (key, start) in index(starts) {
            guard let end = endAt[key] else { continue }
            let parts = key.split(separator: "\u{1}")
            guard let lap = Int(parts[1]), lap != TelemetryFilter.glitchLap, end - start > 60_000, end - start < 300_000
            else { continue }
            result.append(ValidLap(vehicle: String(parts[0]), lap: lap, milliseconds: end - start))
        }
        return result.sorted { ($0.vehicle, $0.lap) < ($1.vehicle, $1.lap) }
    }

    /// The vehicles with at least one valid lap, sorted.
    public func drivers(track: String, session: String) async throws(Failure) -> [String] {
        Array(Set(try await validLaps(track: track, session: session).map(\.vehicle))).sorted()
    }

    public func bestLap(track: String, session: String) async throws(Failure) -> BestLap {
        guard
            let best = try await validLaps(track: track, session: session).min(by: {
                ($0.milliseconds, $0.vehicle) < ($1.milliseconds, $1.vehicle)
            })
        else {
            throw .notFound("No valid lap (60 to 300 s) at \(track) \(session).")
        }
        return BestLap(
            best_lap_time: best.seconds, driver_id: best.vehicle, lap_number: best.lap, track: track, session: session)
    }

    func laps(track: String, session: String, driver: String) async throws(Failure) -> [Double] {
        let laps = try await validLaps(track: track, session: session).filter { $0.vehicle == driver }.map(\.seconds)
        guard !laps.isEmpty else { throw .notFound("Driver \(driver) has no valid lap at \(track) \(session).") }
        return laps
    }

    public func performance(track: String, session: String, driver: String) async throws(Failure) -> Performance {
        let times = try await laps(track: track, session: session, driver: driver)
        let mean = times.reduce(0, +) / Double(times.count)
        let std = Self.standardDeviation(times, mean: mean, sample: true)
        return Performance(
            driver_id: driver, best_lap: times.min()!, average_lap: mean, std_deviation: std,
            consistency_score: 100 - 100 * std / mean, total_laps: times.count, lap_times: times)
    }

    public func consistency(track: String, session: String, driver: String) async throws(Failure) -> Consistency {
        let times = try await laps(track: track, session: session, driver: driver)
        let best = times.min()!
        let mean = times.reduce(0, +) / Double(times.count)
        let std = Self.standardDeviation(times, mean: mean, sample: false)
        // Laps are whole milliseconds: compare there, where best + 0.5 s is exact.
        let within = times.filter { ($0 * 1000).rounded() <= (best * 1000).rounded() + 500 }.count
        return Consistency(
            driver_id: driver, consistency_score: Double(within) / Double(times.count) * 100,
            coefficient_of_variation: std / mean * 100, best_lap: best, average_lap: mean, std_deviation: std,
            laps_within_05s: within, total_laps: times.count)
    }

    static func standardDeviation(_ values: [Double], mean: Double, sample: Bool) -> Double {
        let n = Double(values.count) - (sample ? 1 : 0)
        guard n > 0 else { return 0 }
        return (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / n).squareRoot()
    }

    /// A telemetry answer, computed once per `ttl` for the same question.
    func cachedTelemetry<T: Sendable>(_ key: String, _ compute: () async throws(Failure) -> T) async throws(Failure)
        -> T
    {
        if let (value, at) = telemetryAnswers.get(key), fresh(at), let typed = value as? T { return typed }
        let value = try await compute()
        telemetryAnswers.put(key, value)
        return value
    }

    /// Drops the caches (after an upload, say).
    public func invalidate() {
        tracksCache = nil
        sessionsCache = [:]
        tables = [:]
        telemetryAnswers = AnswerCache(limit: 512)
    }

    static func failure(_ error: DataError) -> Failure {
        switch error {
        case .invalidArgument(let m): .badRequest(m)
        default: .unavailable("\(error)")
        }
    }
}

/// The latest answers, at most `limit` of them (the oldest go first).
struct AnswerCache {
    let limit: Int
    private var entries: [String: (value: any Sendable, at: Date)] = [:]
    private var order: [String] = []

    init(limit: Int) { self.limit = limit }

    func get(_ key: String) -> (any Sendable, Date)? { entries[key].map { ($0.value, $0.at) } }

    mutating func put(_ key: String, _ value: any Sendable) {
        if entries[key] == nil { order.append(key) }
        entries[key] = (value, Date())
        while order.count > limit { entries[order.removeFirst()] = nil }
    }
}
