import Foundation
import MockS3Server
import RaceData
import S3Kit
import S3Wire
import TestSupport
import Testing

@Suite("Mock S3: signatures and credentials")
struct AuthTests {
    static let second = MockCredential(accessKeyId: "AKIASECONDUSER000002", secretAccessKey: "second/secret")
    static let temporary = MockCredential(
        accessKeyId: "ASIATEMPORARY0000003", secretAccessKey: "temp-secret", sessionToken: "token-3")
    static let expired = MockCredential(
        accessKeyId: "ASIAEXPIRED000000004", secretAccessKey: "old-secret", sessionToken: "token-4", expired: true)

    func configure(_ c: inout MockS3Server.Configuration) {
        c.buckets = ["b"]
        c.credentials = [MockS3Server.defaultCredential, Self.second, Self.temporary, Self.expired]
    }

    func credentials(_ m: MockCredential, secret: String? = nil, token: String? = nil) -> Credentials {
        Credentials(
            accessKeyId: m.accessKeyId, secretAccessKey: secret ?? m.secretAccessKey,
            sessionToken: token ?? m.sessionToken)
    }

    @Test func severalKeyPairsAndSessionTokens() async throws {
        try await withMock(configure) { server in
            _ = try await server.client(credentials: credentials(Self.second)).putObject(
                bucket: "b", key: "k", body: .bytes([1]))
            #expect(
                try await server.client(credentials: credentials(Self.temporary)).getObjectBytes(bucket: "b", key: "k")
                    == [1])
            #expect(
                server.journal.entries.map(\.principal) == [
                    .user(Self.second.accessKeyId), .user(Self.temporary.accessKeyId),
                ])
        }
    }

    @Test(arguments: [
        ("unknown key", "InvalidAccessKeyId"), ("wrong secret", "SignatureDoesNotMatch"),
        ("wrong token", "InvalidToken"),
        ("expired token", "ExpiredToken"), ("skewed clock", "RequestTimeTooSkewed"),
        ("wrong region", "AuthorizationHeaderMalformed"),
    ])
    func badCredentialsAreRefusedWithS3Codes(_ situation: String, _ code: String) async throws {
        try await withMock(configure) { server in
            var client: S3Client
            switch situation {
            case "unknown key":
                client = try server.client(
                    credentials: Credentials(accessKeyId: "AKIANOBODY0000000000", secretAccessKey: "x"))
            case "wrong secret": client = try server.client(credentials: credentials(Self.second, secret: "not-it"))
            case "wrong token": client = try server.client(credentials: credentials(Self.temporary, token: "forged"))
            case "expired token": client = try server.client(credentials: credentials(Self.expired))
            case "skewed clock": client = try server.client(now: { Date().addingTimeInterval(-16 * 60) })
            default:
                var c = S3Configuration(
                    region: "eu-west-1", endpoint: try .custom(server.endpoint),
                    credentials: credentials(MockS3Server.defaultCredential), retry: .none)
                c.transport.idleTimeout = 5
                client = S3Client(configuration: c)
            }
            let error = await #expect(throws: S3Error.self) {
                _ = try await client.putObject(bucket: "b", key: "k", body: .bytes([1]))
            }
            #expect(error?.code == code)
            if code == "AuthorizationHeaderMalformed" { #expect("\(error!)".contains("AWS_REGION=us-east-1")) }
            #expect(try server.store.list("b", prefix: "", delimiter: nil, after: nil, maxKeys: 10).objects.isEmpty)
            #expect(server.journal.entries.count == 1)  // refused at once, never retried
        }
    }

    @Test func aSmallSkewIsAccepted() async throws {
        try await withMock(configure) { server in
            _ = try await server.client(now: { Date().addingTimeInterval(-14 * 60) }).putObject(
                bucket: "b", key: "k", body: .bytes([1]))
        }
    }

    @Test func presignedURLsExpire() async throws {
        try await withMock(configure) { server in
            let client = try server.client()
            _ = try await client.putObject(bucket: "b", key: "data/a b.csv", body: .bytes(Array("x".utf8)))
            let fresh = try client.presignedURL(method: .get, bucket: "b", key: "data/a b.csv", expires: 60)
            #expect(try curl(fresh) == (200, "x"))
            let old = try server.client(now: { Date().addingTimeInterval(-120) })
                .presignedURL(method: .get, bucket: "b", key: "data/a b.csv", expires: 60)
            let (status, body) = try curl(old)
            #expect(status == 403 && body.contains("Request has expired"))
            let tampered = fresh.replacingOccurrences(of: "a%20b", with: "a%20c")
            #expect(try curl(tampered).0 == 403)
        }
    }

    /// The credential scope must be exactly KEY/DAY/REGION/s3/aws4_request, its day the request's.
    @Test func malformedCredentialScopesAreRefused() async throws {
        try await withMock(configure) { server in
            let client = try server.client()
            _ = try await client.putObject(bucket: "b", key: "k", body: .bytes(Array("x".utf8)))
            let url = try client.presignedURL(method: .get, bucket: "b", key: "k", expires: 60)
            #expect(try curl(url) == (200, "x"))
            let scope = try #require(url.firstRange(of: "%2Fus-east-1%2Fs3%2Faws4_request"))
            let day = try #require(url.firstRange(of: #/%2F20\d{6}%2F/#))
            for broken in [
                url.replacingCharacters(in: scope, with: "%2Fus-east-1%2Fs3%2Faws4_request%2Fmore"),  // six fields
                url.replacingCharacters(in: scope, with: "%2Fus-east-1%2Faws4_request"),  // four
                url.replacingCharacters(in: scope, with: "%2Fus-east-1%2Fs3%2Faws4_requesT"),
                url.replacingCharacters(in: scope, with: "%2Fus-east-1%2Fs3%2Faws4_request%2F"),  // an empty sixth
                url.replacingCharacters(in: day, with: "%2F19991231%2F"),  // another day
            ] {
                let (status, body) = try curl(broken)
                #expect(status == 400 && body.contains("AuthorizationHeaderMalformed"), "\(broken): \(status) \(body)")
            }
        }
    }

    @Test func signedChunksAreCheckedChunkByChunk() async throws {
        try await withMock(configure) { server in
            let body = bytes(3 << 20)
            _ = try await server.client(signing: .streaming).putObject(bucket: "b", key: "chunked", body: .bytes(body))
            #expect(try await server.client().getObjectBytes(bucket: "b", key: "chunked") == body)
            // A body whose second chunk was altered after signing fails, and nothing is stored.
            let signer = SigV4Signer(credentials: credentials(MockS3Server.defaultCredential), region: "us-east-1")
            let data = Array("a".utf8) + bytes(70_000)
            var request = HTTPRequest(
                method: .put,
                target: RequestTarget(scheme: "http", host: "127.0.0.1", port: server.port, path: "/b/forged"))
            request.headers.add("Content-Encoding", "aws-chunked")
            request.headers.add("x-amz-decoded-content-length", String(data.count))
            let date = Date()
            let seed = signer.sign(&request, payloadHash: ChunkSigner.payloadHash, date: date)
            var chunks = ChunkSigner(
                signingKey: signer.signingKey(AmzDate(date).day), amzDate: AmzDate(date).full,
                scope: seed.credentialScope, seedSignature: seed.signature, chunkSize: 65_536)
            var encoded: [UInt8] = []
            for (i, piece) in [Array(data[..<65_536]), Array(data[65_536...]), []].enumerated() {
                let signature = chunks.sign(chunkSHA256: Digest.sha256(piece).hexString)
                var sent = piece
                if i == 1 { sent[0] ^= 0xFF }
                encoded += ChunkSigner.header(size: piece.count, signature: signature) + sent + [13, 10]
            }
            request.body = .bytes(encoded)
            let response = try await CurlTransport().execute(request, streamBody: false)
            #expect(response.status == 403 && response.errorCode == "SignatureDoesNotMatch")
            #expect(try await server.client().headObject(bucket: "b", key: "forged") == nil)
        }
    }

    func curl(_ url: String) throws -> (Int, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["curl", "-s", "-w", "\n%{http_code}", url]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false)
        return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
    }
}

