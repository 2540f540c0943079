import Foundation
import RaceData
import RaceDataTesting
import S3Kit
import S3Wire
import TestSupport
import Testing

@testable import MockS3Server

@Suite("Mock S3: S3's semantics")
struct SemanticsTests {
    @Test func listingOrderPagesAndPrefixes() async throws {
        try await withMock({ $0.buckets = ["b"] }) { server in
            let client = try server.client()
            var keys = ["data/é.csv", "data/B.csv", "data/a.csv", "data/z.csv", "data/~.csv", "data/a b/c.csv", "top"]
            for i in 0..<2_100 { keys.append(String(format: "data/t%04d/Race 1/x.csv", i)) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for chunk in stride(from: 0, to: keys.count, by: 300) {
                    let part = keys[chunk..<min(chunk + 300, keys.count)]
                    group.addTask {
                        for key in part { _ = try await client.putObject(bucket: "b", key: key, body: .bytes([1])) }
                    }
                }
                try await group.waitForAll()
            }
            let page = try await client.listObjectsV2(bucket: "b", prefix: "data/", maxKeys: 5000)
            #expect(page.objects.count == 1000 && page.isTruncated)
            let all = try await client.listAll(bucket: "b", prefix: "data/")
            let expected = keys.filter { $0.hasPrefix("data/") }.sorted {
                Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8))
            }
            #expect(all.objects.map(\.key) == expected)
            #expect(all.pages == 3)
            let folders = try await client.listAll(bucket: "b", prefix: "data/", delimiter: "/")
            #expect(folders.commonPrefixes.count == 2_101 && folders.commonPrefixes.first == "data/a b/")
            #expect(
                folders.objects.map(\.key) == ["data/B.csv", "data/a.csv", "data/z.csv", "data/~.csv", "data/é.csv"])
            #expect(folders.pages == 3)
            let after = try await client.listObjectsV2(
                bucket: "b", prefix: "data/", delimiter: "/", startAfter: "data/t2098/")
            #expect(after.commonPrefixes == ["data/t2099/"])
            let top = try await client.listObjectsV2(bucket: "b", delimiter: "/")
            #expect(top.commonPrefixes == ["data/"] && top.objects.map(\.key) == ["top"])
        }
    }

    @Test func rangesAndConditionals() async throws {
        try await withMock({ $0.buckets = ["b"] }) { server in
            let client = try server.client()
            let body = bytes(10_000)
            let etag = try await client.putObject(bucket: "b", key: "k", body: .bytes(body)).etag
            #expect(etag == Digest.md5(body).hexString)
            for (range, expected) in [
                (ByteRange.closed(10, 19), Array(body[10...19])), (.from(9_990), Array(body[9_990...])),
                (.suffix(5), Array(body[9_995...])), (.closed(9_998, 20_000), Array(body[9_998...])),
            ] {
                let object = try #require(try await client.getObject(bucket: "b", key: "k", range: range))
                var got: [UInt8] = []
                for try await chunk in object.body { got += chunk }
                #expect(got == expected)
            }
            let unsatisfiable = try await server.raw(.get, "/b/k", headers: [("Range", "bytes=20000-")])
            #expect(unsatisfiable.status == 416 && unsatisfiable.errorCode == "InvalidRange")
            let partial = try await server.raw(.get, "/b/k", headers: [("Range", "bytes=0-0")])
            #expect(partial.status == 206 && partial.head.headers["Content-Range"] == "bytes 0-0/10000")
            #expect(try await server.raw(.get, "/b/k", headers: [("If-Match", "\"nope\"")]).status == 412)
            #expect(try await server.raw(.get, "/b/k", headers: [("If-Match", "\"\(etag)\"")]).status == 200)
            #expect(try await server.raw(.get, "/b/k", headers: [("If-None-Match", "\"\(etag)\"")]).status == 304)
            #expect(
                try await server.raw(.get, "/b/k", headers: [("If-Modified-Since", "Sun, 01 Jan 2090 00:00:00 GMT")])
                    .status == 304)
            #expect(
                try await server.raw(.get, "/b/k", headers: [("If-Unmodified-Since", "Mon, 01 Jan 2001 00:00:00 GMT")])
                    .status == 412)
            #expect(try await server.raw(.head, "/b/k").head.headers["Content-Length"] == "10000")
        }
    }

    @Test func multipartRules() async throws {
        try await withMock({ $0.buckets = ["b"] }) { server in
            let client = try server.client()
            let big = bytes(5 << 20)
            let tail = bytes(1000, seed: 2)
            let id = try await client.createMultipartUpload(bucket: "b", key: "m")
            let p1 = try await client.uploadPart(bucket: "b", key: "m", uploadId: id, partNumber: 1, body: .bytes(big))
            let p2 = try await client.uploadPart(bucket: "b", key: "m", uploadId: id, partNumber: 2, body: .bytes(tail))
            // Wrong ETag, then out of order, are refused; the upload survives both.
            let wrong = await #expect(throws: S3Error.self) {
                _ = try await client.completeMultipartUpload(
                    bucket: "b", key: "m", uploadId: id,
                    parts: [p1, CompletedPart(partNumber: 2, etag: "0000")])
            }
            #expect(wrong?.code == "InvalidPart")
            let xml =
                "<CompleteMultipartUpload><Part><PartNumber>2</PartNumber><ETag>\"\(p2.etag)\"</ETag></Part><Part><PartNumber>1</PartNumber><ETag>\"\(p1.etag)\"</ETag></Part></CompleteMultipartUpload>"
            let disorder = try await server.raw(.post, "/b/m", query: [.init("uploadId", id)], body: Array(xml.utf8))
            #expect(disorder.status == 400 && disorder.errorCode == "InvalidPartOrder")
            let done = try await client.completeMultipartUpload(bucket: "b", key: "m", uploadId: id, parts: [p1, p2])
            #expect(done.etag == Digest.md5(Digest.md5(big) + Digest.md5(tail)).hexString + "-2")
            #expect(try await client.getObjectBytes(bucket: "b", key: "m") == big + tail)
            // Parts under 5 MiB (but the last) are too small.
            let small = try await client.createMultipartUpload(bucket: "b", key: "s")
            let s1 = try await client.uploadPart(
                bucket: "b", key: "s", uploadId: small, partNumber: 1, body: .bytes(tail))
            let s2 = try await client.uploadPart(
                bucket: "b", key: "s", uploadId: small, partNumber: 2, body: .bytes(tail))
            let tooSmall = await #expect(throws: S3Error.self) {
                _ = try await client.completeMultipartUpload(bucket: "b", key: "s", uploadId: small, parts: [s1, s2])
            }
            #expect(tooSmall?.code == "EntityTooSmall")
            try await client.abortMultipartUpload(bucket: "b", key: "s", uploadId: small)
            let gone = await #expect(throws: S3Error.self) {
                _ = try await client.uploadPart(
                    bucket: "b", key: "s", uploadId: small, partNumber: 3, body: .bytes(tail))
            }
            #expect(gone?.code == "NoSuchUpload")
            let badNumber = try await server.raw(
                .put, "/b/m", query: [.init("partNumber", "10001"), .init("uploadId", id)], body: [1])
            #expect(badNumber.status == 404 || badNumber.errorCode == "InvalidArgument")
            #expect(try await client.listMultipartUploads(bucket: "b").isEmpty)
        }
    }

    @Test func aclsAndObjectOwnership() async throws {
        try await withMock({ $0.buckets = ["enforced"] }) { server in
            let client = try server.client()
            let refused = await #expect(throws: S3Error.self) {
                _ = try await client.putObject(
                    bucket: "enforced", key: "k", body: .bytes([1]), options: PutOptions(acl: "public-read"))
            }
            #expect(refused?.code == "AccessControlListNotSupported")
            #expect("\(refused!)".contains("bucket policy"))
            _ = try await client.putObject(bucket: "enforced", key: "k", body: .bytes([1]))

            try server.store.createBucket("open")
            try server.store.setOwnership("open", .objectWriter)
            _ = try await client.putObject(
                bucket: "open", key: "public.csv", body: .bytes([7]), options: PutOptions(acl: "public-read"))
            _ = try await client.putObject(bucket: "open", key: "private.csv", body: .bytes([8]))
            let anonymous = try server.client(anonymous: true)
            #expect(try await anonymous.getObjectBytes(bucket: "open", key: "public.csv") == [7])
            #expect(try await anonymous.headObject(bucket: "open", key: "public.csv")?.size == 1)
            for attempt in [
                { _ = try await anonymous.getObjectBytes(bucket: "open", key: "private.csv") },
                { _ = try await anonymous.getObjectBytes(bucket: "open", key: "missing.csv") },
                { _ = try await anonymous.listObjectsV2(bucket: "open") },
                { _ = try await anonymous.putObject(bucket: "open", key: "x", body: .bytes([1])) },
            ] as [@Sendable () async throws -> Void] {
                let error = await #expect(throws: S3Error.self) { try await attempt() }
                #expect(error?.code == "AccessDenied")
            }
        }
    }

    @Test func errorCodesAndStatuses() async throws {
        try await withMock({ $0.buckets = ["b"] }) { server in
            let client = try server.client()
            let noBucket = await #expect(throws: S3Error.self) {
                _ = try await client.listObjectsV2(bucket: "missing-bucket")
            }
            #expect(noBucket?.code == "NoSuchBucket" && noBucket?.status == 404)
            #expect(try await client.getObject(bucket: "b", key: "missing") == nil)
            let missing = try await server.raw(.get, "/b/missing")
            #expect(missing.status == 404 && missing.errorCode == "NoSuchKey")
            let badMD5 = try await server.raw(
                .put, "/b/x", headers: [("Content-MD5", Data(Digest.md5([9])).base64EncodedString())], body: [1])
            #expect(badMD5.status == 400 && badMD5.errorCode == "BadDigest")
            let badSHA = try await server.raw(.put, "/b/x", body: [1], payloadHash: Digest.sha256([2]).hexString)
            #expect(badSHA.status == 400 && badSHA.errorCode == "XAmzContentSHA256Mismatch")
            // A bodyless request is held to its claim too: only the SHA-256 of nothing fits.
            let bodylessBadSHA = try await server.raw(.get, "/b/missing", payloadHash: Digest.sha256([2]).hexString)
            #expect(bodylessBadSHA.status == 400 && bodylessBadSHA.errorCode == "XAmzContentSHA256Mismatch")
            let bodylessBadMD5 = try await server.raw(
                .delete, "/b/x", headers: [("Content-MD5", Data(Digest.md5([9])).base64EncodedString())])
            #expect(bodylessBadMD5.status == 400 && bodylessBadMD5.errorCode == "BadDigest")
            let badXML = try await server.raw(
                .post, "/b/x", query: [.init("uploadId", "nope")], body: Array("<Complete".utf8))
            #expect(badXML.status == 400 && badXML.errorCode == "MalformedXML")
            let bomb = "<!DOCTYPE d [<!ENTITY a \"aaaa\">]><Delete><Object><Key>&a;</Key></Object></Delete>"
            let hostile = try await server.raw(
                .post, "/b", query: [.init("delete")],
                headers: [("Content-MD5", Data(Digest.md5(Array(bomb.utf8))).base64EncodedString())],
                body: Array(bomb.utf8))
            #expect(hostile.errorCode == "MalformedXML")
            let badName = try await server.raw(.put, "/Bad_Bucket")
            #expect(badName.errorCode == "InvalidBucketName")
            #expect(
                try await server.raw(.get, "/b", query: [.init("list-type", "2"), .init("max-keys", "-1")]).errorCode
                    == "InvalidArgument")
            let unsupported = try await server.raw(.put, "/b", query: [.init("lifecycle")], body: Array("<x/>".utf8))
            #expect(unsupported.status == 501 && unsupported.errorCode == "NotImplemented")
        }
    }

    @Test func copyDeleteAndBatchDelete() async throws {
        try await withMock({ $0.buckets = ["b"] }) { server in
            let client = try server.client()
            _ = try await client.putObject(
                bucket: "b", key: "src dir/ü.csv", body: .bytes(Array("x,y".utf8)),
                options: PutOptions(contentType: "text/csv", metadata: ["origin": "test"]))
            _ = try await client.copyObject(
                sourceBucket: "b", sourceKey: "src dir/ü.csv", bucket: "b", key: "dst/copy.csv")
            let head = try #require(try await client.headObject(bucket: "b", key: "dst/copy.csv"))
            #expect(head.contentType == "text/csv" && head.metadata["origin"] == "test")
            try await client.deleteObject(bucket: "b", key: "src dir/ü.csv")
            #expect(try await client.getObjectBytes(bucket: "b", key: "dst/copy.csv") == Array("x,y".utf8))
            let result = try await client.deleteObjects(bucket: "b", keys: ["dst/copy.csv", "never-existed"])
            #expect(result.errors.isEmpty && result.deleted.count == 2)
            #expect(try await client.listAll(bucket: "b").objects.isEmpty)
        }
    }

    @Test func diskStorageKeepsBytesInFilesAndRemovesThem() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mock-s3-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // The object files (the catalog's log lives beside them).
        func blobs() throws -> [String] {
            try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix("blob-") }
        }
        try await withMock({
            $0.buckets = ["b"]
            $0.dataDirectory = directory
        }) { server in
            let client = try server.client(signing: .streaming)
            let body = bytes(12 << 20)
            let key = "data/..hidden/~user/passwd"
            _ = try await client.putObject(bucket: "b", key: key, body: .bytes(body))
            #expect(try blobs().count == 1)
            #expect(try await client.getObjectBytes(bucket: "b", key: key) == body)
            let object = try #require(try await client.getObject(bucket: "b", key: key, range: .closed(5, 9)))
            var got: [UInt8] = []
            for try await chunk in object.body { got += chunk }
            #expect(got == Array(body[5...9]))
            try await client.deleteObject(bucket: "b", key: key)
            #expect(try blobs().isEmpty)
            // Dot segments are refused, and nothing is written.
            let climb = await #expect(throws: S3Error.self) {
                _ = try await client.putObject(bucket: "b", key: "../../etc/passwd", body: .bytes([1]))
            }
            #expect(climb?.code == "InvalidURI")
            #expect(try blobs().isEmpty)
        }
    }

    @Test func journalRecordsEveryRequest() async throws {
        try await withMock({ $0.buckets = ["b"] }) { server in
            let client = try server.client()
            _ = try await client.putObject(bucket: "b", key: "k", body: .bytes([1]))
            _ = try await client.getObject(bucket: "b", key: "missing")
            let entries = server.journal.entries
            #expect(entries.map(\.operation) == ["PutObject", "GetObject"])
            #expect(entries.map(\.status) == [200, 404])
            #expect(entries[1].errorCode == "NoSuchKey")
            #expect(entries.allSatisfy { $0.principal == .user(MockS3Server.defaultCredential.accessKeyId) })
        }
    }
}

