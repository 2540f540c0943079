import Foundation
import MockS3Server
import RaceData
import RaceDataTesting
import S3Kit
import S3Wire
import TestSupport
import Testing

/// Sizes on both sides of the transfer limits, against the in-process mock over HTTP: the part of a
/// parted read (parts of several transport chunks, up to 16 in flight), the signed chunk of an upload,
/// and the uploader's multipart threshold. Bodies are seeded bytes, compared whole.
@Suite("Transfers at their boundaries", .quietLogs)
struct TransferBoundaryTests {
    static func bytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var random = SeededGenerator(seed: seed)
        var out = [UInt8]()
        out.reserveCapacity(count + 8)
        while out.count < count { withUnsafeBytes(of: random.next()) { out += $0 } }
        return Array(out.prefix(count))
    }

    /// Where two bodies first differ (a length difference counts), without printing megabytes.
    static func firstDifference(_ a: [UInt8], _ b: [UInt8]) -> Int? {
        if let index = (0..<min(a.count, b.count)).first(where: { a[$0] != b[$0] }) { return index }
        return a.count == b.count ? nil : min(a.count, b.count)
    }

    /// A transport that hands the body on in chunks of `chunk` bytes (1 MiB by default).
    func client(_ server: MockS3Server, chunk: Int) throws -> S3Client {
        var configuration = try server.client().configuration
        configuration.transport.streamChunkBytes = chunk
        return S3Client(configuration: configuration)
    }

    /// Parts around a multiple of the transport's chunk (so a part is one chunk, several, or a few
    /// bytes over), objects empty, one byte, and a byte either side of one and of several parts; 1 to
    /// 16 parts in flight. The small chunk makes every case cheap; the default one is checked once.
    @Test(arguments: [(4096, 4095), (4096, 4096), (4096, 4097), (4096, 3 * 4096 + 1), (1 << 20, (1 << 20) + 1)])
    func partedReadsJoinEveryByteInOrder(chunk: Int, partSize: Int) async throws {
        try await withMock { server in
            let client = try client(server, chunk: chunk)
            try await client.createBucket("parts")
            var random = SeededGenerator(seed: UInt64(partSize))
            let sizes =
                chunk < 1 << 20
                ? [0, 1, partSize - 1, partSize, partSize + 1, 5 * partSize - 1, 5 * partSize + 1] : [3 * partSize + 1]
            for size in sizes {
                let body = Self.bytes(size, seed: UInt64(size))
                _ = try await client.putObject(bucket: "parts", key: "o\(size)", body: .bytes(body))
                let concurrency = random.pick([1, 2, 4, 16])
                let object = try #require(
                    try await client.getObjectInParts(
                        bucket: "parts", key: "o\(size)",
                        options: DownloadOptions(partSize: partSize, concurrency: concurrency)))
                var got: [UInt8] = []
                for try await piece in object { got += piece }
                let what = "\(size) bytes in parts of \(partSize), chunks of \(chunk), \(concurrency) in flight"
                #expect(got.count == size, "\(what)")
                #expect(Self.firstDifference(got, body) == nil, "\(what): first difference at this byte")
            }
        }
    }

    /// Uploads a byte either side of the signed chunk (and of two), in each payload mode: the mock checks
    /// every chunk's signature and the trailer's checksum, and the bytes read back whole.
    @Test(arguments: PayloadSigning.allCases)
    func uploadsAroundTheSignedChunkArriveWhole(signing: PayloadSigning) async throws {
        try await withMock { server in
            let client = try server.client(signing: signing)
            try await client.createBucket("chunks")
            let chunk = ChunkSigner.defaultChunkSize
            for size in [chunk - 1, chunk, chunk + 1, 2 * chunk + 1] {
                let body = Self.bytes(size, seed: UInt64(size) ^ 0xC4)
                let put = try await client.putObject(bucket: "chunks", key: "c\(size)", body: .bytes(body))
                #expect(put.etag == Digest.md5(body).hexString, "\(size) bytes \(signing.name)")
                let back = try await client.getObjectBytes(bucket: "chunks", key: "c\(size)") ?? []
                #expect(Self.firstDifference(back, body) == nil, "\(size) bytes \(signing.name)")
            }
        }
    }

    /// Files a byte under, at and over the multipart threshold (and over a second part): below it one
    /// PUT, from it parts of `partSize`; every object equal to its file, ETag as S3 forms it.
    @Test func theMultipartThresholdSplitsExactlyAtItsSize() async throws {
        let threshold = 5 << 20  // S3's smallest part
        let sizes = [threshold - 1, threshold, threshold + 1, 2 * threshold + 1]
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("threshold-\(UUID())")
        defer { try? FileManager.default.removeItem(at: root) }
        let track = root.appendingPathComponent("sebring")
        try FileManager.default.createDirectory(at: track, withIntermediateDirectories: true)
        var bodies: [String: [UInt8]] = [:]
        for size in sizes {
            let body = Self.bytes(size, seed: UInt64(size))
            bodies["data/sebring/t\(size).csv"] = body
            try Data(body).write(to: track.appendingPathComponent("t\(size).csv"))
        }
        try await withMock { server in
            let client = try server.client(signing: .forUploads)
            try await client.createBucket("threshold")
            var options = Uploader.Options()
            options.multipartThreshold = UInt64(threshold)
            options.partSize = UInt64(threshold)
            options.acl = nil
            let report = try await Uploader(client: client, bucket: "threshold", options: options).upload(
                directory: root)
            #expect(report.succeeded && report.uploaded.count == sizes.count, "\(report.failed)")
            for (key, body) in bodies {
                let head = try #require(try await client.headObject(bucket: "threshold", key: key))
                let parts = (body.count + threshold - 1) / threshold
                let expected =
                    body.count < threshold
                    ? Digest.md5(body).hexString
                    : Digest.md5(
                        (0..<parts).flatMap { i in
                            Digest.md5(Array(body[(i * threshold)..<min(body.count, (i + 1) * threshold)]))
                        }
                    ).hexString + "-\(parts)"
                #expect(head.etag == expected, "\(key): \(head.etag)")
                let back = try await client.getObjectBytes(bucket: "threshold", key: key) ?? []
                #expect(Self.firstDifference(back, body) == nil, "\(key)")
            }
        }
    }
}
