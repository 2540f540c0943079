import Foundation
import MockS3Server
import S3Kit
import S3Wire
import TestSupport
import Testing

/// With a data directory, every kind of change the catalog logs survives a restart: after each step
/// the server is stopped and started again over the same directory, and everything a client can read
/// (buckets, every version and delete marker with its bytes and headers, ACLs, tags, bucket settings,
/// pending uploads and their parts) must read the same before and after.
@Suite("Mock S3: a restart after every kind of change", .quietLogs)
struct RestartTests {
    typealias Step = (name: String, run: @Sendable (MockS3Server) async throws -> Void)

    static func expect(_ status: Int, _ response: HTTPResponse, _ what: String) throws {
        guard response.status == status else {
            throw S3Error.invalidArgument(
                "\(what): \(response.status) \(String(decoding: response.body, as: UTF8.self))")
        }
    }

    /// Each step one kind of change, from a bucket being made to its removal.
    static let steps: [Step] = [
        (
            "create buckets",
            { s in
                try expect(200, try await s.raw(.put, "/kept"), "create")
                try expect(200, try await s.raw(.put, "/versioned"), "create")
                try expect(
                    200, try await s.raw(.put, "/locked", headers: [("x-amz-bucket-object-lock-enabled", "true")]),
                    "lock")
                try expect(200, try await s.raw(.put, "/doomed"), "create")
            }
        ),
        (
            "put with metadata",
            { s in
                try expect(
                    200,
                    try await s.raw(
                        .put, "/kept/a.csv", headers: [("x-amz-meta-track", "Sebring"), ("Content-Type", "text/csv")],
                        body: [1, 2, 3]), "put")
                try expect(200, try await s.raw(.put, "/kept/b.csv", body: [4]), "put")
            }
        ),
        (
            "copy",
            { s in
                try expect(
                    200, try await s.raw(.put, "/kept/copy.csv", headers: [("x-amz-copy-source", "/kept/a.csv")]),
                    "copy")
            }
        ),
        ("delete unversioned", { s in try expect(204, try await s.raw(.delete, "/kept/b.csv"), "delete") }),
        (
            "batch delete",
            { s in
                let body = Array("<Delete><Object><Key>copy.csv</Key></Object></Delete>".utf8)
                try expect(
                    200,
                    try await s.raw(
                        .post, "/kept", query: [.init("delete", "")],
                        headers: [("Content-MD5", Data(Digest.md5(body)).base64EncodedString())], body: body), "batch")
            }
        ),
        (
            "bucket ACL and ownership",
            { s in
                // New buckets block public ACLs, as S3's do.
                try expect(204, try await s.raw(.delete, "/kept", query: [.init("publicAccessBlock", "")]), "block")
                let ownership = Array(
                    "<OwnershipControls><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule></OwnershipControls>"
                        .utf8)
                try expect(
                    200, try await s.raw(.put, "/kept", query: [.init("ownershipControls", "")], body: ownership),
                    "ownership")
                try expect(
                    200,
                    try await s.raw(.put, "/kept", query: [.init("acl", "")], headers: [("x-amz-acl", "public-read")]),
                    "bucket acl")
            }
        ),
        (
            "bucket policy and public access block",
            { s in
                let policy = Array(
                    #"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:DeleteObject","Resource":"arn:aws:s3:::kept/a.csv"}]}"#
                        .utf8)
                try expect(204, try await s.raw(.put, "/kept", query: [.init("policy", "")], body: policy), "policy")
                let block = Array(
                    "<PublicAccessBlockConfiguration><BlockPublicPolicy>true</BlockPublicPolicy></PublicAccessBlockConfiguration>"
                        .utf8)
                try expect(
                    200, try await s.raw(.put, "/kept", query: [.init("publicAccessBlock", "")], body: block), "block")
            }
        ),
        (
            "object ACL",
            { s in
                try expect(
                    200,
                    try await s.raw(
                        .put, "/kept/a.csv", query: [.init("acl", "")], headers: [("x-amz-acl", "public-read")]), "acl")
            }
        ),
        (
            "object tags",
            { s in
                let body = Array("<Tagging><TagSet><Tag><Key>race</Key><Value>R1</Value></Tag></TagSet></Tagging>".utf8)
                try expect(200, try await s.raw(.put, "/kept/a.csv", query: [.init("tagging", "")], body: body), "tags")
            }
        ),
        (
            "bucket documents",
            { s in
                let cors = Array(
                    "<CORSConfiguration><CORSRule><AllowedOrigin>https://app.example.com</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>"
                        .utf8)
                try expect(
                    200,
                    try await s.raw(
                        .put, "/kept", query: [.init("cors", "")],
                        headers: [("Content-MD5", Data(Digest.md5(cors)).base64EncodedString())],
                        body: cors), "cors")
                let tags = Array(
                    "<Tagging><TagSet><Tag><Key>team</Key><Value>data</Value></Tag></TagSet></Tagging>".utf8)
                try expect(
                    204,
                    try await s.raw(
                        .put, "/kept", query: [.init("tagging", "")],
                        headers: [("Content-MD5", Data(Digest.md5(tags)).base64EncodedString())], body: tags),
                    "bucket tags")
            }
        ),
        (
            "versioning on, versions and markers",
            { s in
                let on = Array("<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>".utf8)
                try expect(
                    200, try await s.raw(.put, "/versioned", query: [.init("versioning", "")], body: on), "versioning")
                for body in [[1], [2], [3]] as [[UInt8]] {
                    try expect(200, try await s.raw(.put, "/versioned/v.csv", body: body), "version")
                }
                try expect(204, try await s.raw(.delete, "/versioned/v.csv"), "marker")
                try expect(200, try await s.raw(.put, "/versioned/w.csv", body: [9]), "version")
            }
        ),
        (
            "delete a named version",
            { s in
                let listing = try XML.parse(try await s.raw(.get, "/versioned", query: [.init("versions", "")]).body)
                let oldest = try #require(listing.children("Version").last?.value("VersionId"))
                try expect(
                    204, try await s.raw(.delete, "/versioned/v.csv", query: [.init("versionId", oldest)]),
                    "version delete")
            }
        ),
        (
            "versioning suspended",
            { s in
                let off = Array("<VersioningConfiguration><Status>Suspended</Status></VersioningConfiguration>".utf8)
                try expect(
                    200, try await s.raw(.put, "/versioned", query: [.init("versioning", "")], body: off), "suspend")
                try expect(200, try await s.raw(.put, "/versioned/w.csv", body: [10]), "null version")
            }
        ),
        (
            "object lock, retention, legal hold",
            { s in
                let rule = Array(
                    "<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>1</Days></DefaultRetention></Rule></ObjectLockConfiguration>"
                        .utf8)
                try expect(
                    200,
                    try await s.raw(
                        .put, "/locked", query: [.init("object-lock", "")],
                        headers: [("Content-MD5", Data(Digest.md5(rule)).base64EncodedString())], body: rule),
                    "lock config")
                try expect(
                    200,
                    try await s.raw(
                        .put, "/locked/held.csv",
                        headers: [("Content-MD5", Data(Digest.md5([7] as [UInt8])).base64EncodedString())], body: [7]),
                    "locked put")
                let hold = Array("<LegalHold><Status>ON</Status></LegalHold>".utf8)
                try expect(
                    200,
                    try await s.raw(
                        .put, "/locked/held.csv", query: [.init("legal-hold", "")],
                        headers: [("Content-MD5", Data(Digest.md5(hold)).base64EncodedString())], body: hold), "hold")
            }
        ),
        (
            "multipart started, parts, one aborted",
            { s in
                for key in ["pending.csv", "aborted.csv"] {
                    let started = try XML.parse(
                        try await s.raw(.post, "/kept/\(key)", query: [.init("uploads", "")]).body)
                    let id = try #require(started.value("UploadId"))
                    try expect(
                        200,
                        try await s.raw(
                            .put, "/kept/\(key)", query: [.init("partNumber", "1"), .init("uploadId", id)],
                            body: Array(repeating: 5, count: 100)), "part")
                    if key == "aborted.csv" {
                        try expect(
                            204, try await s.raw(.delete, "/kept/\(key)", query: [.init("uploadId", id)]), "abort")
                    }
                }
            }
        ),
        (
            "multipart completed",
            { s in
                let uploads = try XML.parse(try await s.raw(.get, "/kept", query: [.init("uploads", "")]).body)
                let id = try #require(uploads.children("Upload").first?.value("UploadId"))
                let parts = try XML.parse(
                    try await s.raw(.get, "/kept/pending.csv", query: [.init("uploadId", id)]).body)
                let etag = try #require(parts.children("Part").first?.value("ETag"))
                var xml = XMLWriter(root: "CompleteMultipartUpload")
                xml.element("Part") {
                    $0.element("PartNumber", "1")
                    $0.element("ETag", etag)
                }
                try expect(
                    200,
                    try await s.raw(
                        .post, "/kept/pending.csv", query: [.init("uploadId", id)], body: Array(xml.finish().utf8)),
                    "complete")
            }
        ),
        ("bucket removed", { s in try expect(204, try await s.raw(.delete, "/doomed"), "drop") }),
    ]

