import Foundation
import RaceDataTesting
import TestSupport
import Testing

@testable import S3Kit
@testable import S3Wire

/// The client against a server that fails on purpose: what is retried, what is not, and what the
/// person reading the error is told.
@Suite("Retries and error messages")
struct RetryAndErrorTests {
    static let credentials = Credentials(
        accessKeyId: "AKIAEXAMPLEKEY7WXYZ", secretAccessKey: "very/secret+value", source: "test")

    func client(
        _ server: ScriptedServer, attempts: Int = 4, idleTimeout: TimeInterval = 10,
        credentials: Credentials? = RetryAndErrorTests.credentials
    ) throws -> S3Client {
        var configuration = S3Configuration(
            region: "us-east-1", endpoint: try .custom(server.endpoint),
            credentials: credentials,
            retry: RetryPolicy(maxAttempts: attempts, baseDelay: 0.001, maxDelay: 0.01))
        configuration.transport.idleTimeout = idleTimeout
        return S3Client(configuration: configuration)
    }

    /// What no message may ever show.
    func expectNoSecret(_ text: String) {
        #expect(!text.contains(Self.credentials.secretAccessKey))
        #expect(!text.contains(Self.credentials.accessKeyId))
    }

    @Test func slowDownIsRetriedUntilItPasses() async throws {
        let server = try ScriptedServer { _, i in
            i < 2
                ? .respond(status: 503, body: s3ErrorXML("SlowDown", "Please reduce your request rate."))
                : .respond(status: 200, headers: ["ETag": "\"abc\""], body: Array("hello".utf8))
        }
        defer { server.stop() }
        #expect(try await client(server).getObjectBytes(bucket: "b", key: "k") == Array("hello".utf8))
        #expect(server.requests.count == 3)
    }

