import Foundation
import RaceData

/// Writes race data in the real tree's layout and schemas, with its quirks (byte-order marks,
/// CRLF, lap 32768, vehicle number 0), timing exports and junk files. Seeded: a seed is a tree.
public struct DatasetGenerator: Sendable {
    public var seed: UInt64
    public var sessions = 2
    public var cars = 4
    public var laps = 5
    /// Telemetry rows per car and lap (each row one parameter at one instant).
    public var telemetryRowsPerLap = 12

    public init(seed: UInt64) { self.seed = seed }

    static let lapHeader =
        "expire_at,lap,meta_event,meta_session,meta_source,meta_time,original_vehicle_id,outing,timestamp,vehicle_id,vehicle_number"
    static let telemetryHeader =
        "expire_at,lap,meta_event,meta_session,meta_source,meta_time,original_vehicle_id,outing,telemetry_name,telemetry_value,timestamp,vehicle_id,vehicle_number"
    static let parameters = [
        "speed", "gear", "nmot", "aps", "pbrake_f", "pbrake_r", "accx_can", "accy_can",
        "Steering_Angle", "VBOX_Long_Minutes", "VBOX_Lat_Min", "Laptrigger_lapdist_dls",
    ]
    static let exports = [
        "03_Provisional Results", "05_Provisional Results by Class", "23_AnalysisEnduranceWithSections",
        "26_Weather", "99_Best 10 Laps By Driver",
    ]

    /// Every file of the tree: path relative to the root, and bytes.
    public func files(layouts: [TrackLayout] = TrackLayout.hackTheTrack) -> [(path: String, bytes: [UInt8])] {
        var random = SeededGenerator(seed: seed)
        var out: [(String, [UInt8])] = []
        for (t, layout) in layouts.enumerated() {
            let base = layout.directory + "/"
            out.append((base + ".DS_Store", [0, 0, 0, 1, 0x42, 0x75, 0x64, 0x31]))
            for n in 1...sessions {
                let folder = base + layout.folder(n)
                let event = "I_R0\(t + 1)_2025-0\(t + 3)-0\(n + 4)"
                let vehicles = (0..<cars).map { c in
                    (id: "GR86-0\(10 + t)-\(20 + c * 7)", number: c == cars - 1 ? 0 : 20 + c * 7)
                }
                let start = Int64(1_757_000_000_000) + Int64(t) * 86_400_000 + Int64(n) * 3_600_000
                let crlf = random.next() % 3 == 0
                let bom = random.next() % 3 == 0
                // Some exports quote their text fields (RFC 4180); the values are the same.
                let quoted = random.next() % 3 == 0
                let eventField = quoted ? "\"\(event)\"" : event
                // Laps follow one another: a lap ends when the next starts; lap_time holds the difference.
                var entries: [(vehicle: (id: String, number: Int), lap: Int, start: Int64, time: Int64)] = []
                for v in vehicles {
                    var clock = start + Int64(random.next() % 5_000)
                    for lap in 1...laps {
                        let drawn = Int64(95_000 + random.next() % 9_000)
                        // The lap the timing system lost (32768) ends far from its start, as in the real
                        // files, where the app's 60–300 s rule drops it.
                        let glitch = lap == laps && v.number == 0
                        let time = glitch ? drawn + 3_600_000 : drawn
                        entries.append((v, glitch ? 32768 : lap, clock, time))
                        clock += time
                    }
                }
                for kind in LapKind.allCases {
                    var lines = [Self.lapHeader + (kind == .lapTime ? ",value" : "")]
                    for entry in entries {
                        let at = kind == .lapEnd ? entry.start + entry.time : entry.start
                        var line =
                            ",\(entry.lap),\(eventField),R\(n),kafka:gr-raw,\(Timestamp.format(at + 40)),\(entry.vehicle.id),1,\(Timestamp.format(at)),\(entry.vehicle.id),\(entry.vehicle.number)"
                        if kind == .lapTime { line += ",\(entry.time)" }
                        lines.append(line)
                    }
                    out.append((folder + layout.fileName(.lap(kind), n), Self.encode(lines, crlf: crlf, bom: bom)))
                }
                var telemetry = [Self.telemetryHeader]
                for v in vehicles {
                    for lap in 1...laps {
                        for r in 0..<telemetryRowsPerLap {
                            let name = Self.parameters[Int(random.next() % UInt64(Self.parameters.count))]
                            let value =
                                name == "gear"
                                ? String(random.next() % 6 + 1)
                                : String(format: "%.3f", Double(random.next() % 200_000) / 1000)
                            let time = start + Int64(lap) * 98_000 + Int64(r) * 40
                            // The lap the lap tables mark as the 32768 glitch carries it here too.
                            let lapField = lap == laps && v.number == 0 ? 32768 : lap
                            telemetry.append(
                                ",\(lapField),\(eventField),R\(n),kafka:gr-raw,\(Timestamp.format(time)),\(v.id),1,\(quoted ? "\"\(name)\"" : name),\(value),\(Timestamp.format(time)),\(v.id),\(v.number)"
                            )
                        }
                    }
                }
                out.append((folder + layout.fileName(.telemetry, n), Self.encode(telemetry, crlf: false, bom: false)))
                for export in Self.exports {
                    let lines = [
                        "POSITION;NUMBER;STATUS;LAPS;TOTAL_TIME",
                        "1;\(vehicles[0].number);Classified;\(laps);\"49:12.345\"",
                    ]
                    out.append(
                        (folder + "\(export)_Race \(n)_Anonymized.CSV", Self.encode(lines, crlf: true, bom: true)))
                }
                out.append(
                    (
                        folder + "._" + layout.fileName(.lap(.lapTime), n),
                        [0x00, 0x05, 0x16, 0x07, 0, 2, 0, 0] + (0..<24).map { _ in UInt8(random.next() & 0xFF) }
                    ))
            }
            if t == 0 { out.append((base + "__MACOSX/._barber", [0x00, 0x05, 0x16, 0x07])) }
        }
        return out
    }

    static func encode(_ lines: [String], crlf: Bool, bom: Bool) -> [UInt8] {
        (bom ? [0xEF, 0xBB, 0xBF] : [])
            + Array((lines.joined(separator: crlf ? "\r\n" : "\n") + (crlf ? "\r\n" : "\n")).utf8)
    }

    /// Writes the tree under `root` (created if needed).
    public func write(to root: URL, layouts: [TrackLayout] = TrackLayout.hackTheTrack) throws {
        for (path, bytes) in files(layouts: layouts) {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: url)
        }
    }
}