    /// Everything a client can read, as text: each answer's status and body, request ids taken out.
    static func state(_ s: MockS3Server) async throws -> [String] {
        var out: [String] = []
        func read(_ path: String, _ query: [RequestTarget.QueryItem] = []) async throws -> HTTPResponse {
            let response = try await s.raw(.get, path, query: query)
            var body = String(decoding: response.body, as: UTF8.self)
            body = body.replacingOccurrences(
                of: #"<RequestId>[^<]*</RequestId>"#, with: "", options: .regularExpression)
            body = body.replacingOccurrences(of: #"<HostId>[^<]*</HostId>"#, with: "", options: .regularExpression)
            let headers = [
                "ETag", "Content-Type", "Last-Modified", "x-amz-meta-track", "x-amz-version-id",
                "x-amz-object-lock-legal-hold", "x-amz-object-lock-mode", "x-amz-object-lock-retain-until-date",
                "x-amz-delete-marker", "x-amz-tagging-count",
            ].compactMap { name in response.head.headers[name].map { "\(name): \($0)" } }
            out.append(
                "GET \(path)?\(query.map { "\($0.name)=\($0.value)" }.joined(separator: "&")) \(response.status) \(headers) \(body)"
            )
            return response
        }
        let buckets =
            try XML.parse(try await read("/").body).child("Buckets")?.children("Bucket").compactMap { $0.value("Name") }
            ?? []
        for bucket in buckets {
            for setting in [
                "acl", "versioning", "ownershipControls", "object-lock", "cors", "tagging", "uploads", "policy",
                "publicAccessBlock", "policyStatus",
            ] {
                _ = try await read("/\(bucket)", [.init(setting, "")])
            }
            let versions = try XML.parse(try await read("/\(bucket)", [.init("versions", "")]).body)
            for version in versions.children("Version") + versions.children("DeleteMarker") {
                let key = version.value("Key") ?? ""
                let id = version.value("VersionId") ?? ""
                _ = try await read("/\(bucket)/\(key)", [.init("versionId", id)])
                for detail in ["acl", "tagging", "legal-hold"] {
                    _ = try await read("/\(bucket)/\(key)", [.init(detail, ""), .init("versionId", id)])
                }
            }
            let uploads = try XML.parse(try await s.raw(.get, "/\(bucket)", query: [.init("uploads", "")]).body)
            for upload in uploads.children("Upload") {
                _ = try await read(
                    "/\(bucket)/\(upload.value("Key") ?? "")", [.init("uploadId", upload.value("UploadId") ?? "")])
            }
        }
        return out
    }

    @Test func everyKindOfChangeSurvivesARestart() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mock-s3-restart-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        func start() async throws -> MockS3Server {
            var configuration = MockS3Server.Configuration()
            configuration.dataDirectory = directory
            return try await MockS3Server(configuration: configuration)
        }
        var server = try await start()
        for step in Self.steps {
            do { try await step.run(server) } catch {
                Issue.record("step \(step.name): \(error)")
                break
            }
            let before = try await Self.state(server)
            try await server.stop()
            server = try await start()
            let after = try await Self.state(server)
            #expect(before.count == after.count, "after \(step.name): \(before.count) answers, then \(after.count)")
            for (a, b) in zip(before, after) where a != b {
                Issue.record("after \(step.name), a restart changed\n  \(a)\nto\n  \(b)")
            }
        }
        try await server.stop()
    }
}