    @Test(arguments: [500, 502, 503, 504])
    func serverErrorsGiveUpAfterTheLimit(status: Int) async throws {
        let server = try ScriptedServer { _, _ in .respond(status: status) }
        defer { server.stop() }
        let error = await #expect(throws: S3Error.self) {
            _ = try await client(server, attempts: 3).listObjectsV2(bucket: "b")
        }
        #expect(server.requests.count == 3)
        guard case .service(let e) = error else {
            Issue.record("expected a service error")
            return
        }
        #expect(e.attempts == 3)
    }

    @Test(arguments: [
        ("InvalidAccessKeyId", 403, "AWS_ACCESS_KEY_ID"), ("SignatureDoesNotMatch", 403, "AWS_SECRET_ACCESS_KEY"),
        ("ExpiredToken", 400, "AWS_SESSION_TOKEN"), ("RequestTimeTooSkewed", 403, "clock"),
        ("AccessDenied", 403, "s3:GetObject"), ("InvalidToken", 400, "AWS_SESSION_TOKEN"),
    ])
    func authFailuresAreNotRetriedAndSayWhatToDo(code: String, status: Int, advice: String) async throws {
        let server = try ScriptedServer { _, _ in
            .respond(
                status: status,
                body: s3ErrorXML(
                    code, "Denied for AKIAEXAMPLEKEY7WXYZ",
                    extra: "<AWSAccessKeyId>AKIAEXAMPLEKEY7WXYZ</AWSAccessKeyId>"))
        }
        defer { server.stop() }
        let error = await #expect(throws: S3Error.self) {
            _ = try await client(server).getObject(bucket: "race-data", key: "data/x.csv")
        }
        #expect(server.requests.count == 1)
        #expect(error?.code == code)
        #expect(error?.isAuthFailure == true)
        let text = "\(error!)"
        #expect(text.contains(advice))
        #expect(text.contains("…WXYZ") || code == "RequestTimeTooSkewed")
        expectNoSecret(text)
    }

    @Test func accessDeniedNamesTheIAMActionAndResource() async throws {
        let server = try ScriptedServer { _, _ in
            .respond(status: 403, body: s3ErrorXML("AccessDenied", "Access Denied"))
        }
        defer { server.stop() }
        let error = await #expect(throws: S3Error.self) {
            _ = try await client(server).listObjectsV2(bucket: "race-data", prefix: "data/")
        }
        #expect("\(error!)".contains("s3:ListBucket on arn:aws:s3:::race-data"))
    }

    @Test func missingKeyIsNilWithoutRetry() async throws {
        let server = try ScriptedServer { _, _ in
            .respond(status: 404, body: s3ErrorXML("NoSuchKey", "The specified key does not exist."))
        }
        defer { server.stop() }
        #expect(try await client(server).getObject(bucket: "b", key: "missing.csv") == nil)
        #expect(server.requests.count == 1)
    }

    @Test func missingBucketIsAnErrorNotNil() async throws {
        let server = try ScriptedServer { _, _ in
            .respond(status: 404, body: s3ErrorXML("NoSuchBucket", "The specified bucket does not exist"))
        }
        defer { server.stop() }
        let error = await #expect(throws: S3Error.self) {
            _ = try await client(server).getObject(bucket: "nobucket", key: "x")
        }
        #expect(error?.code == "NoSuchBucket")
        #expect("\(error!)".contains("S3_BUCKET_NAME"))
    }

    @Test func wrongRegionNamesTheRightOne() async throws {
        let server = try ScriptedServer { _, _ in
            .respond(
                status: 301, headers: ["x-amz-bucket-region": "eu-west-1"],
                body: s3ErrorXML(
                    "PermanentRedirect",
                    "The bucket you are attempting to access must be addressed using the specified endpoint."))
        }
        defer { server.stop() }
        let error = await #expect(throws: S3Error.self) { _ = try await client(server).listObjectsV2(bucket: "b") }
        #expect("\(error!)".contains("Set AWS_REGION=eu-west-1"))
    }

    @Test func headBucketWithoutBodyAsksAListForTheReason() async throws {
        let server = try ScriptedServer { request, _ in
            request.method == "HEAD"
                ? .respond(status: 403)
                : .respond(
                    status: 403,
                    body: s3ErrorXML(
                        "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records."))
        }
        defer { server.stop() }
        let error = await #expect(throws: S3Error.self) { try await client(server).headBucket("b") }
        #expect(error?.code == "InvalidAccessKeyId")
        #expect(server.requests.map(\.method) == ["HEAD", "GET"])
    }

    @Test func droppedConnectionIsRetriedForIdempotentRequests() async throws {
        let server = try ScriptedServer { _, i in i == 0 ? .close : .respond(status: 200, headers: ["ETag": "\"e\""]) }
        defer { server.stop() }
        _ = try await client(server).putObject(bucket: "b", key: "k", body: .bytes(Array("data".utf8)))
        #expect(server.requests.count == 2)
        #expect(server.requests.allSatisfy { $0.body == Array("data".utf8) })
    }

    @Test func droppedConnectionIsNotRetriedForCreateMultipartUpload() async throws {
        let server = try ScriptedServer { _, _ in .close }
        defer { server.stop() }
        let error = await #expect(throws: S3Error.self) {
            _ = try await client(server).createMultipartUpload(bucket: "b", key: "k")
        }
        guard case .transport(let t, _, _) = error else {
            Issue.record("expected a transport error")
            return
        }
        #expect(t.kind == .connectionDropped)
        #expect(server.requests.count == 1)
    }

    @Test func streamedGetResumesWithARangePinnedToTheETag() async throws {
        let body = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let server = try ScriptedServer { request, i in
            if i == 0 {
                return .dropMidBody(
                    status: 200, headers: ["ETag": "\"v1\""], contentLength: body.count,
                    partial: Array(body[..<200_000]))
            }
            guard let range = request.headers["range"], request.headers["if-match"] == "\"v1\"" else {
                return .respond(status: 400)
            }
            let start = Int(range.dropFirst(6).split(separator: "-")[0])!
            return .respond(
                status: 206,
                headers: ["ETag": "\"v1\"", "Content-Range": "bytes \(start)-\(body.count - 1)/\(body.count)"],
                body: Array(body[start...]))
        }
        defer { server.stop() }
        let object = try #require(try await client(server).getObject(bucket: "b", key: "big.csv"))
        var got: [UInt8] = []
        for try await chunk in object.body { got += chunk }
        #expect(got == body)
        #expect(server.requests.count == 2)
        #expect(server.requests[1].headers["range"]?.hasSuffix("-\(body.count - 1)") == true)
    }

    @Test func wholeObjectReadIsSentAgainWholeAfterADrop() async throws {
        let body = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let server = try ScriptedServer { request, i in
            i == 0
                ? .dropMidBody(
                    status: 200, headers: ["ETag": "\"v1\""], contentLength: body.count,
                    partial: Array(body[..<200_000]))
                : .respond(status: 200, headers: ["ETag": "\"v1\""], body: body)
        }
        defer { server.stop() }
        #expect(try await client(server).getObjectBytes(bucket: "b", key: "big.csv") == body)
        #expect(server.requests.count == 2)
        #expect(server.requests.allSatisfy { $0.headers["range"] == nil })
    }

    @Test func wholeObjectReadOverItsLimitIsRefusedBeforeItsBody() async throws {
        let server = try ScriptedServer { _, _ in
            .respond(status: 200, headers: ["ETag": "\"e\""], body: [UInt8](repeating: 1, count: 5000))
        }
        defer { server.stop() }
        let error = await #expect(throws: S3Error.self) {
            _ = try await client(server).getObjectBytes(bucket: "b", key: "k", limit: 4096)
        }
        let message = String(describing: error)
        #expect(message.contains("4096-byte limit") && message.contains("stream it instead"))
        #expect(server.requests.count == 1)
        #expect(try await client(server).getObjectBytes(bucket: "b", key: "k", limit: 5000)?.count == 5000)
    }

    @Test func completeMultipartErrorInsideA200IsAnError() async throws {
        let server = try ScriptedServer { _, i in
            i == 0
                ? .respond(status: 200, body: s3ErrorXML("InternalError", "We encountered an internal error."))
                : .respond(
                    status: 200,
                    body: Array(
                        "<CompleteMultipartUploadResult><ETag>\"x-2\"</ETag></CompleteMultipartUploadResult>".utf8))
        }
        defer { server.stop() }
        let result = try await client(server).completeMultipartUpload(
            bucket: "b", key: "k", uploadId: "u",
            parts: [CompletedPart(partNumber: 1, etag: "a")])
        #expect(result.etag == "x-2")
        #expect(server.requests.count == 2)
        let sent = try XML.parse(server.requests[0].body)
        #expect(sent.children("Part").map { $0.value("ETag") } == ["\"a\""])
    }

    @Test func refusedConnectionSaysToCheckTheEndpoint() async throws {
        let (held, port) = try LoopbackSocket.refusingPort()
        defer { close(held) }
        var configuration = S3Configuration(
            endpoint: try .custom("http://127.0.0.1:\(port)"), credentials: Self.credentials,
            retry: RetryPolicy(maxAttempts: 2, baseDelay: 0.001))
        configuration.transport.connectTimeout = 2
        let error = await #expect(throws: S3Error.self) {
            _ = try await S3Client(configuration: configuration).listObjectsV2(bucket: "b")
        }
        guard case .transport(let t, _, let attempts) = error else {
            Issue.record("expected a transport error")
            return
        }
        #expect(t.kind == .connectionRefused)
        #expect(attempts == 2)
        #expect("\(error!)".contains("AWS_ENDPOINT_URL_S3"))
    }

    @Test func tlsToAPlainServerIsATLSError() async throws {
        let server = try ScriptedServer { _, _ in .respond(status: 400) }
        defer { server.stop() }
        let configuration = S3Configuration(
            endpoint: try .custom("https://127.0.0.1:\(server.port)"),
            credentials: Self.credentials, retry: .none)
        let error = await #expect(throws: S3Error.self) {
            _ = try await S3Client(configuration: configuration).listObjectsV2(bucket: "b")
        }
        guard case .transport(let t, _, _) = error else {
            Issue.record("expected a transport error, got \(String(describing: error))")
            return
        }
        #expect(t.kind == .tls)
        #expect("\(error!)".contains("http://"))
    }

    /// The server says nothing for 30 s; the client's 1 s idle timeout must end the wait (a dropped
    /// connection, the other possible outcome, would mean it did not). No wall-clock bound is asserted.
    @Test func aSilentServerTimesOut() async throws {
        let server = try ScriptedServer { _, _ in .stall(30) }
        defer { server.stop() }
        let error = await #expect(throws: S3Error.self) {
            _ = try await client(server, attempts: 1, idleTimeout: 1).listObjectsV2(bucket: "b")
        }
        guard case .transport(let t, _, _) = error else {
            Issue.record("expected a transport error")
            return
        }
        #expect(t.kind == .timeout)
    }

    @Test func hostileXMLIsRefusedNotExpanded() async throws {
        let bomb =
            "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;\">]><ListBucketResult><Name>&lol2;</Name></ListBucketResult>"
        let server = try ScriptedServer { _, _ in .respond(status: 200, body: Array(bomb.utf8)) }
        defer { server.stop() }
        let error = await #expect(throws: S3Error.self) { _ = try await client(server).listObjectsV2(bucket: "b") }
        guard case .invalidResponse = error else {
            Issue.record("expected invalidResponse, got \(String(describing: error))")
            return
        }
    }

    @Test func anOversizedAnswerIsRefused() async throws {
        let server = try ScriptedServer { _, _ in .respond(status: 200, body: [UInt8](repeating: 0x20, count: 200_000))
        }
        defer { server.stop() }
        var configuration = S3Configuration(
            endpoint: try .custom(server.endpoint), credentials: Self.credentials, retry: .none)
        configuration.transport.maxCollectedBodyBytes = 100_000
        let error = await #expect(throws: S3Error.self) {
            _ = try await S3Client(configuration: configuration).listObjectsV2(bucket: "b")
        }
        guard case .transport(let t, _, _) = error else {
            Issue.record("expected a transport error")
            return
        }
        #expect(t.kind == .responseTooLarge)
    }

    @Test func anonymousRequestsCarryNoAuthorization() async throws {
        let server = try ScriptedServer { _, _ in .respond(status: 200, headers: ["ETag": "\"e\""], body: [1, 2, 3]) }
        defer { server.stop() }
        #expect(try await client(server, credentials: nil).getObjectBytes(bucket: "b", key: "k") == [1, 2, 3])
        #expect(server.requests[0].headers["authorization"] == nil)
    }

    @Test func requestsAreSignedAndCarryContentMD5() async throws {
        let server = try ScriptedServer { _, _ in .respond(status: 200, headers: ["ETag": "\"e\""]) }
        defer { server.stop() }
        _ = try await client(server).putObject(
            bucket: "race-data", key: "data/COTA/Race 1/a b.csv", body: .bytes(Array("x,y\n".utf8)),
            options: PutOptions(contentType: "text/csv", acl: "public-read"))
        let request = try #require(server.requests.first)
        #expect(request.target == "/race-data/data/COTA/Race%201/a%20b.csv")
        #expect(request.headers["content-md5"] == Data(Digest.md5(Array("x,y\n".utf8))).base64EncodedString())
        #expect(request.headers["x-amz-content-sha256"] == Digest.sha256(Array("x,y\n".utf8)).hexString)
        #expect(request.headers["x-amz-acl"] == "public-read")
        #expect(
            request.headers["authorization"]?.contains(
                "SignedHeaders=content-md5;content-type;host;x-amz-acl;x-amz-content-sha256;x-amz-date") == true)
    }
}

