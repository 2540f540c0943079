import Foundation
import RaceData
import RaceDataTesting
import RaceService
import TestSupport
import Testing

/// The timing system's lap 32768 and lap times that cannot be (an end before its start) never count:
/// not in the best lap, not in a driver's laps, not in the mean. Generated sessions make the glitch
/// lap the fastest of all, so a service that counted it would answer it as the best lap.
@Suite("Glitch laps and impossible lap times in the service", .quietLogs)
struct GlitchLapTests {
    struct Lap { var vehicle: String; var number: Int; var lap: Int; var start: Int64; var end: Int64 }

    /// A session of 2–4 cars, 2–6 laps each at 90–110 s, plus a glitch lap (60 s, faster than any)
    /// for one car and, sometimes, a lap whose end comes before its start for another.
    static func session(seed: UInt64) -> [Lap] {
        var random = SeededGenerator(seed: seed)
        var laps: [Lap] = []
        let cars = Int.random(in: 2...4, using: &random)
        for car in 0..<cars {
            var clock: Int64 = 1_757_000_000_000 + Int64(car) * 1_000
            for lap in 1...Int.random(in: 2...6, using: &random) {
                let time = Int64.random(in: 90_000...110_000, using: &random)
                laps.append(Lap(vehicle: "GR86-0\(10 + car)-\(car)", number: car, lap: lap, start: clock, end: clock + time))
                clock += time
            }
        }
        let glitchCar = Int.random(in: 0..<cars, using: &random)
        let at: Int64 = 1_757_100_000_000
        laps.append(Lap(vehicle: "GR86-0\(10 + glitchCar)-\(glitchCar)", number: glitchCar, lap: TelemetryFilter.glitchLap, start: at, end: at + 60_000))
        if Bool.random(using: &random) {
            let car = Int.random(in: 0..<cars, using: &random)
            laps.append(Lap(vehicle: "GR86-0\(10 + car)-\(car)", number: car, lap: 99, start: at + 500_000, end: at + 400_000))
        }
        return laps
    }

    static func write(_ laps: [Lap], to root: URL) throws {
        let header = "expire_at,lap,meta_event,meta_session,meta_source,meta_time,original_vehicle_id,outing,timestamp,vehicle_id,vehicle_number"
        for (name, at) in [("R1_t_lap_start.csv", \Lap.start), ("R1_t_lap_end.csv", \Lap.end)] {
            let lines = laps.map { lap in
                let stamp = Timestamp.format(lap[keyPath: at])
                return ",\(lap.lap),I_R01,R1,kafka:gr-raw,\(stamp),\(lap.vehicle),1,\(stamp),\(lap.vehicle),\(lap.number)"
            }
            let url = root.appendingPathComponent("T/\(name)")
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(([header] + lines).joined(separator: "\n").utf8).write(to: url)
        }
    }

    @Test(arguments: 0..<40)
    func neverCounted(seed: Int) async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("glitch-\(UUID())")
        defer { try? FileManager.default.removeItem(at: root) }
        let laps = Self.session(seed: UInt64(seed))
        try Self.write(laps, to: root)
        let valid = laps.filter { $0.lap != TelemetryFilter.glitchLap && $0.end > $0.start }
        let analytics = Analytics(source: LocalDataSource(root: root))

        let expected = try #require(valid.min { ($0.end - $0.start, $0.vehicle) < ($1.end - $1.start, $1.vehicle) })
        let best = try await analytics.bestLap(track: "T", session: "R1")
        #expect(best.lap == Int64(expected.lap) && best.vehicle_id == expected.vehicle && best.lap_time_ms == expected.end - expected.start,
                "seed \(seed): best \(best.vehicle_id) lap \(best.lap) \(best.lap_time_ms) ms, expected \(expected)")

        for vehicle in Set(laps.map(\.vehicle)) {
            let mine = valid.filter { $0.vehicle == vehicle }.map { Double($0.end - $0.start) }
            let performance = try await analytics.performance(track: "T", session: "R1", driver: vehicle)
            #expect(performance.laps.count == mine.count, "seed \(seed) \(vehicle): \(performance.laps.map(\.lap))")
            #expect(performance.laps.allSatisfy { $0.lap != Int64(TelemetryFilter.glitchLap) && $0.lap_time_ms > 0 })
            let mean = mine.reduce(0, +) / Double(mine.count)
            #expect(abs((performance.mean_ms ?? 0) - mean) < 0.01, "seed \(seed) \(vehicle): mean \(performance.mean_ms ?? 0), expected \(mean)")
        }
    }
}
