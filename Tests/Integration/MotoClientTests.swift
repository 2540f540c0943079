import Foundation
import RaceData
import S3Kit
import S3Wire
import TestSupport
import Testing

/// Every client operation against moto_server, whose S3 nobody here wrote.
@Suite("S3 client against moto_server", .quietLogs)
struct MotoClientTests {
    let moto: MotoServer
    init() async throws { moto = try await MotoServer.open.value }

    @Test func bucketChecks() async throws {
        let (client, bucket) = try await moto.bucket("heads")
        try await client.headBucket(bucket)
        let error = await #expect(throws: S3Error.self) { try await client.headBucket("no-such-bucket-racedata") }
        #expect(error?.code == "NoSuchBucket")
        #expect(error?.description.contains("S3_BUCKET_NAME") == true)
    }

    @Test(arguments: [
        "data/COTA/Race 1/99_Best 10 Laps By Driver_Race 1_Anonymized.CSV",
        "data/ü/ñ+é.csv", "data/a%20b/100% done.csv", "data/x/semi;colon=and&amp.csv",
    ])
    func putGetHeadRoundTrip(key: String) async throws {
        let (client, bucket) = try await moto.bucket("roundtrip")
        let body = Array("lap,value\n1,98765\n2,97654\n".utf8)
        let put = try await client.putObject(
            bucket: bucket, key: key, body: .bytes(body),
            options: PutOptions(contentType: "text/csv", metadata: ["sha256": "abc"]))
        #expect(put.etag == Digest.md5(body).hexString)
        let head = try #require(try await client.headObject(bucket: bucket, key: key))
        #expect(head.size == UInt64(body.count))
        #expect(head.contentType == "text/csv")
        #expect(head.metadata["sha256"] == "abc")
        #expect(try await client.getObjectBytes(bucket: bucket, key: key) == body)
        let listed = try await client.listAll(bucket: bucket, prefix: "data/")
        #expect(listed.objects.map(\.key) == [key])
    }

    @Test func rangeGet() async throws {
        let (client, bucket) = try await moto.bucket("range")
        let body = Array((0..<1000).map { UInt8($0 % 251) })
        _ = try await client.putObject(bucket: bucket, key: "r.bin", body: .bytes(body))
        let object = try #require(try await client.getObject(bucket: bucket, key: "r.bin", range: .closed(100, 199)))
        var got: [UInt8] = []
        for try await chunk in object.body { got += chunk }
        #expect(got == Array(body[100...199]))
    }

    @Test func missingObjectsAreNil() async throws {
        let (client, bucket) = try await moto.bucket("missing")
        #expect(try await client.getObject(bucket: bucket, key: "nope.csv") == nil)
        #expect(try await client.headObject(bucket: bucket, key: "nope.csv") == nil)
    }

