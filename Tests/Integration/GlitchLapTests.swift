import Foundation
import RaceData
import RaceDataTesting
import RaceService
import TestSupport
import Testing

/// The app's lap rule: a lap counts when its time (end minus start) is over 60 s and under 300 s and
/// it is not the timing system's lost lap 32768. Generated sessions give the glitch lap a time
/// inside the window and faster than any real lap, and add laps that end before they start, or take
/// 30 s or 400 s: a service that counted any of them would answer a wrong best lap, count or mean.
@Suite("Glitch laps and impossible lap times in the service", .quietLogs)
struct GlitchLapTests {
    struct Lap {
        var vehicle: String
        var number: Int
        var lap: Int
        var start: Int64
        var end: Int64
    }

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
                laps.append(
                    Lap(vehicle: "GR86-0\(10 + car)-\(car)", number: car, lap: lap, start: clock, end: clock + time))
                clock += time
            }
        }
        let glitchCar = Int.random(in: 0..<cars, using: &random)
        let at: Int64 = 1_757_100_000_000
        laps.append(
            Lap(
                vehicle: "GR86-0\(10 + glitchCar)-\(glitchCar)", number: glitchCar, lap: TelemetryFilter.glitchLap,
                start: at, end: at + 61_000))
        for (lap, duration) in [(97, Int64(-100_000)), (98, 30_000), (99, 400_000)] where Bool.random(using: &random) {
            let car = Int.random(in: 0..<cars, using: &random)
            laps.append(
                Lap(
                    vehicle: "GR86-0\(10 + car)-\(car)", number: car, lap: lap, start: at + 1_000_000,
                    end: at + 1_000_000 + duration))
        }
        return laps
    }

    static func write(_ laps: [Lap], to root: URL) throws {
        let header =
            "expire_at,lap,meta_event,meta_session,meta_source,meta_time,original_vehicle_id,outing,timestamp,vehicle_id,vehicle_number"
        for (name, at) in [("R1_t_lap_start.csv", \Lap.start), ("R1_t_lap_end.csv", \Lap.end)] {
            let lines = laps.map { lap in
                let stamp = Timestamp.format(lap[keyPath: at])
                return
                    ",\(lap.lap),I_R01,R1,kafka:gr-raw,\(stamp),\(lap.vehicle),1,\(stamp),\(lap.vehicle),\(lap.number)"
            }
            let url = root.appendingPathComponent("T/\(name)")
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(([header] + lines).joined(separator: "\n").utf8).write(to: url)
        }
    }

    @Test(arguments: 0..<40)
    func neverCounted(seed: Int) async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("glitch-\(UUID())")
        defer { try? FileManager.default.removeItem(at: root) }
        let laps = Self.session(seed: UInt64(seed))
        try Self.write(laps, to: root)
        let valid = laps.filter {
            $0.lap != TelemetryFilter.glitchLap && $0.end - $0.start > 60_000 && $0.end - $0.start < 300_000
        }
        let analytics = Analytics(source: LocalDataSource(root: root))

        let expected = try #require(valid.min { ($0.end - $0.start, $0.vehicle) < ($1.end - $1.start, $1.vehicle) })
        let best = try await analytics.bestLap(track: "T", session: "R1")
        #expect(
            best.lap_number == expected.lap && best.driver_id == expected.vehicle
                && best.best_lap_time == Double(expected.end - expected.start) / 1000,
            "seed \(seed): best \(best.driver_id) lap \(best.lap_number) \(best.best_lap_time) s, expected \(expected)")

        for vehicle in Set(valid.map(\.vehicle)) {
            let mine = valid.filter { $0.vehicle == vehicle }.sorted { $0.lap < $1.lap }.map {
                Double($0.end - $0.start) / 1000
            }
            let performance = try await analytics.performance(track: "T", session: "R1", driver: vehicle)
            #expect(
                performance.total_laps == mine.count && performance.lap_times == mine,
                "seed \(seed) \(vehicle): \(performance.lap_times)")
            let mean = mine.reduce(0, +) / Double(mine.count)
            #expect(
                abs(performance.average_lap - mean) < 1e-9,
                "seed \(seed) \(vehicle): mean \(performance.average_lap), expected \(mean)")
        }
        #expect(try await analytics.drivers(track: "T", session: "R1") == Set(valid.map(\.vehicle)).sorted())
    }
}
