import Foundation
import RaceData

/// The telemetry endpoints, each from one filtered streaming load: only the rows of one car (and
/// one lap, or the parameters asked) become values, so a 3 GB file is never held whole.
extension Analytics {
    public struct SpeedSummary: Codable, Sendable, Equatable {
        public var max: Double
        public var avg: Double
        public var min: Double
    }

    // swift-format-ignore: AlwaysUseLowerCamelCase
    // The field names are the app's JSON contract.
    public struct LapTelemetry: Codable, Sendable, Equatable {
        public var lap_number: Int
        public var driver_id: String
        public var speed: SpeedSummary
        public var throttle_avg: Double
        public var data_points: Int
    }

    // swift-format-ignore: AlwaysUseLowerCamelCase
    // The field names are the app's JSON contract.
    public struct SpeedAnalysis: Codable, Sendable, Equatable {
        public var driver_id: String
        public var vmax: Double
        public var vmin: Double
        public var vavg: Double
        public var speed_range: Double
        public var avg_acceleration: Double
    }

    // swift-format-ignore: AlwaysUseLowerCamelCase
    // The field names are the app's JSON contract.
    public struct BrakingAnalysis: Codable, Sendable, Equatable {
        public var driver_id: String
        public var brake_applications: Int
        public var avg_brake_pressure: Double
        public var max_brake_pressure: Double
        public var braking_efficiency: Double
    }

    /// Speed is `speed` in the real files (`vehspd_can` in older exports): both count.
    static let speedParameters: Set<String> = ["speed", "vehspd_can"]

    /// The rows of one car that `filter` keeps, as (parameter, value) pairs.
    func telemetryRows(track: String, session text: String, driver: String, filter: TelemetryFilter)
        async throws(Failure) -> [(name: String, value: Double?)]
    {
        let session = try await session(track, text)
        var filter = filter
        filter.vehicles = [driver]
        let loaded: LoadedTable?
        do { loaded = try await source.telemetry(track: track, session: session, filter: filter) } catch {
            throw Self.failure(error)
        }
        guard let table = loaded?.table else { throw .notFound("No telemetry for \(track) \(session.token).") }
        let names = table.texts("telemetry_name")
        let values = table.numbers("telemetry_value")
        return (0..<table.rowCount).compactMap { row in names[row].map { ($0, values[row]) } }
    }

    public func lapTelemetry(track: String, session: String, driver: String, lap: Int) async throws(Failure)
        -> LapTelemetry
    {
        try await cachedTelemetry("lap/\(track)/\(session)/\(driver)/\(lap)") {
            () async throws(Failure) -> LapTelemetry in
            let rows = try await telemetryRows(
                track: track, session: session, driver: driver, filter: TelemetryFilter(laps: lap...lap))
            guard !rows.isEmpty else {
                throw .notFound("No telemetry for lap \(lap) of driver \(driver) at \(track) \(session).")
            }
            let speed = rows.filter { Self.speedParameters.contains($0.name) }.compactMap(\.value)
            let throttle = rows.filter { $0.name == "aps" }.compactMap(\.value)
            return LapTelemetry(
                lap_number: lap, driver_id: driver,
                speed: SpeedSummary(max: speed.max() ?? 0, avg: Self.mean(speed), min: speed.min() ?? 0),
                throttle_avg: Self.mean(throttle), data_points: rows.count)
        }
    }

    public func speedAnalysis(track: String, session: String, driver: String) async throws(Failure) -> SpeedAnalysis {
        try await cachedTelemetry("speed/\(track)/\(session)/\(driver)") { () async throws(Failure) -> SpeedAnalysis in
            let rows = try await telemetryRows(
                track: track, session: session, driver: driver,
                filter: TelemetryFilter(parameters: Self.speedParameters, parametersContaining: ["acc"]))
            let speed = rows.filter { Self.speedParameters.contains($0.name) }.compactMap(\.value)
            guard let vmax = speed.max(), let vmin = speed.min() else {
                throw .notFound("No speed telemetry for driver \(driver) at \(track) \(session).")
            }
            let acceleration = rows.filter { $0.name.lowercased().contains("acc") }.compactMap(\.value)
            return SpeedAnalysis(
                driver_id: driver, vmax: vmax, vmin: vmin, vavg: Self.mean(speed), speed_range: vmax - vmin,
                avg_acceleration: Self.mean(acceleration))
        }
    }

    public func brakingAnalysis(track: String, session: String, driver: String) async throws(Failure) -> BrakingAnalysis
    {
        try await cachedTelemetry("braking/\(track)/\(session)/\(driver)") {
            () async throws(Failure) -> BrakingAnalysis in
            let rows = try await telemetryRows(
                track: track, session: session, driver: driver, filter: TelemetryFilter(parametersContaining: ["brake"])
            )
            let pressures = rows.compactMap(\.value)
            guard let max = pressures.max() else {
                throw .notFound("No brake telemetry for driver \(driver) at \(track) \(session).")
            }
            let average = Self.mean(pressures)
            return BrakingAnalysis(
                driver_id: driver, brake_applications: pressures.filter { $0 > 0 }.count, avg_brake_pressure: average,
                max_brake_pressure: max, braking_efficiency: max > 0 ? average / max * 100 : 0)
        }
    }

    static func mean(_ values: [Double]) -> Double { values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count) }
}
