import Foundation
import RaceData
import RaceDataTesting
import S3Kit
import S3Wire

extension SeededGenerator {
    /// A name part with the characters real trees have: spaces, unicode, `+`, `%`, `-`.
    mutating func namePart() -> String {
        pick([
            "lap", "R1", "Race 1", "ü", "ñ+é", "a b", "x-y", "100%", "data", "séance", "🏁", "Road America", "COTA",
            "v2", "telemetry",
        ])
    }

    mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) } }
}

/// A local tree for property 1: tracks, nested folders (some empty), data files whose names have
/// spaces and unicode, and the junk real trees carry.
struct TreeCase {
    var files: [(path: String, bytes: [UInt8])] = []
    var junk: [String] = []
    var emptyFolders: [String] = []

    init(seed: UInt64, budget: CaseBudget = .unlimited) {
        var random = SeededGenerator(seed: seed)
        var used: Set<String> = []
        for t in 0..<budget.count(.items, 1...4, using: &random) {
            let track =
                random.pick([
                    "COTA", "Sonoma", "road-america", "virginia international", "Ünïcode Track",
                    "barber_motorsports_park",
                ]) + (t == 0 ? "" : " \(t)")
            var folders = [track]
            for _ in 0..<budget.count(.items, 0...3, using: &random) {
                folders.append(folders[random.int(0...(folders.count - 1))] + "/" + random.namePart())
            }
            for folder in folders {
                for _ in 0..<budget.count(.items, 0...3, using: &random) {
                    var name = (0..<budget.count(.nameParts, 1...3, using: &random)).map { _ in random.namePart() }
                        .joined(separator: random.pick(["_", " ", "-"]))
                    name += random.pick([".csv", ".CSV", ".txt"])
                    let path = "\(folder)/\(name)"
                    guard !FileNaming.isJunk(path), used.insert(path.lowercased()).inserted else { continue }
                    files.append((path, random.bytes(budget.count(.rows, 0...300, using: &random))))
                }
                if random.chance(0.2) { emptyFolders.append("\(folder)/empty \(random.int(0...9))") }
                if random.chance(0.3) { junk.append("\(folder)/._\(random.namePart()).csv") }
                if random.chance(0.2) { junk.append("\(folder)/.DS_Store") }
            }
            if random.chance(0.2) { junk.append("\(track)/__MACOSX/._x.csv") }
            if random.chance(0.1) { junk.append("\(track)/Thumbs.db") }
        }
    }

    func write(to root: URL) throws {
        for (path, bytes) in files + junk.map({ ($0, [0x00, 0x05, 0x16, 0x07] as [UInt8]) }) {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: url)
        }
        for folder in emptyFolders {
            try FileManager.default.createDirectory(
                at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
    }
}

/// A file-naming convention the loader should understand: the real tree's (docs/dataset.md) and variants
/// (session first or last, kind synonyms, separators, case, folders and depth).
struct Convention: CustomStringConvertible {
    var track: String
    var alias: String
    var sessionFirst: Bool
    var separator: String
    var upper: Bool
    var longKind: Bool
    var folder: @Sendable (Int) -> String
    var folderName: String
    /// Whether `FileNaming.candidates` derives it (so loads work with LIST denied).
    var derivable: Bool

    var description: String {
        "track \(track), alias \(alias), session \(sessionFirst ? "first" : "last"), separator \"\(separator)\", \(upper ? "upper" : "lower") case, \(longKind ? "lap_start_time" : "lap_start") form, folder \(folderName)"
    }

    static func make(seed: UInt64) -> Convention {
        var random = SeededGenerator(seed: seed)
        let track = random.pick([
            "COTA", "Sonoma", "road-america", "virginia-international-raceway", "sebring", "Mid Ohio", "watkins_glen",
        ])
        let words = track.lowercased().split { $0 == "-" || $0 == "_" || $0 == " " }.map(String.init)
        let derivableAliases =
            [track, words.joined(separator: "_"), words[0]]
            + (words.count > 1 ? [String(words.compactMap(\.first))] : [])
        let alias = random.chance(0.8) ? random.pick(derivableAliases) : random.pick(["long_name_circuit", "trk"])
        let separator = random.chance(0.7) ? "_" : random.pick(["-", " "])
        let upper = random.chance(0.2)
        let titled = words.map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(separator: " ")
        let folders: [(String, Bool, @Sendable (Int) -> String)] = [
            ("(none)", true, { _ in "" }), ("Race N", true, { "Race \($0)/" }), ("race N", true, { "race \($0)/" }),
            ("Title/Race N", true, { [titled] n in "\(titled)/Race \(n)/" }), ("Race Nb", false, { "Race \($0)b/" }),
            ("deep/x/Race N", false, { "deep/x/Race \($0)/" }),
        ]
        let folder = random.pick(folders)
        let convention = Convention(
            track: track, alias: alias, sessionFirst: random.chance(0.5), separator: separator, upper: upper,
            longKind: random.chance(0.5), folder: folder.2, folderName: folder.0, derivable: false)
        var result = convention
        result.derivable = folder.1 && separator == "_" && !upper && derivableAliases.contains(alias)
        return result
    }