/// How one track of the real dataset names its files (docs/dataset.md).
public struct TrackLayout: Sendable {
    public var directory: String
    /// The folder of session n, relative to the track directory.
    public var folder: @Sendable (Int) -> String
    /// The file name of (kind, session n).
    public var fileName: @Sendable (TableKind, Int) -> String

    /// The seven tracks exactly as the users' tree has them.
    public static let hackTheTrack: [TrackLayout] = [
        TrackLayout(directory: "barber_motorsports_park", folder: { _ in "barber/" }) { kind, n in
            switch kind {
            case .lap(let k): "R\(n)_barber_\(k.rawValue).csv"
            case .telemetry: "R\(n)_barber_telemetry_data.csv"
            }
        },
        TrackLayout(directory: "COTA", folder: { "Race \($0)/" }) { kind, n in
            switch kind {
            case .lap(.lapStart): "COTA_lap_start_time_R\(n).csv"
            case .lap(.lapEnd): "COTA_lap_end_time_R\(n).csv"
            case .lap(.lapTime): "COTA_lap_time_R\(n).csv"
            case .telemetry: "R\(n)_cota_telemetry_data.csv"
            }
        },
        TrackLayout(directory: "indianapolis", folder: { "Race \($0)/" }) { kind, n in
            switch kind {
            case .lap(let k): "R\(n)_indianapolis_motor_speedway_\(k.rawValue).csv"
            case .telemetry: "R\(n)_indianapolis_motor_speedway_telemetry.csv"
            }
        },
        TrackLayout(directory: "road-america", folder: { "Road America/Race \($0)/" }) { kind, n in
            switch kind {
            case .lap(let k): "road_america_\(k.rawValue)_R\(n).csv"
            case .telemetry: "R\(n)_road_america_telemetry_data.csv"
            }
        },
        TrackLayout(directory: "sebring", folder: { "Sebring/Race \($0)/" }) { kind, n in
            switch kind {
            case .lap(.lapStart): "sebring_lap_start_time_R\(n).csv"
            case .lap(.lapEnd): "sebring_lap_end_time_R\(n).csv"
            case .lap(.lapTime): "sebring_lap_time_R\(n).csv"
            case .telemetry: "sebring_telemetry_R\(n).csv"
            }
        },
        TrackLayout(directory: "Sonoma", folder: { "Race \($0)/" }) { kind, n in
            switch kind {
            case .lap(.lapStart): "sonoma_lap_start_time_R\(n).csv"
            case .lap(.lapEnd): "sonoma_lap_end_time_R\(n).csv"
            case .lap(.lapTime): "sonoma_lap_time_R\(n).csv"
            case .telemetry: "sonoma_telemetry_R\(n).csv"
            }
        },
        TrackLayout(directory: "virginia-international-raceway", folder: { "VIR/Race \($0)/" }) { kind, n in
            switch kind {
            case .lap(let k): "vir_\(k.rawValue)_R\(n).csv"
            case .telemetry: "R\(n)_vir_telemetry_data.csv"
            }
        },
    ]
}
