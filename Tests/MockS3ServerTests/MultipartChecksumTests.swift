import Foundation
import MockS3Server
import S3Kit
import S3Wire
import TestSupport
import Testing

/// Multipart uploads with checksums, as current SDKs send them by default: every part's checksum
/// kept, the object's COMPOSITE (of the parts' checksums) or FULL_OBJECT (CRCs of all bytes),
/// parts read back by number, and GetObjectAttributes.
@Suite("Mock S3: multipart checksums, part numbers, object attributes", .quietLogs)
struct MultipartChecksumTests {
    static func base64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

    /// Uploads three parts of 5 MiB, 5 MiB and 1 byte with `algorithm`/`type`; returns the complete answer.
    private func upload(_ server: MockS3Server, key: String, algorithm: String, type: String) async throws -> (
        XML.Element, [[UInt8]]
    ) {
        let created = try await server.raw(
            .post, "/b/\(key)", query: [.init("uploads")],
            headers: [("x-amz-checksum-algorithm", algorithm), ("x-amz-checksum-type", type)])
        #expect(created.head.headers["x-amz-checksum-type"] == type)
        let id = try #require(try XML.parse(created.body).value("UploadId"))
        let bodies: [[UInt8]] = [Array(repeating: 65, count: 5 << 20), Array(repeating: 66, count: 5 << 20), [67]]
        var parts = ""
        for (index, body) in bodies.enumerated() {
            let response = try await server.raw(
                .put, "/b/\(key)", query: [.init("partNumber", "\(index + 1)"), .init("uploadId", id)], body: body)
            #expect(response.status == 200)
            parts +=
                "<Part><PartNumber>\(index + 1)</PartNumber><ETag>\(response.head.headers["ETag"] ?? "")</ETag></Part>"
        }
        let listed = try XML.parse(try await server.raw(.get, "/b/\(key)", query: [.init("uploadId", id)]).body)
        #expect(listed.value("ChecksumAlgorithm") == algorithm && listed.children("Part").count == 3)
        let done = try await server.raw(
            .post, "/b/\(key)", query: [.init("uploadId", id)],
            body: Array("<CompleteMultipartUpload>\(parts)</CompleteMultipartUpload>".utf8))
        #expect(done.status == 200, "\(String(decoding: done.body, as: UTF8.self))")
        return (try XML.parse(done.body), bodies)
    }

    @Test func compositeChecksumsAndParts() async throws {
        try await withMock({ $0.buckets = ["b"] }) { server in
            let (done, bodies) = try await upload(server, key: "composite", algorithm: "SHA256", type: "COMPOSITE")
            let partSums = bodies.map { Digest.sha256($0) }
            let composite = Self.base64(Digest.sha256(partSums.flatMap { $0 })) + "-3"
            #expect(done.value("ChecksumSHA256") == composite && done.value("ChecksumType") == "COMPOSITE")

            let head = try await server.raw(.head, "/b/composite", headers: [("x-amz-checksum-mode", "ENABLED")])
            #expect(head.head.headers["x-amz-checksum-sha256"] == composite)
            let second = try await server.raw(
                .get, "/b/composite", query: [.init("partNumber", "2")], headers: [("x-amz-checksum-mode", "ENABLED")])
            #expect(
                second.status == 206 && second.body == bodies[1] && second.head.headers["x-amz-mp-parts-count"] == "3")
            #expect(second.head.headers["x-amz-checksum-sha256"] == Self.base64(partSums[1]))
            #expect(try await server.raw(.get, "/b/composite", query: [.init("partNumber", "4")]).status == 400)

            let attributes = try XML.parse(
                try await server.raw(
                    .get, "/b/composite", query: [.init("attributes")],
                    headers: [
                        ("x-amz-object-attributes", "ETag,Checksum,ObjectParts,ObjectSize"),
                        ("x-amz-max-parts", "2"),
                    ]
                ).body)
            #expect(attributes.value("ObjectSize") == String(10 << 20 + 1))
            #expect(attributes.child("Checksum")?.value("ChecksumSHA256") == composite)
            let parts = try #require(attributes.child("ObjectParts"))
            #expect(
                parts.value("TotalPartsCount") == "3" && parts.value("IsTruncated") == "true"
                    && parts.children("Part").count == 2)
            #expect(parts.children("Part").first?.value("ChecksumSHA256") == Self.base64(partSums[0]))

            // One PUT is one part: partNumber=1 is the whole object, 2 is refused.
            _ = try await server.raw(.put, "/b/single", body: [1, 2, 3])
            #expect(try await server.raw(.get, "/b/single", query: [.init("partNumber", "1")]).body == [1, 2, 3])
            #expect(try await server.raw(.get, "/b/single", query: [.init("partNumber", "2")]).status == 400)
        }
    }

    @Test func fullObjectCRCsCoverEveryByte() async throws {
        try await withMock({ $0.buckets = ["b"] }) { server in
            let (done, bodies) = try await upload(server, key: "full", algorithm: "CRC32", type: "FULL_OBJECT")
            var crc = CRC32(.ieee)
            for body in bodies { body.withUnsafeBytes { crc.update($0) } }
            #expect(
                done.value("ChecksumCRC32") == Self.base64(crc.bytes) && done.value("ChecksumType") == "FULL_OBJECT")
            let refused = try await server.raw(
                .post, "/b/x", query: [.init("uploads")],
                headers: [("x-amz-checksum-algorithm", "SHA256"), ("x-amz-checksum-type", "FULL_OBJECT")])
            #expect(refused.status == 400, "a hash cannot be FULL_OBJECT")
        }
    }
}
