import Foundation
import MockS3Server
import RaceData
import RaceDataTesting
import S3Kit
import S3Wire

/// 4. Alternative patterns are tried.
struct AlternativePatterns: RaceProperty {
    let number = 4
    let title = "alternative patterns are tried"
    let statement = "a table under any naming convention the generator knows is found; junk of the same name never is"
    let onMoto: MotoSupport = .skipped(
        because:
            "what it states of the server (one LIST and a GET a load, loads by GET alone) needs the mock's journal and faults"
    )

    func check(seed: UInt64, context: PropertyContext) async throws {
        let convention = Convention.make(seed: seed)
        let prefix = context.casePrefix(number, seed)
        let kinds: [TableKind] = [.lap(.lapStart), .lap(.lapEnd), .lap(.lapTime), .telemetry]
        var contents: [TableKind: [UInt8]] = [:]
        for (i, kind) in kinds.enumerated() {
            let bytes = sampleCSV(kind, rows: 2 + i, seed: seed &+ UInt64(i))
            contents[kind] = bytes
            try await context.put(prefix + convention.track + "/" + convention.path(kind, session: 1), bytes)
        }
        // A distractor: junk with the same name must never be chosen.
        try await context.put(
            prefix + convention.track + "/" + convention.folder(1) + "._"
                + convention.fileName(.lap(.lapTime), session: 1),
            [0, 5, 22, 7])
        let description = convention.description
        let source = context.source(prefix: prefix)
        let mark = context.mock?.journal.mark ?? 0
        /// Every kind is found where it was put (and, whole, with the rows it was given).
        func expectFound(through source: any DataSource, _ how: String) async throws {
            for kind in kinds {
                let loaded = try await source.load(
                    track: convention.track, session: Session("R1")!, kind: kind, filter: .all)
                try require(
                    loaded?.location == "\(convention.track)/\(convention.path(kind, session: 1))",
                    "\(how)\(kind) found at \(loaded?.location ?? "nothing")", case: description)
                try require(
                    loaded?.table.rowCount == 2 + kinds.firstIndex(of: kind)!, "\(kind) has the wrong rows",
                    case: description)
            }
        }
        try await expectFound(through: source, "")
        if let mock = context.mock {
            let operations = mock.journal.entries(since: mark).map(\.operation)
            try require(
                operations.filter { $0 == "ListObjectsV2" }.count == 1
                    && operations.filter { $0 == "GetObject" }.count == kinds.count,
                "loads cost \(operations), not one LIST plus one GET each", case: description)
            if convention.derivable {
                var plan = FaultPlan()
                plan.listBucketDenied = true
                mock.setFaults(plan)
                defer { mock.setFaults(FaultPlan()) }
                let getOnly = context.source(prefix: prefix)
                try await expectFound(through: getOnly, "with LIST denied ")
            }
        }
        try await context.clean(prefix)
    }

    func canCheck(_ dataset: Dataset, readOnly: Bool) -> Bool { true }
    var datasetFormIsSeeded: Bool { false }

    /// Every track of the dataset, whatever convention it uses: each of its sessions has all three lap
    /// tables, and the file chosen names that session and table (the rule checked a second way).
    /// With the mock, LIST is then denied: a load by direct GETs finds the first of the conventions'
    /// names (derived from the folder) that the track holds, and nothing when it holds none of them.
    /// Nothing here depends on the seed: one case covers every track.
    func check(dataset: Dataset, seed: UInt64, context: PropertyContext) async throws {
        let source = context.source(prefix: dataset.prefix)
        let tracks = try await source.tracks()
        guard !tracks.isEmpty else { throw PropertyFailure("no tracks", case: dataset.prefix) }
        for track in tracks { try await check(track: track, of: dataset, source: source, context: context) }
    }

    private func check(track: String, of dataset: Dataset, source: any DataSource, context: PropertyContext)
        async throws
    {
        var chosen: [(Session, TableKind, String)] = []
        for session in try await source.sessions(track: track) ?? [] {
            for (kind, words) in [
                (TableKind.lap(.lapStart), ["lap", "start"]), (.lap(.lapEnd), ["lap", "end"]),
                (.lap(.lapTime), ["lap", "time"]),
            ] {
                guard let path = try await source.locate(track: track, session: session, kind: kind) else {
                    throw PropertyFailure(
                        "no \(kind) file found", case: "track \(track) \(session) under \(dataset.prefix)")
                }
                try require(
                    SessionDiscovery.oracle([path], words: words) == [session.number],
                    "\(path) was chosen for \(kind) of \(session)", case: "track \(track) under \(dataset.prefix)")
                chosen.append((session, kind, path))
            }
        }
        guard let mock = context.mock else { return }
        let trackPrefix = "\(dataset.prefix)\(track)/"
        let held = Set(
            try await context.client.listAll(bucket: context.bucket, prefix: trackPrefix).objects.map {
                String($0.key.dropFirst(trackPrefix.count))
            })
        var plan = FaultPlan()
        plan.listBucketDenied = true
        mock.setFaults(plan)
        defer { mock.setFaults(FaultPlan()) }
        let getOnly = context.source(prefix: dataset.prefix)
        for (session, kind, path) in chosen {
            let expected = FileNaming.candidates(track: track, session: session, kind: kind).first(where: held.contains)
            let loaded = try await getOnly.load(track: track, session: session, kind: kind, filter: .all)
            try require(
                loaded?.location == expected.map { "\(track)/\($0)" },
                "with LIST denied \(kind) of \(session) found at \(loaded?.location ?? "nothing"); listed: \(path)",
                case: "track \(track) under \(dataset.prefix)")
        }
    }
}
