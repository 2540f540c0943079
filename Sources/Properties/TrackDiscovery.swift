import Foundation
import MockS3Server
import RaceData
import RaceDataTesting
import S3Kit
import S3Wire

/// 5. Track discovery lists all subdirectories.
struct TrackDiscovery: RaceProperty {
    let number = 5
    let title = "track discovery lists all subdirectories"
    let statement = "the tracks are exactly the first-level folders under the prefix, past a 1,000-key page"
    let onMoto: MotoSupport = .runs

    func check(seed: UInt64, context: PropertyContext) async throws {
        var random = SeededGenerator(seed: seed)
        let count = min(random.chance(0.05) ? random.int(1001...1100) : random.int(0...30), context.budget.items)
        var tracks: Set<String> = []
        while tracks.count < count {
            tracks.insert("\(random.namePart()) \(random.int(0...99999))")
        }
        let prefix = context.casePrefix(number, seed)
        let list = Array(tracks)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for start in stride(from: 0, to: list.count, by: 100) {
                let part = list[start..<min(start + 100, list.count)]
                group.addTask {
                    for (i, track) in part.enumerated() {
                        let key = i % 3 == 0 ? "\(prefix)\(track)/Race 1/x.csv" : "\(prefix)\(track)/x.csv"
                        try await context.put(key, [1])
                    }
                }
            }
            try await group.waitForAll()
        }
        if random.chance(0.5) {
            try await context.put(prefix + "loose file.csv", [1])
        }
        let found = try await context.source(prefix: prefix).tracks()
        try require(
            Set(found) == tracks && found.count == tracks.count,
            "found \(found.count) tracks for \(tracks.count); extra \(Set(found).subtracting(tracks).prefix(3)), missing \(tracks.subtracting(found).prefix(3))",
            case: "\(tracks.count) tracks, e.g. \(Array(tracks.prefix(3)))")
        try await context.clean(prefix)
    }
}

extension TrackDiscovery {
    func canCheck(_ dataset: Dataset, readOnly: Bool) -> Bool { true }
    var datasetFormIsSeeded: Bool { false }

    /// The tracks equal the first-level folders of a full listing (no delimiter), worked out here
    /// independently of the loader. The answer is the same for every seed: one case, one listing.
    func check(dataset: Dataset, seed: UInt64, context: PropertyContext) async throws {
        let prefix = dataset.prefix
        let keys = try await context.client.listAll(bucket: context.bucket, prefix: prefix).objects.map(\.key)
        var folders: Set<String> = []
        for key in keys {
            let rest = key.dropFirst(prefix.count)
            if let slash = rest.firstIndex(of: "/"), slash != rest.startIndex { folders.insert(String(rest[..<slash])) }
        }
        let found = try await context.source(prefix: prefix).tracks()
        try require(
            Set(found) == folders && found.count == folders.count, "tracks \(found) but folders \(folders.sorted())",
            case: "the bucket under \(prefix)")
    }
}