    func fileName(_ kind: TableKind, session n: Int) -> String {
        let kindWords: [String] =
            switch kind {
            case .lap(.lapStart): longKind ? ["lap", "start", "time"] : ["lap", "start"]
            case .lap(.lapEnd): longKind ? ["lap", "end", "time"] : ["lap", "end"]
            case .lap(.lapTime): ["lap", "time"]
            case .telemetry: longKind ? ["telemetry", "data"] : ["telemetry"]
            }
        let session = "R\(n)"
        var words = [alias] + kindWords
        if sessionFirst { words.insert(session, at: 0) } else { words.append(session) }
        var name = words.joined(separator: separator)
        if upper { name = name.uppercased() }
        return name + ".csv"
    }

    func path(_ kind: TableKind, session n: Int) -> String { folder(n) + fileName(kind, session: n) }
}

/// A tiny lap or telemetry CSV with the real header.
func sampleCSV(_ kind: TableKind, rows: Int, seed: UInt64) -> [UInt8] {
    var random = SeededGenerator(seed: seed)
    let header =
        kind == .telemetry
        ? "expire_at,lap,meta_event,meta_session,meta_source,meta_time,original_vehicle_id,outing,telemetry_name,telemetry_value,timestamp,vehicle_id,vehicle_number"
        : "expire_at,lap,meta_event,meta_session,meta_source,meta_time,original_vehicle_id,outing,timestamp,vehicle_id,vehicle_number"
    var lines = [header]
    for r in 0..<rows {
        let stamp = Timestamp.format(1_757_000_000_000 + Int64(random.int(0...9_999_999)))
        if kind == .telemetry {
            lines.append(
                ",\(r + 1),I_R01,R1,kafka:gr-raw,\(stamp),GR86-001-\(r),1,speed,\(random.int(0...250)).5,\(stamp),GR86-001-\(r),\(r)"
            )
        } else {
            lines.append(",\(r + 1),I_R01,R1,kafka:gr-raw,\(stamp),GR86-001-\(r),1,\(stamp),GR86-001-\(r),\(r)")
        }
    }
    return Array((lines.joined(separator: "\n") + "\n").utf8)
}

/// A generated dataset (a few of the seven layouts, small sizes) put under `prefix`: with the real
/// uploader, or through the in-process mock's store (`PropertyContext.put`).
func uploadGenerated(seed: UInt64, layouts count: Int, context: PropertyContext, prefix: String, local: URL? = nil)
    async throws
{
    var random = SeededGenerator(seed: seed)
    var generator = DatasetGenerator(seed: seed)
    let budget = context.budget
    generator.sessions = budget.count(.items, 1...3, using: &random)
    generator.cars = budget.count(.items, 1...3, using: &random)
    generator.laps = budget.count(.items, 1...4, using: &random)
    generator.telemetryRowsPerLap = budget.count(.rows, 1...5, using: &random)
    var layouts = TrackLayout.hackTheTrack
    layouts.shuffle(using: &random)
    let folder = local ?? context.scratch.appendingPathComponent("dataset-\(seed)")
    try generator.write(to: folder, layouts: Array(layouts.prefix(count)))
    defer { if local == nil { try? FileManager.default.removeItem(at: folder) } }
    var options = Uploader.Options()
    options.prefix = prefix
    options.acl = nil
    let uploader = Uploader(client: context.client, bucket: context.bucket, options: options)
    if context.mock != nil {
        // The uploader's plan says which key each file goes to; the bytes go straight into the store.
        for file in uploader.plan(directory: folder).files {
            try await context.put(file.key, Array(try Data(contentsOf: URL(fileURLWithPath: file.path))))
        }
        return
    }
    let report = try await uploader.upload(directory: folder)
    guard report.succeeded else {
        throw PropertyFailure("upload failed: \(report.failed)", case: "dataset seed \(seed)")
    }
}
