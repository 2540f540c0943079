import Foundation
import MockS3Server
import RaceData
import RaceDataTesting
import S3Kit
import S3Wire
import TestSupport
import Testing

/// The loader reading the real layout from S3 (the mock, and moto) gives what it reads from disk.
@Suite("Loader from S3 equals loader from local files", .quietLogs)
struct LoaderS3Tests {
    static let kinds: [TableKind] = [.lap(.lapStart), .lap(.lapEnd), .lap(.lapTime), .telemetry]

    func tree(seed: UInt64) throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("s3-tree-\(UUID())")
        try DatasetGenerator(seed: seed).write(to: root)
        return root
    }

    /// Puts every file of the tree (junk included, as a careless upload would) under `prefix`.
    func upload(_ root: URL, client: S3Client, bucket: String, prefix: String = "data/", acl: String? = nil)
        async throws
    {
        let files = DatasetGenerator(seed: 0).files().map(\.path)  // same paths for any seed
        try await withThrowingTaskGroup(of: Void.self) { group in
            for chunk in stride(from: 0, to: files.count, by: 25) {
                let part = Array(files[chunk..<min(chunk + 25, files.count)])
                group.addTask {
                    for path in part {
                        let bytes = try [UInt8](Data(contentsOf: root.appendingPathComponent(path)))
                        _ = try await client.putObject(
                            bucket: bucket, key: prefix + path, body: .bytes(bytes), options: PutOptions(acl: acl))
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    func expectSameData(_ local: LocalDataSource, _ remote: S3DataSource) async throws {
        #expect(try await remote.tracks() == local.tracks())
        for track in try await local.tracks() {
            let sessions = try #require(try await local.sessions(track: track))
            #expect(try await remote.sessions(track: track) == sessions)
            for session in sessions {
                for kind in Self.kinds {
                    let a = try await local.load(track: track, session: session, kind: kind, filter: .all)
                    let b = try await remote.load(track: track, session: session, kind: kind, filter: .all)
                    #expect(a != nil && a == b, "\(track) \(session) \(kind)")
                }
            }
        }
    }

    @Test func mockServer() async throws {
        let root = try tree(seed: 11)
        defer { try? FileManager.default.removeItem(at: root) }
        try await withMock { server in
            let client = try server.client()
            try await client.createBucket("race-data")
            try await upload(root, client: client, bucket: "race-data")
            let remote = S3DataSource(client: client, bucket: "race-data")
            try await expectSameData(LocalDataSource(root: root), remote)

            // With the listing warm, a load costs one GET and no LIST.
            server.journal.clear()
            _ = try await remote.lapTimes(track: "COTA", session: Session("R1")!, kind: .lapTime)
            #expect(server.journal.entries.map(\.operation) == ["GetObject"])
            // Missing things are nil, after one LIST at most.
            #expect(try await remote.sessions(track: "Monaco") == nil)
            #expect(try await remote.lapTimes(track: "COTA", session: Session("R7")!, kind: .lapTime) == nil)
            await #expect(throws: DataError.self) { _ = try await remote.sessions(track: "../x") }
        }
    }

    @Test func faultsAreHiddenByRetriesAndTheDataStaysEqual() async throws {
        let root = try tree(seed: 15)
        defer { try? FileManager.default.removeItem(at: root) }
        try await withMock { server in
            // Eight attempts against these rates: every request gets through, in any order of requests.
            let client = try server.client(retry: RetryPolicy(maxAttempts: 8, baseDelay: 0.001, maxDelay: 0.01))
            try await client.createBucket("race-data")
            var plan = FaultPlan()
            plan.slowDownRate["*"] = 0.1
            plan.internalErrorRate["GetObject"] = 0.05
            plan.dropMidBodyRate["GetObject"] = 0.1
            plan.dropMidBodyRate["PutObject"] = 0.1
            server.setFaults(plan, seed: 8)
            var options = Uploader.Options()
            options.acl = nil
            let report = try await Uploader(client: client, bucket: "race-data", options: options).upload(
                directory: root)
            #expect(report.succeeded, "\(report.failed)")
            try await expectSameData(LocalDataSource(root: root), S3DataSource(client: client, bucket: "race-data"))
            let faults = server.journal.entries.filter { $0.fault != nil }
            #expect(faults.contains { $0.fault == "dropMidBody" && $0.operation == "GetObject" })
            #expect(faults.contains { $0.errorCode == "SlowDown" })
        }
    }

    @Test func listDeniedFallsBackToGETs() async throws {
        let root = try tree(seed: 12)
        defer { try? FileManager.default.removeItem(at: root) }
        try await withMock { server in
            let client = try server.client()
            try await client.createBucket("race-data")
            try await upload(root, client: client, bucket: "race-data")
            var plan = FaultPlan()
            plan.listBucketDenied = true
            server.setFaults(plan)
            let local = LocalDataSource(root: root)
            let remote = S3DataSource(client: client, bucket: "race-data")
            for layout in TrackLayout.hackTheTrack where layout.directory != "indianapolis" {
                for kind in Self.kinds {
                    let a = try await local.load(
                        track: layout.directory, session: Session("R2")!, kind: kind, filter: .all)
                    let b = try await remote.load(
                        track: layout.directory, session: Session("R2")!, kind: kind, filter: .all)
                    #expect(a != nil && a == b, "\(layout.directory) \(kind)")
                }
            }
            #expect(
                server.journal.entries.filter { $0.operation == "ListObjectsV2" }.allSatisfy {
                    $0.errorCode == "AccessDenied"
                })
            // Discovery needs LIST: it says so instead of answering "no tracks".
            let error = await #expect(throws: DataError.self) { _ = try await remote.tracks() }
            #expect("\(error!)".contains("s3:ListBucket"))
        }
    }

    @Test func anonymousPublicReadWithoutListing() async throws {
        let root = try tree(seed: 13)
        defer { try? FileManager.default.removeItem(at: root) }
        try await withMock { server in
            let client = try server.client()
            try server.store.createBucket("public-race")
            try server.store.setOwnership("public-race", .objectWriter)
            try await upload(root, client: client, bucket: "public-race", acl: "public-read")
            let anonymous = S3DataSource(client: try server.client(anonymous: true), bucket: "public-race")
            let local = LocalDataSource(root: root)
            let a = try await local.lapTimes(track: "sebring", session: Session("R1")!, kind: .lapEnd)
            let b = try await anonymous.lapTimes(track: "sebring", session: Session("R1")!, kind: .lapEnd)
            #expect(a != nil && a == b)
            #expect(try await anonymous.lapTimes(track: "sebring", session: Session("R5")!, kind: .lapEnd) == nil)
        }
    }

    @Test func rejectedCredentialsAreAnErrorNotNoData() async throws {
        try await withMock { server in
            let client = try server.client()
            try await client.createBucket("race-data")
            var plan = FaultPlan()
            plan.rejectAllCredentials = true
            server.setFaults(plan)
            let remote = S3DataSource(client: client, bucket: "race-data")
            let error = await #expect(throws: DataError.self) { _ = try await remote.tracks() }
            #expect("\(error!)".contains("InvalidAccessKeyId") && "\(error!)".contains("AWS_ACCESS_KEY_ID"))
            await #expect(throws: DataError.self) {
                _ = try await remote.lapTimes(track: "COTA", session: Session("R1")!, kind: .lapTime)
            }
        }
    }

    @Test func motoServer() async throws {
        let moto = try await MotoServer.open.value
        let root = try tree(seed: 14)
        defer { try? FileManager.default.removeItem(at: root) }
        let (client, bucket) = try await moto.bucket("loader")
        try await upload(root, client: client, bucket: bucket)
        try await expectSameData(LocalDataSource(root: root), S3DataSource(client: client, bucket: bucket))
    }
}
