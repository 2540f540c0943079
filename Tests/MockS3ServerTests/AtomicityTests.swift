import Foundation
import MockS3Server
import S3Kit
import S3Wire
import TestSupport
import Testing

/// Each atomicity claim of the mock raced many times over HTTP: writers released together, the same
/// invariant checked after every round. Every store access waits a millisecond first
/// (`storeContention`), so a check and a write made in two steps are seen to race. S3 answers a conditional write that lost 412 PreconditionFailed,
/// or 409 ConditionalRequestConflict while another is in flight ("Conditional requests", Amazon S3 User
/// Guide, https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-requests.html).
@Suite("Mock S3: atomicity under races", .quietLogs)
struct AtomicityTests {
    static let rounds = 25
    static let writers = 6
    static let lost: Set<Int> = [409, 412]

    /// Runs `writers` requests at once; their statuses in writer order.
    static func race(_ writers: Int, _ request: @escaping @Sendable (Int) async throws -> Int) async throws -> [Int] {
        try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            for writer in 0..<writers { group.addTask { (writer, try await request(writer)) } }
            var statuses = Array(repeating: 0, count: writers)
            for try await (writer, status) in group { statuses[writer] = status }
            return statuses
        }
    }

    /// Conditional PUTs of `key` by every writer at once (each writes `writer N`): exactly one wins, the
    /// others lose as S3 says they may, and the winner's bytes are what is stored.
    static func expectOneWinner(
        _ server: MockS3Server, key: String, condition: (String, String), round: Int
    ) async throws {
        let statuses = try await race(writers) { writer in
            try await server.raw(.put, "/b/\(key)", headers: [condition], body: Array("writer \(writer)".utf8)).status
        }
        let winners = statuses.indices.filter { statuses[$0] == 200 }
        #expect(winners.count == 1, "round \(round): \(statuses)")
        #expect(statuses.allSatisfy { $0 == 200 || lost.contains($0) }, "round \(round): \(statuses)")
        if let winner = winners.first {
            #expect(try await server.client().getObjectBytes(bucket: "b", key: key) == Array("writer \(winner)".utf8))
        }
    }

    @Test func createIfAbsentHasOneWinner() async throws {
        try await withMock({
            $0.buckets = ["b"]
            $0.storeContention = 0.001
        }) { server in
            for round in 0..<Self.rounds {
                try await Self.expectOneWinner(
                    server, key: "k\(round)", condition: ("If-None-Match", "*"), round: round)
            }
        }
    }

    @Test func replaceIfMatchHasOneWinner() async throws {
        try await withMock({
            $0.buckets = ["b"]
            $0.storeContention = 0.001
        }) { server in
            let client = try server.client()
            for round in 0..<Self.rounds {
                let etag = try await client.putObject(bucket: "b", key: "k", body: .bytes([UInt8(round)])).etag
                try await Self.expectOneWinner(server, key: "k", condition: ("If-Match", "\"\(etag)\""), round: round)
            }
        }
    }

    /// Uploads of one key completed together, each with If-None-Match: only one becomes the object.
    @Test func completesOfOneKeyHaveOneWinner() async throws {
        try await withMock({
            $0.buckets = ["b"]
            $0.storeContention = 0.001
        }) { server in
            let client = try server.client()
            for round in 0..<Self.rounds / 5 {
                let key = "m\(round)"
                var uploads: [(id: String, part: CompletedPart)] = []
                for writer in 0..<Self.writers {
                    let id = try await client.createMultipartUpload(bucket: "b", key: key)
                    let part = try await client.uploadPart(
                        bucket: "b", key: key, uploadId: id, partNumber: 1, body: .bytes(Array("upload \(writer)".utf8))
                    )
                    uploads.append((id, part))
                }
                let completions = uploads
                let statuses = try await Self.race(Self.writers) { writer in
                    var xml = XMLWriter(root: "CompleteMultipartUpload")
                    xml.element("Part") {
                        $0.element("PartNumber", "1")
                        $0.element("ETag", "\"\(completions[writer].part.etag)\"")
                    }
                    return try await server.raw(
                        .post, "/b/\(key)", query: [.init("uploadId", completions[writer].id)],
                        headers: [("If-None-Match", "*")], body: Array(xml.finish().utf8)
                    ).status
                }
                let winners = statuses.indices.filter { statuses[$0] == 200 }
                #expect(winners.count == 1, "round \(round): \(statuses)")
                if let winner = winners.first {
                    #expect(try await client.getObjectBytes(bucket: "b", key: key) == Array("upload \(winner)".utf8))
                }
                for upload in uploads {
                    try? await client.abortMultipartUpload(bucket: "b", key: key, uploadId: upload.id)
                }
            }
        }
    }

    /// PUTs and DELETEs of one key at once in a versioned bucket: every one that answered 200/204 left
    /// exactly one version or delete marker, and the key's current state is the newest of them.
    @Test func putsAndDeletesOfOneKeyEachLeaveOneVersion() async throws {
        try await withMock({
            $0.buckets = ["b"]
            $0.storeContention = 0.001
        }) { server in
            let client = try server.client()
            try server.store.configure("b") { $0.versioning = .enabled }
            for round in 0..<Self.rounds {
                let key = "v\(round)"
                let statuses = try await Self.race(Self.writers) { writer in
                    writer % 2 == 0
                        ? try await server.raw(.put, "/b/\(key)", body: Array("put \(writer)".utf8)).status
                        : try await server.raw(.delete, "/b/\(key)").status
                }
                #expect(statuses.allSatisfy { $0 == 200 || $0 == 204 }, "round \(round): \(statuses)")
                let versions = try server.store.listVersions(
                    "b", prefix: key, delimiter: nil, keyMarker: nil, versionIdMarker: nil, maxKeys: 1000
                ).versions
                #expect(versions.count == Self.writers, "round \(round): \(versions.count) versions")
                let newest = try #require(versions.first { $0.isLatest }?.object, "round \(round)")
                let current = try await client.getObjectBytes(bucket: "b", key: key)
                if newest.isDeleteMarker {
                    #expect(current == nil, "round \(round)")
                } else {
                    #expect(current.map { Digest.md5($0).hexString } == newest.etag, "round \(round)")
                }
            }
        }
    }
}
