import Foundation
import MockS3Server
import RaceData
import S3Kit
import S3Wire
import TestSupport
import Testing

@Suite("Mock S3: faults on demand")
struct FaultTests {
    @Test func slowDownIsRetriedByTheClientAndJournaled() async throws {
        try await withMock({ $0.buckets = ["b"] }) { server in
            let client = try server.client()
            _ = try await client.putObject(bucket: "b", key: "k", body: .bytes([1, 2, 3]))
            var plan = FaultPlan()
            plan.slowDownRate["GetObject"] = 1
            plan.maxFaults = 2
            server.setFaults(plan, seed: 7)
            #expect(try await client.getObjectBytes(bucket: "b", key: "k") == [1, 2, 3])
            let gets = server.journal.entries(operation: "GetObject")
            #expect(gets.map(\.status) == [503, 503, 200])
            #expect(gets.prefix(2).allSatisfy { $0.errorCode == "SlowDown" && $0.fault == "slowDown" })
        }
    }

    @Test func faultsAreReproducibleFromTheSeed() async throws {
        func run(seed: UInt64) async throws -> [Int] {
            try await withMock({ $0.buckets = ["b"] }) { server in
                let client = try server.client(retry: .none)
                _ = try await client.putObject(bucket: "b", key: "k", body: .bytes([1]))
                var plan = FaultPlan()
                plan.internalErrorRate["HeadObject"] = 0.5
                server.setFaults(plan, seed: seed)
                for _ in 0..<40 { _ = try? await client.headObject(bucket: "b", key: "k") }
                return server.journal.entries(operation: "HeadObject").map(\.status)
            }
        }
        let a = try await run(seed: 42)
        let b = try await run(seed: 42)
        let c = try await run(seed: 43)
        #expect(a == b)
        #expect(a != c)
        #expect(a.contains(500) && a.contains(200))
    }

    @Test func droppedConnectionsMidBodyAreSurvived() async throws {
        try await withMock({ $0.buckets = ["b"] }) { server in
            let client = try server.client()
            let body = bytes(4 << 20)
            var plan = FaultPlan()
            plan.dropMidBodyRate["PutObject"] = 1
            plan.maxFaults = 1
            server.setFaults(plan, seed: 1)
            _ = try await client.putObject(bucket: "b", key: "k", body: .bytes(body))  // dropped once, retried
            plan = FaultPlan()
            plan.dropMidBodyRate["GetObject"] = 1
            plan.maxFaults = 1
            server.setFaults(plan, seed: 1)
            let object = try #require(try await client.getObject(bucket: "b", key: "k"))
            var got: [UInt8] = []
            for try await chunk in object.body { got += chunk }
            #expect(got == body)  // cut once, resumed by range
            let entries = server.journal.entries
            #expect(entries.filter { $0.fault == "dropMidBody" }.count == 2)
            #expect(entries.contains { $0.operation == "GetObject" && $0.status == 206 })
        }
    }

    @Test func rejectedCredentialsAndListDenied() async throws {
        try await withMock({ $0.buckets = ["b"] }) { server in
            let client = try server.client()
            _ = try await client.putObject(bucket: "b", key: "data/COTA/x.csv", body: .bytes([1]))
            var plan = FaultPlan()
            plan.listBucketDenied = true
            server.setFaults(plan)
            let denied = await #expect(throws: S3Error.self) {
                _ = try await client.listObjectsV2(bucket: "b", prefix: "data/")
            }
            #expect(denied?.code == "AccessDenied")
            #expect("\(denied!)".contains("s3:ListBucket"))
            #expect(try await client.getObjectBytes(bucket: "b", key: "data/COTA/x.csv") == [1])
            // As on S3 without s3:ListBucket: HeadBucket is refused and a missing key is AccessDenied, not 404.
            let head = await #expect(throws: S3Error.self) { try await client.headBucket("b") }
            #expect(head?.code == "AccessDenied")
            let missing = await #expect(throws: S3Error.self) {
                _ = try await client.getObject(bucket: "b", key: "data/COTA/none.csv")
            }
            #expect(missing?.code == "AccessDenied" && missing?.status == 403)
            plan = FaultPlan()
            plan.rejectAllCredentials = true
            server.setFaults(plan)
            let rejected = await #expect(throws: S3Error.self) {
                _ = try await client.getObjectBytes(bucket: "b", key: "data/COTA/x.csv")
            }
            #expect(rejected?.code == "InvalidAccessKeyId")
        }
    }

    @Test func latencyIsAdded() async throws {
        try await withMock({ $0.buckets = ["b"] }) { server in
            var plan = FaultPlan()
            plan.latency = 0.2...0.2
            server.setFaults(plan)
            let started = Date()
            try await server.client().headBucket("b")
            #expect(Date().timeIntervalSince(started) >= 0.19)
        }
    }
}

@Suite("Mock S3: hostile and broken requests")
struct HostileInputTests {
    func expectAlive(_ server: MockS3Server) async throws {
        try await server.client().headBucket("b")
    }

