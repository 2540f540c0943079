import Foundation
import MockS3Server
import RaceData
import RaceDataTesting
import S3Kit
import S3Wire

/// 3. Not found is nil (and nothing else is).
struct NotFoundIsNil: RaceProperty {
    let number = 3
    let title = "not found is nil"
    let statement = "a missing track, session or key is nil, never an error, and a real failure is never nil"
    let onMoto: MotoSupport = .runs

    /// Generated: missing things asked of a generated dataset (uploaded once, kept for later cases).
    func check(seed: UInt64, context: PropertyContext) async throws {
        let prefix = context.prefix + "p3-dataset/"
        if try await context.client.listObjectsV2(bucket: context.bucket, prefix: prefix, maxKeys: 1).objects.isEmpty {
            try await uploadGenerated(seed: 3, layouts: 2, context: context, prefix: prefix)
        }
        try await checkMissing(under: prefix, seed: seed, context: context)
    }

    func canCheck(_ dataset: Dataset, readOnly: Bool) -> Bool { true }
    func check(dataset: Dataset, seed: UInt64, context: PropertyContext) async throws {
        try await checkMissing(under: dataset.prefix, seed: seed, context: context)
    }

    func checkMissing(under prefix: String, seed: UInt64, context: PropertyContext) async throws {
        var random = SeededGenerator(seed: seed)
        let source = context.source(prefix: prefix)
        let tracks = try await source.tracks()
        guard !tracks.isEmpty else {
            throw PropertyFailure("no tracks under \(prefix) to test against", case: "seed \(seed)")
        }
        let missingTrack = "no track \(random.namePart()) \(random.int(0...9999))"
        let track = random.pick(tracks)
        let missingSession = Session("R\(random.int(13...99))")!
        let kind = random.pick([TableKind.lap(.lapStart), .lap(.lapEnd), .lap(.lapTime), .telemetry])
        let key = prefix + track + "/missing \(random.namePart()) \(seed).csv"
        let description = "missing track \"\(missingTrack)\", \(track) \(missingSession) \(kind), key \(key)"
        try require(
            try await source.sessions(track: missingTrack) == nil, "sessions of a missing track", case: description)
        try require(
            try await source.load(track: missingTrack, session: Session("R1")!, kind: kind, filter: .all) == nil,
            "load of a missing track", case: description)
        try require(
            try await source.load(track: track, session: missingSession, kind: kind, filter: .all) == nil,
            "load of a missing session", case: description)
        try require(
            try await context.client.getObject(bucket: context.bucket, key: key) == nil, "GET of a missing key",
            case: description)
        try require(
            try await context.client.headObject(bucket: context.bucket, key: key) == nil, "HEAD of a missing key",
            case: description)
        guard let mock = context.mock else { return }
        // With LIST denied every candidate is tried before the answer is nil.
        var plan = FaultPlan()
        plan.listBucketDenied = true
        mock.setFaults(plan)
        defer { mock.setFaults(FaultPlan()) }
        let getOnly = context.source(prefix: prefix)
        let mark = mock.journal.mark
        try require(
            try await getOnly.load(track: track, session: missingSession, kind: kind, filter: .all) == nil,
            "load with LIST denied", case: description)
        let tried = mock.journal.entries(since: mark).filter { $0.operation == "GetObject" }.count
        let candidates = FileNaming.candidates(track: track, session: missingSession, kind: kind).count
        try require(tried == candidates, "\(tried) GETs for \(candidates) candidates", case: description)
        // Any other failure is an error, not nil.
        plan = FaultPlan()
        plan.rejectAllCredentials = true
        mock.setFaults(plan)
        let rejected = context.source(prefix: prefix)
        do {
            _ = try await rejected.load(track: track, session: missingSession, kind: kind, filter: .all)
            throw PropertyFailure("rejected credentials gave nil instead of an error", case: description)
        } catch is DataError {}
    }
}
