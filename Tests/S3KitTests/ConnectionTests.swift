import Foundation
import TestSupport
import Testing

@testable import S3Kit
@testable import S3Wire

/// `withConnection`: a task's requests sent from the thread it runs on, with no transfer thread.
@Suite("Connection threads")
struct ConnectionTests {
    static let credentials = Credentials(
        accessKeyId: "AKIAEXAMPLEKEY7WXYZ", secretAccessKey: "very/secret+value", source: "test")

    func client(_ server: ScriptedServer, transport: CurlTransport) throws -> S3Client {
        let configuration = S3Configuration(
            region: "us-east-1", endpoint: try .custom(server.endpoint), credentials: Self.credentials,
            retry: RetryPolicy(maxAttempts: 4, baseDelay: 0.001, maxDelay: 0.01))
        return S3Client(configuration: configuration, transport: transport)
    }

    static let body = (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 7) }

    static func answer(_ request: ScriptedServer.Request) -> ScriptedServer.Reply {
        request.method == "HEAD"
            ? .respond(status: 200, headers: ["ETag": "\"e\""])
            : .respond(status: 200, headers: ["ETag": "\"e\""], body: body)
    }

    /// A server that answers every request with the object, and a client on a transport of its own.
    func objectServer() throws -> (ScriptedServer, CurlTransport, S3Client) {
        let server = try ScriptedServer { request, _ in Self.answer(request) }
        let transport = CurlTransport()
        return (server, transport, try client(server, transport: transport))
    }

    @Test func collectedRequestsGoOutFromTheTasksOwnThread() async throws {
        let (server, transport, s3) = try objectServer()
        defer { server.stop() }
        try await s3.withConnection {
            #expect(ConnectionThread.current?.isCurrentThread == true)
            for _ in 0..<3 { #expect(try await s3.getObjectBytes(bucket: "b", key: "k") == Self.body) }
            #expect(try await s3.headObject(bucket: "b", key: "k")?.etag == "e")
            _ = try await s3.putObject(bucket: "b", key: "k", body: .bytes([1, 2, 3]))
            #expect(ConnectionThread.current?.isCurrentThread == true)
        }
        #expect(transport.transferThreadCount == 0)
        #expect(server.requests.count == 5)
        // Outside it, the same requests take a transfer thread.
        _ = try await s3.getObjectBytes(bucket: "b", key: "k")
        #expect(transport.transferThreadCount == 1)
        #expect(ConnectionThread.current == nil)
    }

    @Test func aStreamedBodyAndChildTasksStillWork() async throws {
        let (server, transport, s3) = try objectServer()
        defer { server.stop() }
        try await s3.withConnection {
            // The body's consumer is this task, so the transfer runs elsewhere (inline, it would wait on itself).
            let object = try #require(try await s3.getObject(bucket: "b", key: "k"))
            var got: [UInt8] = []
            for try await chunk in object.body { got += chunk }
            #expect(got == Self.body)
            #expect(transport.transferThreadCount == 1)
            let results = try await withThrowingTaskGroup(of: [UInt8]?.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        // Child tasks run on the connection's thread too (their requests one at a time).
                        #expect(ConnectionThread.current?.isCurrentThread == true)
                        return try await s3.getObjectBytes(bucket: "b", key: "k")
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(results.count == 8 && results.allSatisfy { $0 == Self.body })
        }
    }

    @Test func retriesAndErrorsBehaveAsElsewhere() async throws {
        let server = try ScriptedServer { request, i in
            switch i {
            case 0: .respond(status: 503, body: s3ErrorXML("SlowDown", "Please reduce your request rate."))
            case 1: .close
            case 2: Self.answer(request)
            default:
                .respond(
                    status: 403,
                    body: s3ErrorXML("SignatureDoesNotMatch", "The request signature we calculated does not match"))
            }
        }
        defer { server.stop() }
        let s3 = try client(server, transport: CurlTransport())
        try await s3.withConnection {
            #expect(try await s3.getObjectBytes(bucket: "b", key: "k") == Self.body)  // a 503 and a drop, then the body
            do {
                _ = try await s3.headObject(bucket: "b", key: "k")
                Issue.record("a 403 answer must throw")
            } catch let error as S3Error {
                #expect(error.status == 403)
            }
        }
        #expect(server.requests.count == 5)  // the HEAD's bare 403 is followed by a one-byte GET that names the code
    }

    @Test func aRequestOnTheConnectionIsCancelledWithItsTask() async throws {
        // Silent for far longer than the bound below: only the cancellation can end the request in time
        // (the bound is loose because the whole suite shares two cores and a starved task pool).
        let server = try ScriptedServer { _, _ in .stall(300) }
        defer { server.stop() }
        var configuration = S3Configuration(
            region: "us-east-1", endpoint: try .custom(server.endpoint), credentials: Self.credentials, retry: .none)
        configuration.transport.idleTimeout = 600
        let s3 = S3Client(configuration: configuration)
        let started = Date()
        let task = Task {
            try await s3.withConnection { try await s3.getObjectBytes(bucket: "b", key: "k") }
        }
        try await Task.sleep(for: .milliseconds(200))
        task.cancel()
        await #expect(throws: (any Error).self) { _ = try await task.value }
        #expect(Date().timeIntervalSince(started) < 120)
    }
}