    @Test func listingPagesPrefixesAndDelimiters() async throws {
        let (client, bucket) = try await moto.bucket("list")
        var keys: [String] = []
        for track in ["COTA", "Sonoma", "road america"] {
            for i in 0..<9 { keys.append("data/\(track)/Race 1/file \(i).csv") }
        }
        keys.append("data/top.csv")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for key in keys {
                group.addTask { _ = try await client.putObject(bucket: bucket, key: key, body: .bytes([1])) }
            }
            try await group.waitForAll()
        }
        let page = try await client.listObjectsV2(bucket: bucket, prefix: "data/", maxKeys: 5)
        #expect(page.objects.count == 5)
        #expect(page.isTruncated)
        let all = try await client.listAll(bucket: bucket, prefix: "data/")
        #expect(all.objects.map(\.key) == keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
        let tracks = try await client.listAll(bucket: bucket, prefix: "data/", delimiter: "/")
        #expect(tracks.commonPrefixes.sorted() == ["data/COTA/", "data/Sonoma/", "data/road america/"])
        #expect(tracks.objects.map(\.key) == ["data/top.csv"])
        let after = try await client.listObjectsV2(
            bucket: bucket, prefix: "data/", startAfter: "data/Sonoma/Race 1/file 8.csv")
        #expect(after.objects.first?.key == "data/road america/Race 1/file 0.csv")
    }

    @Test(arguments: [PayloadSigning.signed, .unsigned, .streaming, .checksumTrailer])
    func putFromFileAndMultipart(signing: PayloadSigning) async throws {
        let (_, bucket) = try await moto.bucket("multipart")
        let client = try moto.client(payloadSigning: signing)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("racedata-mp-\(UUID()).bin").path
        let bytes = TestSupport.bytes(11 << 20, seed: 42)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }

        // A plain PUT of a file range.
        _ = try await client.putObject(
            bucket: bucket, key: "slice.bin", body: .file(path: path, offset: 1000, length: 5000))
        #expect(try await client.getObjectBytes(bucket: bucket, key: "slice.bin") == Array(bytes[1000..<6000]))

        // Multipart: two 5 MiB parts and a 1 MiB tail, read from the file.
        let key = "data/big telemetry.csv"
        let id = try await client.createMultipartUpload(
            bucket: bucket, key: key, options: PutOptions(contentType: "text/csv"))
        #expect(try await client.listMultipartUploads(bucket: bucket).map(\.uploadId).contains(id))
        var parts: [CompletedPart] = []
        for (n, offset) in stride(from: 0, to: bytes.count, by: 5 << 20).enumerated() {
            let length = min(5 << 20, bytes.count - offset)
            parts.append(
                try await client.uploadPart(
                    bucket: bucket, key: key, uploadId: id, partNumber: n + 1,
                    body: .file(path: path, offset: UInt64(offset), length: UInt64(length))))
        }
        let done = try await client.completeMultipartUpload(bucket: bucket, key: key, uploadId: id, parts: parts)
        let md5s = parts.flatMap { part in
            stride(from: 0, to: 32, by: 2).map { UInt8(part.etag.dropFirst($0).prefix(2), radix: 16)! }
        }
        #expect(done.etag == "\(Digest.md5(md5s).hexString)-3")
        #expect(try await client.getObjectBytes(bucket: bucket, key: key) == bytes)
        #expect(try await client.listMultipartUploads(bucket: bucket).isEmpty)

        // An aborted upload leaves nothing behind.
        let aborted = try await client.createMultipartUpload(bucket: bucket, key: "gone.csv")
        _ = try await client.uploadPart(
            bucket: bucket, key: "gone.csv", uploadId: aborted, partNumber: 1, body: .bytes([1, 2, 3]))
        try await client.abortMultipartUpload(bucket: bucket, key: "gone.csv", uploadId: aborted)
        #expect(try await client.listMultipartUploads(bucket: bucket).isEmpty)
        #expect(try await client.headObject(bucket: bucket, key: "gone.csv") == nil)
    }

    /// moto with signature checks answers 500 to presigned URLs, so the open moto serves
    /// them here; the signature itself is pinned by the presigned vectors in RaceDataTests.
    @Test func presignedURLsWorkWithPlainCurl() async throws {
        let (client, bucket) = try await moto.bucket("presign")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("presign-\(UUID()).csv")
        try Data("lap,value\n1,2\n".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let put = try client.presignedURL(method: .put, bucket: bucket, key: "data/Race 1/p+q.csv", expires: 600)
        #expect(put.contains("X-Amz-Signature=") && put.contains("X-Amz-Expires=600"))
        #expect(try runCurl(["-sf", "-T", file.path, put]).status == 0)
        let get = try client.presignedURL(method: .get, bucket: bucket, key: "data/Race 1/p+q.csv")
        let fetched = try runCurl(["-sf", get])
        #expect(fetched.status == 0 && fetched.output == Data("lap,value\n1,2\n".utf8))
        #expect(throws: S3Error.self) {
            try client.presignedURL(method: .get, bucket: bucket, key: "k", expires: 700_000)
        }
    }

    func runCurl(_ arguments: [String]) throws -> (status: Int32, output: Data) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["curl"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    @Test func streamedGetArrivesInChunks() async throws {
        let (client, bucket) = try await moto.bucket("stream")
        let body = [UInt8](repeating: 7, count: 3 << 20)
        _ = try await client.putObject(bucket: bucket, key: "s.bin", body: .bytes(body))
        let object = try #require(try await client.getObject(bucket: bucket, key: "s.bin"))
        var chunks = 0
        var total = 0
        for try await chunk in object.body {
            chunks += 1
            total += chunk.count
        }
        #expect(total == body.count)
        #expect(chunks > 1)
    }

    @Test func deleteCopyAndBatchDelete() async throws {
        let (client, bucket) = try await moto.bucket("delete")
        _ = try await client.putObject(bucket: bucket, key: "a b.csv", body: .bytes(Array("x".utf8)))
        let copied = try await client.copyObject(
            sourceBucket: bucket, sourceKey: "a b.csv", bucket: bucket, key: "c+d.csv")
        #expect(copied.etag == Digest.md5(Array("x".utf8)).hexString)
        try await client.deleteObject(bucket: bucket, key: "a b.csv")
        #expect(try await client.headObject(bucket: bucket, key: "a b.csv") == nil)
        let keys = (0..<1005).map { "k/\($0) ü&<>.csv" }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for key in keys {
                group.addTask { _ = try await client.putObject(bucket: bucket, key: key, body: .bytes([])) }
            }
            try await group.waitForAll()
        }
        let result = try await client.deleteObjects(bucket: bucket, keys: keys + ["c+d.csv"])
        #expect(result.errors.isEmpty)
        #expect(result.deleted.count == keys.count + 1)
        #expect(try await client.listAll(bucket: bucket).objects.isEmpty)
    }

}