@Suite("Mock S3: DeleteObjects needs a body checksum")
struct DeleteObjectsChecksumTests {
    /// Content-MD5 or an x-amz-checksum-<algorithm> header (any case) is required; x-amz-checksum-mode is not one.
    @Test func checksumHeadersCount() async throws {
        try await withMock({ $0.buckets = ["b"] }) { server in
            let body = Array("<Delete><Object><Key>k</Key></Object></Delete>".utf8)
            var crc = CRC32(.ieee)
            body.withUnsafeBytes { crc.update($0) }
            let checksum = Data(crc.bytes).base64EncodedString()
            for (headers, accepted) in [
                ([("x-amz-checksum-crc32", checksum)], true), ([("X-Amz-Checksum-CRC32", checksum)], true),
                ([("Content-MD5", Data(Digest.md5(body)).base64EncodedString())], true),
                ([("x-amz-checksum-mode", "ENABLED")], false), ([], false),
            ] as [([(String, String)], Bool)] {
                let answer = try await server.raw(.post, "/b", query: [.init("delete")], headers: headers, body: body)
                #expect((answer.status == 200) == accepted, "\(headers): \(answer.status) \(answer.errorCode ?? "")")
                if !accepted { #expect(answer.errorCode == "InvalidRequest") }
            }
        }
    }
}

@Suite("Mock S3: virtual-hosted addressing")
struct VirtualHostTests {
    /// `Host: BUCKET.localhost` names the bucket and the whole path is the key; plain `localhost` is path style.
    @Test func bucketFromTheHostName() async throws {
        try await withMock({ $0.buckets = ["b"] }) { server in
            _ = try await server.client().putObject(bucket: "b", key: "vh/k", body: .bytes([1, 2, 3]))
            let signer = SigV4Signer(
                credentials: Credentials(
                    accessKeyId: MockS3Server.defaultCredential.accessKeyId,
                    secretAccessKey: MockS3Server.defaultCredential.secretAccessKey), region: "us-east-1")
            func get(host: String, path: String) throws -> String {
                var request = HTTPRequest(
                    method: .get, target: RequestTarget(scheme: "http", host: host, port: server.port, path: path))
                signer.sign(&request, payloadHash: SigV4Signer.emptyPayloadSHA256, date: Date())
                let lines =
                    ["GET \(path) HTTP/1.1", "Host: \(host):\(server.port)"]
                    + request.headers.fields.map { "\($0.name): \($0.value)" }
                return try server.socketRequest(lines.joined(separator: "\r\n") + "\r\n\r\n")
            }
            let found = try get(host: "b.localhost", path: "/vh/k")
            #expect(found.hasPrefix("HTTP/1.1 200") && found.contains("Content-Length: 3"), "\(found)")
            let missing = try get(host: "b.localhost", path: "/vh/other")
            #expect(
                missing.contains("<Code>NoSuchKey</Code>") && missing.contains("<Resource>/b/vh/other</Resource>"),
                "\(missing)")
            let pathStyle = try get(host: "localhost", path: "/b/vh/k")
            #expect(pathStyle.hasPrefix("HTTP/1.1 200"), "\(pathStyle)")
        }
    }
}