/// What botocore sends over https: `aws-chunked`, no chunk signatures, a CRC32 in a trailer.
@Suite("Mock S3: unsigned aws-chunked bodies with checksum trailers")
struct TrailerTests {
    /// Bit by bit, independent of the slice-by-8 code under test.
    func crc32(_ data: [UInt8], polynomial: UInt32 = 0xEDB8_8320) -> String {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ polynomial : crc >> 1 }
        }
        crc ^= 0xFFFF_FFFF
        return Data([UInt8(crc >> 24), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc & 0xFF)])
            .base64EncodedString()
    }

    func body(_ data: [UInt8], checksum: String, name: String = "x-amz-checksum-crc32") -> [UInt8] {
        var out: [UInt8] = []
        for start in stride(from: 0, to: data.count, by: 40_000) {
            let piece = Array(data[start..<min(start + 40_000, data.count)])
            out += Array("\(String(piece.count, radix: 16))\r\n".utf8) + piece + [13, 10]
        }
        return out + Array("0\r\n\(name):\(checksum)\r\n\r\n".utf8)
    }

    @Test func checksumTrailersAreChecked() async throws {
        try await withMock({ $0.buckets = ["b"] }) { server in
            let data = bytes(100_000)
            let headers = [
                ("Content-Encoding", "aws-chunked"), ("x-amz-decoded-content-length", String(data.count)),
                ("x-amz-trailer", "x-amz-checksum-crc32"), ("x-amz-sdk-checksum-algorithm", "CRC32"),
            ]
            let good = try await server.raw(
                .put, "/b/t", headers: headers, body: body(data, checksum: crc32(data)),
                payloadHash: "STREAMING-UNSIGNED-PAYLOAD-TRAILER")
            #expect(good.status == 200)
            #expect(good.head.headers["x-amz-checksum-crc32"] == crc32(data))
            #expect(try await server.client().getObjectBytes(bucket: "b", key: "t") == data)
            let bad = try await server.raw(
                .put, "/b/u", headers: headers, body: body(data, checksum: crc32([1])),
                payloadHash: "STREAMING-UNSIGNED-PAYLOAD-TRAILER")
            #expect(bad.status == 400 && bad.errorCode == "BadDigest")
            #expect(try await server.client().headObject(bucket: "b", key: "u") == nil)
        }
    }

    @Test func crc32cTrailersFromOurClientAndByHand() async throws {
        try await withMock({ $0.buckets = ["b"] }) { server in
            let data = bytes((3 << 20) + 5)
            let castagnoli: UInt32 = 0x82F6_3B78
            let headers = [
                ("Content-Encoding", "aws-chunked"), ("x-amz-decoded-content-length", String(data.count)),
                ("x-amz-trailer", "x-amz-checksum-crc32c"),
            ]
            let good = try await server.raw(
                .put, "/b/h", headers: headers,
                body: body(data, checksum: crc32(data, polynomial: castagnoli), name: "x-amz-checksum-crc32c"),
                payloadHash: "STREAMING-UNSIGNED-PAYLOAD-TRAILER")
            #expect(
                good.status == 200 && good.head.headers["x-amz-checksum-crc32c"] == crc32(data, polynomial: castagnoli))
            let bad = try await server.raw(
                .put, "/b/i", headers: headers,
                body: body(data, checksum: crc32(data), name: "x-amz-checksum-crc32c"),
                payloadHash: "STREAMING-UNSIGNED-PAYLOAD-TRAILER")
            #expect(bad.status == 400 && bad.errorCode == "BadDigest")

            // The client's checksum mode: one pass over the body, the mock checks the trailer.
            let put = try await server.client(signing: .checksumTrailer).putObject(
                bucket: "b", key: "c", body: .bytes(data))
            #expect(put.etag == Digest.md5(data).hexString)
            #expect(try await server.client().getObjectBytes(bucket: "b", key: "c") == data)
            let head = try await server.raw(.head, "/b/c", headers: [("x-amz-checksum-mode", "ENABLED")])
            // It came as a trailer.
            #expect(head.head.headers["x-amz-checksum-crc32c"] == crc32(data, polynomial: castagnoli))
        }
    }
}
