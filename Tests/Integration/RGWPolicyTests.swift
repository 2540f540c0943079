import Foundation
import MockS3Server
import S3Kit
import S3Wire
import TestSupport
import Testing

/// Bucket policies judged by a real S3 server: each policy put on a fresh bucket of Ceph's RGW and of
/// mock-s3 (ACLs on, no public access block, as RGW's buckets are), the same requests sent to both,
/// and each answer checked against what AWS documents. Skipped unless `RGW_ENDPOINT` is given.
@Suite(
    "Bucket policies on Ceph RGW and on mock-s3", .quietLogs,
    .enabled(if: RGWServer.configured != nil, "RGW_ENDPOINT is not set (eval \"$(bash scripts/rgw.sh start)\")"))
struct RGWPolicyTests {
    /// A request to send, who sends it (the owner, or no one), and the status AWS documents for it.
    struct Probe: Sendable {
        var method: RequestMethod
        var key: String?
        var query: [RequestTarget.QueryItem] = []
        var anonymous = true
        var expected: Int
    }

    static let cases: [(name: String, statements: [String], probes: [Probe])] = [
        (
            "the guide's public-read policy",
            [#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::BUCKET/data/*"}"#],
            [
                Probe(method: .get, key: "data/a.csv", expected: 200),
                Probe(method: .get, key: "other.csv", expected: 403),
                Probe(method: .get, key: nil, query: [.init("list-type", "2")], expected: 403),
                Probe(method: .put, key: "data/b.csv", expected: 403),
            ]
        ),
        (
            "listing one prefix (StringLike on s3:prefix)",
            [
                #"{"Effect":"Allow","Principal":"*","Action":"s3:ListBucket","Resource":"arn:aws:s3:::BUCKET","Condition":{"StringLike":{"s3:prefix":"data/*"}}}"#
            ],
            [
                Probe(
                    method: .get, key: nil, query: [.init("list-type", "2"), .init("prefix", "data/")], expected: 200),
                Probe(
                    method: .get, key: nil, query: [.init("list-type", "2"), .init("prefix", "other")], expected: 403),
                Probe(method: .get, key: nil, query: [.init("list-type", "2")], expected: 403),
            ]
        ),
        (
            "a Deny binds the owner (NotResource)",
            [
                #"{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","NotResource":"arn:aws:s3:::BUCKET/data/*"}"#
            ],
            [
                Probe(method: .get, key: "other.csv", anonymous: false, expected: 403),
                Probe(method: .get, key: "data/a.csv", anonymous: false, expected: 200),
            ]
        ),
        (
            "the caller's address (IpAddress on aws:SourceIp)",
            [
                #"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::BUCKET/data/*","Condition":{"IpAddress":{"aws:SourceIp":"127.0.0.0/8"}}}"#,
                #"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::BUCKET/other.csv","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}"#,
            ],
            [
                Probe(method: .get, key: "data/a.csv", expected: 200),
                Probe(method: .get, key: "other.csv", expected: 403),
            ]
        ),
    ]

    @Test func bothServersDecideAsAWSDocuments() async throws {
        let rgw = try #require(RGWServer.configured)
        try await withMock({ $0.defaultOwnership = .objectWriter }) { (mock: MockS3Server) async throws in
            let servers: [(String, String, Credentials)] = [
                ("rgw", rgw.endpoint, rgw.credentials),
                (
                    "mock-s3", mock.endpoint,
                    Credentials(
                        accessKeyId: MockS3Server.defaultCredential.accessKeyId,
                        secretAccessKey: MockS3Server.defaultCredential.secretAccessKey)
                ),
            ]
            for (index, testCase) in Self.cases.enumerated() {
                for (name, endpoint, owner) in servers {
                    let bucket = "policy-\(index)-\(String(UInt32.random(in: 0...UInt32.max), radix: 36))"
                    let send = {
                        (
                            method: RequestMethod, path: String, query: [RequestTarget.QueryItem], body: [UInt8],
                            signed: Bool
                        ) async throws -> Int in
                        let url = try #require(URL(string: endpoint))
                        return try await rawRequest(
                            host: url.host ?? "127.0.0.1", port: url.port ?? 80, method, path, query: query, body: body,
                            signedAs: signed ? owner : nil
                        ).status
                    }
                    #expect(try await send(.put, "/\(bucket)", [], [], true) == 200)
                    #expect(try await send(.put, "/\(bucket)/data/a.csv", [], [1], true) == 200)
                    #expect(try await send(.put, "/\(bucket)/other.csv", [], [2], true) == 200)
                    let policy =
                        #"{"Version":"2012-10-17","Statement":[\#(testCase.statements.joined(separator: ","))]}"#
                        .replacingOccurrences(of: "BUCKET", with: bucket)
                    let put = try await send(.put, "/\(bucket)", [.init("policy", "")], Array(policy.utf8), true)
                    #expect(put == 204 || put == 200, "\(name), \(testCase.name): PutBucketPolicy \(put)")
                    for probe in testCase.probes {
                        let path = "/\(bucket)" + (probe.key.map { "/\($0)" } ?? "")
                        let status = try await send(
                            probe.method, path, probe.query, probe.method == .put ? [3] : [], !probe.anonymous)
                        #expect(
                            status == probe.expected,
                            "\(name), \(testCase.name): \(probe.anonymous ? "anonymous" : "owner") \(probe.method) \(path) \(probe.query.map(\.name)) → \(status), AWS documents \(probe.expected)"
                        )
                    }
                }
            }
        }
    }
}