/// A request the mock cannot serve as asked is 501 NotImplemented, never the plain operation: a
/// DeleteObjectTagging once deleted the object, and GET ?tagging answered with the object's body
/// (tagging, retention, legal hold, attributes and part numbers are implemented now; others take their place here).
@Suite("Mock S3: unimplemented sub-resources are 501, never another operation")
struct SubResourceTests {
    @Test(arguments: [
        (RequestMethod.delete, "retention"), (.get, "torrent"), (.put, "torrent"), (.delete, "legal-hold"),
        (.head, "attributes"),
        (.delete, "attributes"), (.head, "tagging"), (.post, "restore"), (.post, "select"),
    ])
    func objectSubResources(method: RequestMethod, query: String) async throws {
        try await withMock({ $0.buckets = ["b"] }) { server in
            let client = try server.client()
            _ = try await client.putObject(bucket: "b", key: "k", body: .bytes([1, 2, 3]))
            let parts = query.split(separator: "=", maxSplits: 1).map(String.init)
            let response = try await server.raw(
                method, "/b/k", query: [.init(parts[0], parts.count > 1 ? parts[1] : "")],
                body: method == .put ? [9] : [])
            #expect(response.status == 501, "\(method) ?\(query) answered \(response.status)")
            if method != .head {
                let error = try XML.parse(response.body)
                #expect(error.value("Code") == "NotImplemented" && !(error.value("Message") ?? "").isEmpty)
            }
            #expect(
                try await client.getObjectBytes(bucket: "b", key: "k") == [1, 2, 3],
                "the object was changed by \(method) ?\(query)")
            #expect(server.journal.entries.last?.operation == "GetObject")
        }
    }

    @Test func anInvalidCannedACLIsRefusedWithAMessage() async throws {
        try await withMock({
            $0.buckets = ["b"]
            $0.defaultOwnership = .objectWriter
        }) { server in
            let response = try await server.raw(.put, "/b/k", headers: [("x-amz-acl", "public-everything")], body: [1])
            let error = try XML.parse(response.body)
            #expect(response.status == 400 && error.value("Code") == "InvalidArgument")
            #expect(error.value("Message")?.contains("public-everything is not a canned ACL") == true, "\(error)")
        }
    }

    @Test func theNullVersionIsTheObjectAndPresignedURLsStillWork() async throws {
        try await withMock({ $0.buckets = ["b"] }) { server in
            let client = try server.client()
            _ = try await client.putObject(bucket: "b", key: "k", body: .bytes([7]))
            #expect(try await server.raw(.get, "/b/k", query: [.init("versionId", "null")]).body == [7])
            #expect(try await server.raw(.head, "/b/k", query: [.init("versionId", "null")]).status == 200)
            #expect(
                try await server.raw(
                    .get, "/b", query: [.init("list-type", "2"), .init("prefix", "k"), .init("x-id", "ListObjectsV2")]
                ).status == 200)
            let url = try client.presignedURL(method: .get, bucket: "b", key: "k", expires: 60)
            let components = try #require(URLComponents(string: url))
            let presigned = try await CurlTransport().execute(
                HTTPRequest(
                    method: .get,
                    target: RequestTarget(
                        scheme: "http", host: "127.0.0.1", port: server.port, path: "/b/k",
                        query: (components.queryItems ?? []).map { .init($0.name, $0.value ?? "") })), streamBody: false
            )
            #expect(presigned.status == 200 && presigned.body == [7])
            #expect(try await server.raw(.delete, "/b/k", query: [.init("versionId", "null")]).status == 204)
            #expect(try await client.headObject(bucket: "b", key: "k") == nil)
        }
    }
}