    @Test func pathTricksAreRefused() async throws {
        try await withMock({ $0.buckets = ["b"] }) { server in
            for path in ["/b/../x", "/b/./x", "/../etc/passwd", "/b/a/%2e%2e/x", "/b/%ZZ"] {
                let answer = try server.socketRequest("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                #expect(
                    answer.hasPrefix("HTTP/1.1 400") && answer.contains("<Code>InvalidURI</Code>"),
                    "\(path): \(answer.prefix(80))")
            }
            // Targets that do not start with "/" (an escaped one does not count) are refused by the HTTP parser.
            for path in ["%2Fb/x", "b/x"] {
                let (answer, _) = try server.socketExchange(
                    "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", timeout: 2)
                #expect(answer.hasPrefix("HTTP/1.1 400"), "\(path): \(answer.prefix(80))")
            }
            try await expectAlive(server)
        }
    }

    @Test func absurdContentLengthIsRefusedBeforeAnyByte() async throws {
        try await withMock({ $0.buckets = ["b"] }) { server in
            let signer = SigV4Signer(
                credentials: Credentials(
                    accessKeyId: MockS3Server.defaultCredential.accessKeyId,
                    secretAccessKey: MockS3Server.defaultCredential.secretAccessKey), region: "us-east-1")
            var request = HTTPRequest(
                method: .put,
                target: RequestTarget(scheme: "http", host: "127.0.0.1", port: server.port, path: "/b/huge"))
            request.headers.add("Content-Length", "999999999999999")
            signer.sign(&request, payloadHash: SigV4Signer.unsignedPayload, date: Date())
            var text = "PUT /b/huge HTTP/1.1\r\nHost: 127.0.0.1:\(server.port)\r\n"
            for (name, value) in request.headers { text += "\(name): \(value)\r\n" }
            let answer = try server.socketRequest(text + "\r\n")
            #expect(answer.contains("<Code>EntityTooLarge</Code>"))
            try await expectAlive(server)
        }
    }

    @Test func headerFloodsAndGarbageDoNotHurtTheServer() async throws {
        try await withMock({ $0.buckets = ["b"] }) { server in
            var flood = "GET /b HTTP/1.1\r\nHost: x\r\n"
            for i in 0..<5_000 { flood += "X-Flood-\(i): \(String(repeating: "a", count: 40))\r\n" }
            let answer = try server.socketRequest(flood + "\r\n")
            #expect(answer.isEmpty || answer.hasPrefix("HTTP/1.1 4"))
            _ = try server.socketRequest("\u{16}\u{03}\u{01}garbage that is not HTTP\r\n\r\n")
            _ = try server.socketRequest("GET / HTTP/1.1\r\nContent-Length: -5\r\n\r\n")
            try await expectAlive(server)
        }
    }

    @Test func brokenBodiesGetS3Errors() async throws {
        try await withMock({ $0.buckets = ["b"] }) { server in
            let client = try server.client()
            let id = try await client.createMultipartUpload(bucket: "b", key: "m")
            for xml in [
                "<CompleteMultipartUpload><Part><PartNumber>x</PartNumber></Part></CompleteMultipartUpload>",
                "<CompleteMultipartUpload></CompleteMultipartUpload>", "not xml at all",
                String(repeating: "<a>", count: 10_000),
            ] {
                let r = try await server.raw(.post, "/b/m", query: [.init("uploadId", id)], body: Array(xml.utf8))
                #expect(r.status == 400 && r.errorCode == "MalformedXML")
            }
            let big = [UInt8](repeating: 0x20, count: 300 << 10)
            let tooBig = try await server.raw(.post, "/b/m", query: [.init("uploadId", id)], body: big)
            #expect(tooBig.status == 400)
            // A signed aws-chunked body cut short is incomplete, and stores nothing.
            let cut = try await server.raw(
                .put, "/b/cut", headers: [("Content-Encoding", "aws-chunked"), ("x-amz-decoded-content-length", "10")],
                body: Array("a;chunk-signature=00\r\n0123".utf8), payloadHash: "STREAMING-UNSIGNED-PAYLOAD-TRAILER")
            #expect(cut.status == 400)
            #expect(try await client.headObject(bucket: "b", key: "cut") == nil)
            try await expectAlive(server)
        }
    }
}

@Suite("Mock S3: connections")
struct ConnectionTests {
    /// HTTP/1.0 closes after each answer unless the client asks to keep the connection, and then it must
    /// be told it is kept (ApacheBench waited for ever without that); HTTP/1.1 keeps it unless asked to close.
    @Test(
        arguments: [
            ("HTTP/1.0", "", true, "close"),
            ("HTTP/1.0", "Connection: keep-alive\r\n", false, "keep-alive"),
            ("HTTP/1.1", "Connection: close\r\n", true, "close"),
            ("HTTP/1.1", "", false, nil),
        ] as [(String, String, Bool, String?)])
    func keepAliveFollowsTheVersionAndTheClient(version: String, header: String, closes: Bool, announced: String?)
        async throws
    {
        try await withMock { server in
            // An anonymous GET of a missing bucket: refused, which is all this needs to see how the connection ends.
            let (answer, closed) = try server.socketExchange(
                "GET /b/k \(version)\r\nHost: 127.0.0.1\r\n\(header)\r\n", timeout: 1)
            #expect(answer.hasPrefix("HTTP/1.1 404"), "\(answer)")
            #expect(closed == closes, "\(answer)")
            let head = answer.components(separatedBy: "\r\n\r\n")[0].lowercased()
            #expect(head.contains("\r\nconnection: ") == (announced != nil))
            if let announced { #expect(head.contains("\r\nconnection: \(announced)")) }
        }
    }
}
