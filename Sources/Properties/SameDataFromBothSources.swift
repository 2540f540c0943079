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

    func check(seed: UInt64, context: PropertyContext) async throws {
        let prefix = context.casePrefix(number, seed)
        let folder = try context.caseFolder(number, seed)
        defer { try? FileManager.default.removeItem(at: folder) }
        var random = SeededGenerator(seed: seed)
        try await uploadGenerated(seed: seed, layouts: random.int(1...3), context: context, prefix: prefix, local: folder)
        try await compare(LocalDataSource(root: folder), S3DataSource(client: context.client, bucket: context.bucket, prefix: prefix),
                          case: "generated dataset, seed \(seed)")
        try await context.clean(prefix)
    }

    func canCheck(_ dataset: Dataset, readOnly: Bool) -> Bool { dataset.local != nil }
    var datasetFormIsSeeded: Bool { false }

    /// Every track, session and table of the dataset's local copy equals the one read from S3.
    func check(dataset: Dataset, seed: UInt64, context: PropertyContext) async throws {
        guard let local = dataset.local else { return }
        try await compare(LocalDataSource(root: local), S3DataSource(client: context.client, bucket: context.bucket, prefix: dataset.prefix),
                          case: "\(local.path) against \(dataset.prefix)")
    }

    func compare(_ local: LocalDataSource, _ remote: S3DataSource, case description: String) async throws {
        let tracks = try await local.tracks()
        try require(try await remote.tracks() == tracks, "tracks differ", case: description)
        for track in tracks {
            let sessions = try await local.sessions(track: track)
            try require(try await remote.sessions(track: track) == sessions, "\(track) sessions differ", case: description)
            for session in sessions ?? [] {
                for kind in [TableKind.lap(.lapStart), .lap(.lapEnd), .lap(.lapTime), .telemetry] {
                    let a = try await local.load(track: track, session: session, kind: kind, filter: .all)
                    let b = try await remote.load(track: track, session: session, kind: kind, filter: .all)
                    try require(a != nil && a == b, "\(track) \(session) \(kind) differs", case: description)
                }
            }
        }
    }
}