/// Behaviours boto3 relies on that the mock once got wrong: conditional writes, the standard
/// headers and GET's overrides of them, and checksums only with the whole object.
@Suite("Mock S3: conditional writes, standard headers, ranged checksums")
struct WriteConditionTests {
    @Test func conditionalWritesAreKept() async throws {
        try await withMock({ $0.buckets = ["b"] }) { server in
            let client = try server.client()
            let etag = try await client.putObject(bucket: "b", key: "k", body: .bytes([1])).etag
            #expect(try await server.raw(.put, "/b/k", headers: [("If-None-Match", "*")], body: [2]).status == 412)
            #expect(try await server.raw(.put, "/b/k", headers: [("If-Match", "\"0000\"")], body: [2]).status == 412)
            #expect(
                try await server.raw(.put, "/b/other", headers: [("If-Match", "\"\(etag)\"")], body: [2]).status == 404)
            #expect(
                try await server.raw(.put, "/b/k", headers: [("If-None-Match", "\"\(etag)\"")], body: [2]).status == 501
            )
            #expect(try await client.getObjectBytes(bucket: "b", key: "k") == [1])
            #expect(try await server.raw(.put, "/b/k", headers: [("If-Match", "\"\(etag)\"")], body: [3]).status == 200)
            #expect(try await server.raw(.put, "/b/new", headers: [("If-None-Match", "*")], body: [4]).status == 200)
            #expect(try await client.getObjectBytes(bucket: "b", key: "k") == [3])
            // A refused write leaves no bytes behind.
            #expect(server.counters.objects == 2)
        }
    }

    @Test func standardHeadersAndOverrides() async throws {
        try await withMock({ $0.buckets = ["b"] }) { server in
            _ = try await server.raw(
                .put, "/b/k",
                headers: [
                    ("Cache-Control", "max-age=60"), ("Content-Disposition", "attachment"),
                    ("Content-Language", "de"), ("Expires", "Wed, 21 Oct 2026 07:28:00 GMT"),
                ], body: [1])
            let head = try await server.raw(.head, "/b/k")
            #expect(
                head.head.headers["Cache-Control"] == "max-age=60"
                    && head.head.headers["Content-Disposition"] == "attachment")
            #expect(
                head.head.headers["Content-Language"] == "de"
                    && head.head.headers["Expires"] == "Wed, 21 Oct 2026 07:28:00 GMT")
            let over = try await server.raw(
                .get, "/b/k",
                query: [.init("response-content-type", "text/plain"), .init("response-cache-control", "no-cache")])
            #expect(
                over.head.headers["Content-Type"] == "text/plain" && over.head.headers["Cache-Control"] == "no-cache")
        }
    }

    @Test func aRangeComesWithoutTheWholeObjectsChecksum() async throws {
        try await withMock({ $0.buckets = ["b"] }) { server in
            let body = Array("0123456789".utf8)
            var crc = CRC32(.castagnoli)
            body.withUnsafeBytes { crc.update($0) }
            let value = Data(withUnsafeBytes(of: crc.value.bigEndian) { Array($0) }).base64EncodedString()
            #expect(
                try await server.raw(.put, "/b/k", headers: [("x-amz-checksum-crc32c", value)], body: body).status
                    == 200)
            let whole = try await server.raw(.get, "/b/k", headers: [("x-amz-checksum-mode", "ENABLED")])
            #expect(whole.head.headers["x-amz-checksum-crc32c"] == value)
            let part = try await server.raw(
                .get, "/b/k", headers: [("x-amz-checksum-mode", "ENABLED"), ("Range", "bytes=2-4")])
            #expect(
                part.status == 206 && part.body == Array("234".utf8)
                    && part.head.headers["x-amz-checksum-crc32c"] == nil)
        }
    }
}