@Suite("Request bodies")
struct RequestBodyTests {
    /// Small in-memory bodies are handed to curl whole (sent with the head), larger ones read through
    /// the callback: either way the server sees the method, the length and the bytes, and no form type.
    @Test func inMemoryBodiesArriveWholeWhicheverWayTheyAreSent() async throws {
        let server = try ScriptedServer { _, _ in
            .respond(status: 200, headers: ["ETag": "\"e\""], body: Array("<DeleteResult/>".utf8))
        }
        defer { server.stop() }
        let client = S3Client(
            configuration: S3Configuration(
                region: "us-east-1", endpoint: try .custom(server.endpoint),
                credentials: RetryAndErrorTests.credentials, retry: .none))
        let limit = TransportOptions.inlineBodyLimit
        let sizes = [1, 1024, limit, limit + 1, 300_000]
        let bodies = sizes.map { n in (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 7) } }
        for body in bodies { _ = try await client.putObject(bucket: "b", key: "k", body: .bytes(body)) }
        _ = try await client.deleteObjects(bucket: "b", keys: ["a", "b"])
        let requests = server.requests
        #expect(requests.count == sizes.count + 1)
        for (request, body) in zip(requests, bodies) {
            #expect(request.method == "PUT")
            #expect(request.body == body)
            #expect(request.headers["content-length"] == String(body.count))
            #expect(request.headers["content-type"] == nil)
        }
        let post = try #require(requests.last)
        #expect(post.method == "POST" && post.target.hasSuffix("?delete"))
        #expect(String(decoding: post.body, as: UTF8.self).contains("<Key>a</Key>"))
        #expect(post.headers["content-type"] == "application/xml")
    }
}

