import Foundation
import MockS3Server
import S3Kit
import S3Wire
import TestSupport
import Testing

/// The control API at `/_mock/` and the credentials mode moto users expect.
@Suite("Mock S3: control API and any credentials")
struct ControlTests {
    func call(
        _ server: MockS3Server, _ method: RequestMethod, _ path: String, query: [RequestTarget.QueryItem] = [],
        body: String = "",
        token: String? = nil
    ) async throws -> (Int, Any?) {
        var request = HTTPRequest(
            method: method,
            target: RequestTarget(scheme: "http", host: "127.0.0.1", port: server.port, path: path, query: query),
            body: body.isEmpty ? .empty : .bytes(Array(body.utf8)))
        if let token { request.headers.add("Authorization", "Bearer \(token)") }
        let response = try await CurlTransport().execute(request, streamBody: false)
        return (
            response.status, try? JSONSerialization.jsonObject(with: Data(response.body), options: [.fragmentsAllowed])
        )
    }

    @Test func offUnlessAskedFor() async throws {
        try await withMock({ $0.buckets = ["b"] }) { server in
            let (status, body) = try await call(server, .get, "/_mock/journal")
            #expect(status == 403 && ((body as? [String: Any])?["error"] as? String)?.contains("--admin") == true)
        }
    }

    @Test func resetJournalFaultsAndCounters() async throws {
        try await withMock({
            $0.buckets = ["b"]
            $0.control = .open
        }) { server in
            let client = try server.client(retry: .none)
            _ = try await client.putObject(bucket: "b", key: "k1", body: .bytes([1, 2, 3]))
            _ = try await client.getObjectBytes(bucket: "b", key: "k1")
            _ = try? await client.headObject(bucket: "b", key: "missing")
            // The journal, filtered by operation, key and status.
            let (_, gets) = try await call(
                server, .get, "/_mock/journal", query: [.init("operation", "GetObject"), .init("key", "k1")])
            #expect(
                (gets as? [[String: Any]])?.count == 1 && (gets as? [[String: Any]])?.first?["status"] as? Int == 200)
            let (_, missing) = try await call(server, .get, "/_mock/journal", query: [.init("status", "404")])
            #expect((missing as? [[String: Any]])?.map { $0["key"] as? String } == ["missing"])
            let (_, counters) = try await call(server, .get, "/_mock/counters")
            let c = try #require(counters as? [String: Any])
            #expect(
                c["objects"] as? Int == 1 && c["bytes"] as? Int == 3
                    && (c["byOperation"] as? [String: Int])?["PutObject"] == 1)
            // Faults set over HTTP take effect, read back, and clear.
            let (set, _) = try await call(
                server, .put, "/_mock/faults", body: #"{"slowDownRate": {"GetObject": 1}, "maxFaults": 1, "seed": 3}"#)
            #expect(set == 200 && server.faultPlan.slowDownRate["GetObject"] == 1)
            await #expect(throws: S3Error.self) { _ = try await client.getObjectBytes(bucket: "b", key: "k1") }
            // Faults for some keys only.
            _ = try await client.putObject(bucket: "b", key: "other", body: .bytes([4]))
            _ = try await call(
                server, .put, "/_mock/faults", body: #"{"internalErrorRate": {"*": 1}, "keyPrefixes": ["k"]}"#)
            #expect(try await client.getObjectBytes(bucket: "b", key: "other") == [4])
            await #expect(throws: S3Error.self) { _ = try await client.getObjectBytes(bucket: "b", key: "k1") }
            let (bad, message) = try await call(
                server, .put, "/_mock/faults", body: #"{"slowDownRate": {"GetObject": 3}}"#)
            #expect(bad == 400 && ((message as? [String: Any])?["error"] as? String)?.contains("fault plan") == true)
            let cleared = try await call(server, .delete, "/_mock/faults").0
            #expect(cleared == 204 && server.faultPlan.slowDownRate.isEmpty)
            // Reset: a fresh server on the same port, its configured bucket made again.
            let reset = try await call(server, .post, "/_mock/reset").0
            #expect(reset == 200)
            #expect(server.journal.entries.isEmpty && server.counters.objects == 0)
            try await client.headBucket("b")
            let gone = try await client.getObject(bucket: "b", key: "k1")
            #expect(gone == nil)
            // The control path is never an S3 request, and is not journaled.
            #expect(server.journal.entries.allSatisfy { $0.bucket != "_mock" })
        }
    }

    @Test func aTokenGuardsIt() async throws {
        try await withMock({ $0.control = .token("s3cr3t-token") }) { server in
            let none = try await call(server, .get, "/_mock/counters").0
            let wrong = try await call(server, .get, "/_mock/counters", token: "wrong").0
            let right = try await call(server, .get, "/_mock/counters", token: "s3cr3t-token").0
            #expect(none == 401 && wrong == 401 && right == 200)
        }
    }

    @Test func anyKeyIsAcceptedWithItselfAsItsSecret() async throws {
        try await withMock({
            $0.buckets = ["b"]
            $0.acceptAnyCredentials = true
        }) { server in
            let testing = try server.client(
                credentials: Credentials(accessKeyId: "testing", secretAccessKey: "testing"), retry: .none)
            _ = try await testing.putObject(bucket: "b", key: "k", body: .bytes([1]))
            #expect(try await testing.getObjectBytes(bucket: "b", key: "k") == [1])
            // Signatures are still checked: another secret for that key is refused.
            let wrong = try server.client(
                credentials: Credentials(accessKeyId: "testing", secretAccessKey: "other"), retry: .none)
            await #expect { _ = try await wrong.getObjectBytes(bucket: "b", key: "k") } throws: {
                ($0 as? S3Error)?.code == "SignatureDoesNotMatch"
            }
        }
    }
}