/// Signing and credential failures judged by moto's SigV4 verifier (plain keys only: see the fixture).
@Suite("S3 client against moto_server with signature checks", .quietLogs)
struct MotoAuthTests {
    let moto: MotoServer
    init() async throws { moto = try await MotoServer.auth.value }

    @Test(arguments: [PayloadSigning.signed, .unsigned, .streaming, .checksumTrailer])
    func validSignaturesAreAccepted(signing: PayloadSigning) async throws {
        let (_, bucket) = try await moto.bucket("signed")
        let client = try moto.client(payloadSigning: signing)
        let body = Array("a,b\n1,2\n".utf8)
        _ = try await client.putObject(
            bucket: bucket, key: "data/x.csv", body: .bytes(body),
            options: PutOptions(contentType: "text/csv", acl: "public-read"))
        #expect(try await client.getObjectBytes(bucket: bucket, key: "data/x.csv") == body)
        #expect(try await client.headObject(bucket: bucket, key: "data/x.csv")?.size == UInt64(body.count))
        #expect(try await client.listAll(bucket: bucket).objects.map(\.key) == ["data/x.csv"])
        let id = try await client.createMultipartUpload(bucket: bucket, key: "data/m.csv")
        let part = try await client.uploadPart(
            bucket: bucket, key: "data/m.csv", uploadId: id, partNumber: 1, body: .bytes(body))
        _ = try await client.completeMultipartUpload(bucket: bucket, key: "data/m.csv", uploadId: id, parts: [part])
        try await client.deleteObject(bucket: bucket, key: "data/x.csv")
        #expect(try await client.headObject(bucket: bucket, key: "data/x.csv") == nil)
    }

    @Test func wrongSecretIsSignatureDoesNotMatchAndNotRetried() async throws {
        let (_, bucket) = try await moto.bucket("auth")
        let bad = Credentials(accessKeyId: moto.credentials.accessKeyId, secretAccessKey: "wrong-secret-\(UUID())")
        let client = try moto.client(credentials: bad, retry: RetryPolicy(maxAttempts: 4, baseDelay: 0.01))
        let error = await #expect(throws: S3Error.self) {
            _ = try await client.putObject(bucket: bucket, key: "x.csv", body: .bytes([1]))
        }
        #expect(error?.code == "SignatureDoesNotMatch")
        guard case .service(let e) = error else {
            Issue.record("not a service error")
            return
        }
        #expect(e.attempts == 1)
        let text = "\(error!)"
        #expect(text.contains("AWS_SECRET_ACCESS_KEY"))
        #expect(!text.contains(bad.secretAccessKey))
        #expect(!text.contains(bad.accessKeyId))
        #expect(text.contains(bad.redactedKeyId))
        #expect(try await moto.client().headObject(bucket: bucket, key: "x.csv") == nil)
    }

    @Test func unknownKeyIsInvalidAccessKeyId() async throws {
        let (_, bucket) = try await moto.bucket("auth2")
        let client = try moto.client(
            credentials: Credentials(accessKeyId: "AKIAUNKNOWNKEY123XYZ", secretAccessKey: "s3cr3t-value"))
        let error = await #expect(throws: S3Error.self) { _ = try await client.listObjectsV2(bucket: bucket) }
        #expect(error?.code == "InvalidAccessKeyId")
        let text = "\(error!)"
        #expect(text.contains("…3XYZ") && text.contains("AWS_ACCESS_KEY_ID"))
        #expect(!text.contains("AKIAUNKNOWNKEY123XYZ") && !text.contains("s3cr3t-value"))
    }
}
