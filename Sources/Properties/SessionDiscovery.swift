import Foundation
import MockS3Server
import RaceData
import RaceDataTesting
import S3Kit
import S3Wire

/// 6. Session discovery extracts sessions from file names.
struct SessionDiscovery: RaceProperty {
    let number = 6
    let title = "session discovery extracts from file names"
    let statement = "a track's sessions are the R1…R12 of its lap-start (else lap-time) files, in natural order"
    let onMoto: MotoSupport = .runs

    /// The rule written a second way, for deployed data: a CSV whose name starts or ends with the
    /// session word and has "lap start" (or "lap time") as words; junk excluded.
    static func oracle(_ keys: [String], words kind: [String]) -> [Int] {
        var sessions: Set<Int> = []
        for key in keys {
            let name = key.split(separator: "/").last.map(String.init) ?? ""
            guard name.lowercased().hasSuffix(".csv"), !name.hasPrefix("._"), !key.contains("__MACOSX/") else {
                continue
            }
            let words = name.dropLast(4).lowercased().components(separatedBy: CharacterSet(charactersIn: "_- ."))
                .filter { !$0.isEmpty }
            let hasKind = zip(words, words.dropFirst()).contains { [$0, $1] == kind }
            for word in [words.first, words.last].compactMap({ $0 }) where hasKind {
                if word.hasPrefix("r"), let n = Int(word.dropFirst()), n > 0, word.count <= 4 {
                    sessions.insert(n)
                    break
                }
            }
        }
        return sessions.sorted()
    }

    func check(seed: UInt64, context: PropertyContext) async throws {
        var random = SeededGenerator(seed: seed)
        let sessions = Array(
            (1...12).filter { _ in random.chance(0.4) }.ifEmpty([random.int(1...12)]).prefix(
                max(1, context.budget.items)))
        let withStarts = random.chance(0.7)
        let prefix = context.casePrefix(number, seed)
        let folder = try context.caseFolder(number, seed)
        defer { try? FileManager.default.removeItem(at: folder) }
        var track = ""
        var paths: [String] = []
        for n in sessions {
            let convention = Convention.make(seed: seed &+ UInt64(n))
            track = track.isEmpty ? convention.track : track
            paths.append(convention.path(.lap(.lapTime), session: n))
            if withStarts { paths.append(convention.path(.lap(.lapStart), session: n)) }
            // Lap times alone do not count.
            if withStarts && random.chance(0.3) { paths.append(convention.path(.lap(.lapTime), session: n + 12)) }
        }
        paths.append("._R99_\(track)_lap_start.csv")
        paths.append("99_Best 10 Laps By Driver_Race 1_Anonymized.CSV")
        for path in paths {
            let bytes = sampleCSV(.lap(.lapTime), rows: 1, seed: seed)
            let url = folder.appendingPathComponent(track).appendingPathComponent(path)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: url)
            try await context.put("\(prefix)\(track)/\(path)", bytes)
        }
        let expected = sessions.map { Session("R\($0)")! }
        let description = "track \(track), sessions \(sessions), lap-start files \(withStarts), files \(paths)"
        let local = try await LocalDataSource(root: folder).sessions(track: track)
        let remote = try await context.source(prefix: prefix).sessions(
            track: track)
        try require(local == expected, "local sessions \(local?.map(\.token) ?? [])", case: description)
        try require(remote == expected, "S3 sessions \(remote?.map(\.token) ?? [])", case: description)
        try await context.clean(prefix)
    }

    func canCheck(_ dataset: Dataset, readOnly: Bool) -> Bool { true }

    func check(dataset: Dataset, seed: UInt64, context: PropertyContext) async throws {
        // A track chosen by the seed; its sessions against the rule written a second way.
        let (source, track) = try await context.datasetTrack(dataset, seed: seed)
        let keys = try await context.client.listAll(bucket: context.bucket, prefix: "\(dataset.prefix)\(track)/")
            .objects
            .map(\.key)
        let starts = Self.oracle(keys, words: ["lap", "start"])
        let expected = (starts.isEmpty ? Self.oracle(keys, words: ["lap", "time"]) : starts).map { Session("R\($0)")! }
        let found = try await source.sessions(track: track) ?? []
        try require(
            found == expected, "sessions \(found.map(\.token)), the rule says \(expected.map(\.token))",
            case: "track \(track) under \(dataset.prefix)")
    }
}

extension Array {
    func ifEmpty(_ fallback: [Element]) -> [Element] { isEmpty ? fallback : self }
}