@Suite("Mock S3: object tagging")
struct TaggingTests {
    @Test func tagsRoundTripAndNeverTouchTheObject() async throws {
        try await withMock({ $0.buckets = ["b"] }) { server in
            let client = try server.client()
            _ = try await server.raw(
                .put, "/b/k", headers: [("x-amz-tagging", "team=red&empty=&sp%20ace=a%2Bb")], body: [1, 2])
            let head = try await server.raw(.head, "/b/k")
            #expect(head.head.headers["x-amz-tagging-count"] == "3")
            let tags = try XML.parse(try await server.raw(.get, "/b/k", query: [.init("tagging")]).body)
            let pairs =
                tags.child("TagSet")?.children("Tag").map { ($0.value("Key") ?? "", $0.value("Value") ?? "") } ?? []
            // Back by key, as S3 gives them.
            #expect(pairs.map(\.0) == ["empty", "sp ace", "team"] && pairs.map(\.1) == ["", "a+b", "red"])
            let replace = Array("<Tagging><TagSet><Tag><Key>only</Key><Value>one</Value></Tag></TagSet></Tagging>".utf8)
            #expect(try await server.raw(.put, "/b/k", query: [.init("tagging")], body: replace).status == 200)
            #expect(try await server.raw(.head, "/b/k").head.headers["x-amz-tagging-count"] == "1")
            #expect(try await server.raw(.delete, "/b/k", query: [.init("tagging")]).status == 204)
            #expect(try await server.raw(.head, "/b/k").head.headers["x-amz-tagging-count"] == nil)
            #expect(try await client.getObjectBytes(bucket: "b", key: "k") == [1, 2])
            // S3's limits: 10 tags, unique keys.
            let eleven =
                "<Tagging><TagSet>" + (0..<11).map { "<Tag><Key>k\($0)</Key><Value>v</Value></Tag>" }.joined()
                + "</TagSet></Tagging>"
            #expect(
                try await server.raw(.put, "/b/k", query: [.init("tagging")], body: Array(eleven.utf8)).status == 400)
            #expect(
                try await server.raw(.put, "/b/k2", headers: [("x-amz-tagging", "a=1&a=2")], body: [1]).status == 400)
            #expect(try await server.raw(.get, "/b/missing", query: [.init("tagging")]).status == 404)
        }
    }
}