@Suite("Expect: 100-continue")
struct ExpectContinueTests {
    /// Small bodies go at once (asking first would cost a round trip each); large ones ask first, so a
    /// refused upload does not send its body.
    @Test func onlyLargeBodiesAskBeforeSending() async throws {
        let server = try ScriptedServer { _, _ in .respond(status: 200, headers: ["ETag": "\"e\""]) }
        defer { server.stop() }
        let client = S3Client(
            configuration: S3Configuration(
                region: "us-east-1", endpoint: try .custom(server.endpoint),
                credentials: RetryAndErrorTests.credentials, retry: .none))
        let threshold = Int(TransportOptions.expectContinueThreshold)
        for size in [1, 1024, threshold - 1, threshold, threshold + 1] {
            _ = try await client.putObject(
                bucket: "b", key: "k\(size)", body: .bytes([UInt8](repeating: 1, count: size)))
        }
        let asked = server.requests.map { $0.headers["expect"] }
        #expect(asked == [nil, nil, nil, "100-continue", "100-continue"])
        #expect(server.requests.map(\.body.count) == [1, 1024, threshold - 1, threshold, threshold + 1])
    }
}

@Suite("Bodies sent again")
struct RewindTests {
    /// A kept-alive connection the server has closed: curl sends the request again on a new one, from
    /// the body's first byte (with no retries of ours, so only that can save the upload). A signed
    /// aws-chunked body must come out the same the second time, as its chunk signatures chain from the
    /// request's own.
    @Test(arguments: [PayloadSigning.signed, .unsigned, .streaming, .checksumTrailer])
    func aBodyIsSentAgainFromItsStartOnAFreshConnection(signing: PayloadSigning) async throws {
        let server = try ScriptedServer { request, index in
            request.method == "PUT" && index == 1 ? .close : .respond(status: 200, headers: ["ETag": "\"e\""])
        }
        defer { server.stop() }
        let client = S3Client(
            configuration: S3Configuration(
                region: "us-east-1", endpoint: try .custom(server.endpoint),
                credentials: RetryAndErrorTests.credentials, retry: .none,
                payloadSigning: signing))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rewind-\(UUID())").path
        let data = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        #expect(FileManager.default.createFile(atPath: path, contents: Data(data)))
        defer { try? FileManager.default.removeItem(atPath: path) }

        _ = try await client.headObject(bucket: "b", key: "warm")  // opens the connection the PUT reuses
        _ = try await client.putObject(
            bucket: "b", key: "k", body: .file(path: path, offset: 0, length: UInt64(data.count)))
        let requests = server.requests
        #expect(requests.map(\.method) == ["HEAD", "PUT", "PUT"])
        #expect(requests.count == 3 && requests[1].body == requests[2].body && !requests[1].body.isEmpty)
    }
}
