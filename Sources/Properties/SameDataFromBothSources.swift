import Foundation
import MockS3Server
import RaceData
import RaceDataTesting
import S3Kit
import S3Wire

/// 8. Data is the same from both sources.
struct SameDataFromBothSources: RaceProperty {
    let number = 8
    let title = "data is the same from both sources"
    let statement = "every table read from S3 equals the one read from disk, whole and filtered"
    let onMoto: MotoSupport = .runs

    func check(seed: UInt64, context: PropertyContext) async throws {
        let prefix = context.casePrefix(number, seed)
        let folder = try context.caseFolder(number, seed)
        defer { try? FileManager.default.removeItem(at: folder) }
        var random = SeededGenerator(seed: seed)
        try await uploadGenerated(
            seed: seed, layouts: context.budget.count(.items, 1...3, using: &random), context: context, prefix: prefix,
            local: folder)
        try await compare(
            LocalDataSource(root: folder), context.source(prefix: prefix),
            seed: seed, case: "generated dataset, seed \(seed)")
        try await context.clean(prefix)
    }

    func canCheck(_ dataset: Dataset, readOnly: Bool) -> Bool { dataset.local != nil }
    var datasetFormIsSeeded: Bool { false }

    /// Every track, session and table of the dataset's local copy equals the one read from S3.
    func check(dataset: Dataset, seed: UInt64, context: PropertyContext) async throws {
        guard let local = dataset.local else { return }
        try await compare(
            LocalDataSource(root: local),
            context.source(prefix: dataset.prefix),
            seed: seed, case: "\(local.path) against \(dataset.prefix)")
    }

    /// Every table equal from both sources; each telemetry table also loaded through a filter drawn
    /// from the seed, equal from both sources and to the whole table filtered here, row by row.
    func compare(_ local: LocalDataSource, _ remote: any DataSource, seed: UInt64, case description: String)
        async throws
    {
        var random = SeededGenerator(seed: seed ^ 0x8)
        let tracks = try await local.tracks()
        try require(try await remote.tracks() == tracks, "tracks differ", case: description)
        for track in tracks {
            let sessions = try await local.sessions(track: track)
            try require(
                try await remote.sessions(track: track) == sessions, "\(track) sessions differ", case: description)
            for session in sessions ?? [] {
                for kind in [TableKind.lap(.lapStart), .lap(.lapEnd), .lap(.lapTime), .telemetry] {
                    let a = try await local.load(track: track, session: session, kind: kind, filter: .all)
                    let b = try await remote.load(track: track, session: session, kind: kind, filter: .all)
                    try require(a != nil && a == b, "\(track) \(session) \(kind) differs", case: description)
                    guard kind == .telemetry, let whole = a?.table else { continue }
                    let filter = Self.filter(for: whole, using: &random)
                    let filtered = try await local.load(track: track, session: session, kind: kind, filter: filter)?
                        .table
                    let fromS3 = try await remote.load(track: track, session: session, kind: kind, filter: filter)?
                        .table
                    let what = "\(track) \(session) telemetry through \(filter)"
                    try require(filtered == fromS3, "\(what) differs between the sources", case: description)
                    let expected = Self.rows(of: whole, keeping: filter)
                    let got = filtered.map { Self.rows(of: $0, keeping: .all) } ?? []
                    try require(
                        got == expected,
                        "\(what) gave \(got.count) rows where the whole table filtered here gives \(expected.count)"
                            + (got.first(where: { !expected.contains($0) }).map { "; e.g. \($0)" } ?? ""),
                        case: description)
                }
            }
        }
    }

    /// A filter over what the table holds: some of its vehicles (by id or number), a lap range, some
    /// parameters, the glitch lap dropped or not; each part present or not.
    static func filter(for table: Table, using random: inout SeededGenerator) -> TelemetryFilter {
        let ids = Set(cells(table, "vehicle_id").compactMap { $0 })
        let numbers = Set(cells(table, "vehicle_number").compactMap { $0 })
        let names = Set(cells(table, "telemetry_name").compactMap { $0 })
        var filter = TelemetryFilter()
        if random.chance(0.5), !ids.isEmpty {
            let pool = ids.sorted() + (random.chance(0.3) ? numbers.sorted() : [])
            filter.vehicles = Set((0..<random.int(1...2)).map { _ in random.pick(pool) })
        }
        if random.chance(0.4) {
            let first = random.int(0...3)
            filter.laps = first...(first + random.int(0...3))
        }
        if random.chance(0.5), !names.isEmpty {
            filter.parameters = Set((0..<random.int(1...3)).map { _ in random.pick(names.sorted()) })
        }
        if random.chance(0.3) { filter.parametersContaining = [random.pick(["brake", "ACC", "s", "speed", "x"])] }
        filter.dropGlitchLaps = random.chance(0.6)
        return filter
    }

    /// The rows a filter keeps, worked out here from the whole table: each row as its cells' text.
    static func rows(of table: Table, keeping filter: TelemetryFilter) -> [[String?]] {
        let columns = table.names.map { cells(table, $0) }
        let id = cells(table, "vehicle_id")
        let number = cells(table, "vehicle_number")
        let lap = cells(table, "lap")
        let name = cells(table, "telemetry_name")
        return (0..<table.rowCount).compactMap { row in
            if let vehicles = filter.vehicles, !vehicles.contains(where: { $0 == id[row] || $0 == number[row] }) {
                return nil
            }
            if filter.laps != nil || filter.dropGlitchLaps {
                guard let text = lap[row], let n = Int(text), n >= 0 else { return nil }
                if filter.dropGlitchLaps && n == TelemetryFilter.glitchLap { return nil }
                if let laps = filter.laps, !laps.contains(n) { return nil }
            }
            if filter.parameters != nil || filter.parametersContaining != nil {
                let exact = filter.parameters?.contains { $0 == name[row] } ?? false
                let part =
                    filter.parametersContaining?.contains { name[row]?.lowercased().contains($0.lowercased()) == true }
                    ?? false
                if !exact && !part { return nil }
            }
            return columns.map { $0[row] }
        }
    }

    /// A column's cells as text, whatever type it was read as (a filtered load may type a column
    /// more narrowly than the whole table: integers where the whole had doubles).
    static func cells(_ table: Table, _ name: String) -> [String?] {
        switch table.column(name) {
        case .integer(let v)?: v.map { $0.map { String($0) } }
        case .double(let v)?: v.map { $0.map { $0 == $0.rounded() && abs($0) < 1e15 ? String(Int64($0)) : "\($0)" } }
        case .timestamp(let v)?: v.map { $0.map(Timestamp.format) }
        case .text(let v)?: Array(v)
        case nil: Array(repeating: nil, count: table.rowCount)
        }
    }
}
