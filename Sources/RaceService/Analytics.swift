import Foundation
import RaceData
import S3Kit
import S3Wire

/// What the analytics endpoints answer, computed from a `DataSource` (local or S3, same answers).
/// Tracks, sessions and lap tables are cached for `ttl`, so a warm request costs no S3 request.
public actor Analytics {
    public let source: any DataSource
    private let ttl: TimeInterval
    private var tracksCache: (value: [String], at: Date)?
    private var sessionsCache: [String: (value: [Session]?, at: Date)] = [:]
    private var tables: [String: (value: Table?, at: Date)] = [:]

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

    public struct Driver: Codable, Sendable, Hashable { public var vehicle_id: String; public var vehicle_number: Int64? }
    public struct LapTime: Codable, Sendable { public var lap: Int64; public var lap_time_ms: Int64 }
    public struct BestLap: Codable, Sendable {
        public var track: String, session: String, vehicle_id: String, vehicle_number: Int64?, lap: Int64, lap_time_ms: Int64, lap_time: String
    }
    public struct Performance: Codable, Sendable {
        public var track: String, session: String, vehicle_id: String, vehicle_number: Int64?
        public var laps: [LapTime]
        public var best_ms: Int64?, mean_ms: Double?, stddev_ms: Double?
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
            guard let value = cached.value else { throw .notFound("No track \(track).") }
            return value
        }
        let value: [Session]?
        do { value = try await source.sessions(track: track) } catch { throw Self.failure(error) }
        sessionsCache[track] = (value, Date())
        guard let value else { throw .notFound("No track \(track).") }
        return value
    }

    func session(_ track: String, _ text: String) async throws(Failure) -> Session {
        let session: Session
        do { session = try FileNaming.validateSession(text) } catch { throw .badRequest("\(error)") }
        guard try await sessions(track: track).contains(session) else { throw .notFound("No session \(text) at \(track).") }
        return session
    }

    func table(_ track: String, _ session: Session, _ kind: LapKind) async throws(Failure) -> Table {
        let key = "\(track)/\(session.token)/\(kind.rawValue)"
        if let cached = tables[key], fresh(cached.at) {
            guard let table = cached.value else { throw .notFound("No \(kind.rawValue) table for \(track) \(session.token).") }
            return table
        }
        let loaded: LoadedTable?
        do { loaded = try await source.lapTimes(track: track, session: session, kind: kind) } catch { throw Self.failure(error) }
        tables[key] = (loaded?.table, Date())
        guard let table = loaded?.table else { throw .notFound("No \(kind.rawValue) table for \(track) \(session.token).") }
        return table
    }

    public func drivers(track: String, session text: String) async throws(Failure) -> [Driver] {
        let session = try await session(track, text)
        let table = try await table(track, session, .lapStart)
        let ids = Self.texts(table, "vehicle_id"), numbers = Self.integers(table, "vehicle_number")
        var seen: Set<Driver> = []
        for row in 0..<table.rowCount {
            guard let id = ids[row] else { continue }
            seen.insert(Driver(vehicle_id: id, vehicle_number: numbers[row]))
        }
        return seen.sorted { ($0.vehicle_number ?? -1, $0.vehicle_id) < ($1.vehicle_number ?? -1, $1.vehicle_id) }
    }

    /// Every valid lap's time: end minus start of the same vehicle and lap, glitch laps (32768)
    /// and non-positive times excluded.
    func lapTimes(track: String, session: Session) async throws(Failure) -> [(driver: Driver, lap: Int64, ms: Int64)] {
        let starts = try await table(track, session, .lapStart), ends = try await table(track, session, .lapEnd)
        func index(_ t: Table) -> [String: (Int64, Int64?)] {
            let ids = Self.texts(t, "vehicle_id"), laps = Self.integers(t, "lap"), stamps = Self.timestamps(t, "timestamp")
            let numbers = Self.integers(t, "vehicle_number")
            var out: [String: (Int64, Int64?)] = [:]
            for row in 0..<t.rowCount {
                guard let id = ids[row], let lap = laps[row], let at = stamps[row], lap != Int64(TelemetryFilter.glitchLap) else { continue }
                out["\(id)\u{1}\(lap)"] = (at, numbers[row])
            }
            return out
        }
        let startAt = index(starts), endAt = index(ends)
        var result: [(driver: Driver, lap: Int64, ms: Int64)] = []
        for (key, start) in startAt {
            guard let end = endAt[key], end.0 > start.0 else { continue }
            let parts = key.split(separator: "\u{1}")
            result.append((Driver(vehicle_id: String(parts[0]), vehicle_number: start.1), Int64(parts[1])!, end.0 - start.0))
        }
        return result.sorted { ($0.driver.vehicle_id, $0.lap) < ($1.driver.vehicle_id, $1.lap) }
    }

    public func bestLap(track: String, session text: String) async throws(Failure) -> BestLap {
        let session = try await session(track, text)
        guard let best = try await lapTimes(track: track, session: session).min(by: { ($0.ms, $0.driver.vehicle_id) < ($1.ms, $1.driver.vehicle_id) }) else {
            throw .notFound("No valid lap at \(track) \(text).")
        }
        return BestLap(track: track, session: session.token, vehicle_id: best.driver.vehicle_id, vehicle_number: best.driver.vehicle_number,
                       lap: best.lap, lap_time_ms: best.ms, lap_time: Self.format(best.ms))
    }

    public func performance(track: String, session text: String, driver: String) async throws(Failure) -> Performance {
        let session = try await session(track, text)
        let drivers = try await drivers(track: track, session: text)
        guard let match = drivers.first(where: { $0.vehicle_id == driver || $0.vehicle_number.map(String.init) == driver }) else {
            throw .notFound("No driver \(driver) at \(track) \(text).")
        }
        let laps = try await lapTimes(track: track, session: session).filter { $0.driver.vehicle_id == match.vehicle_id }
            .map { LapTime(lap: $0.lap, lap_time_ms: $0.ms) }
        let times = laps.map { Double($0.lap_time_ms) }
        let mean = times.isEmpty ? nil : times.reduce(0, +) / Double(times.count)
        let stddev = mean.map { m in times.count < 2 ? 0 : (times.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(times.count - 1)).squareRoot() }
        return Performance(track: track, session: session.token, vehicle_id: match.vehicle_id, vehicle_number: match.vehicle_number,
                           laps: laps, best_ms: laps.map(\.lap_time_ms).min(), mean_ms: mean.map { ($0 * 1000).rounded() / 1000 },
                           stddev_ms: stddev.map { ($0 * 1000).rounded() / 1000 })
    }

    /// Drops the caches (after an upload, say).
    public func invalidate() {
        tracksCache = nil
        sessionsCache = [:]
        tables = [:]
    }

    static func failure(_ error: DataError) -> Failure {
        switch error {
        case .invalidArgument(let m): .badRequest(m)
        default: .unavailable("\(error)")
        }
    }

    static func format(_ ms: Int64) -> String {
        String(format: "%d:%02d.%03d", ms / 60_000, (ms / 1000) % 60, ms % 1000)
    }

    static func texts(_ t: Table, _ name: String) -> [String?] {
        switch t.column(name) {
        case .text(let v)?: Array(v)
        case .integer(let v)?: v.map { $0.map(String.init) }
        default: Array(repeating: nil, count: t.rowCount)
        }
    }

    static func integers(_ t: Table, _ name: String) -> [Int64?] {
        if case .integer(let v)? = t.column(name) { return Array(v) }
        return Array(repeating: nil, count: t.rowCount)
    }

    static func timestamps(_ t: Table, _ name: String) -> [Int64?] {
        if case .timestamp(let v)? = t.column(name) { return Array(v) }
        return Array(repeating: nil, count: t.rowCount)
    }
}
