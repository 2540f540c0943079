import Foundation
import MockS3Server
import S3Kit
import S3Wire
import TestSupport
import Testing

/// Accounts, owners and ACLs as S3 applies them (Ceph's s3-tests check the same with a second
/// account): what another account or an anonymous caller may do is what the bucket's and the
/// object's ACLs grant, nothing more.
@Suite("Mock S3: accounts and ACLs", .quietLogs)
struct AccessTests {
    static let alt = Account(
        id: "56789abcdef0123456789abcdef0123456789abcdef0123456789abcdef01234", displayName: "alt",
        email: "alt@example.com")
    static let altKeys = Credentials(accessKeyId: "ALTKEYALTKEYALTKEY01", secretAccessKey: "alt-secret")

    private func withTwoAccounts(_ body: (MockS3Server) async throws -> Void) async throws {
        try await withMock(
            {
                $0.defaultOwnership = .objectWriter
                $0.credentials.append(
                    MockCredential(
                        accessKeyId: Self.altKeys.accessKeyId, secretAccessKey: Self.altKeys.secretAccessKey,
                        account: Self.alt))
            }, body)
    }

    /// Expects "STATUS Code" of an answer (the code of its XML error, if any).
    private func expectStatus(
        _ response: HTTPResponse, _ expected: String, _ comment: Comment? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let code = (try? XML.parse(response.body))?.value("Code")
        let status = code.map { "\(response.status) \($0)" } ?? "\(response.status)"
        #expect(status == expected, comment, sourceLocation: sourceLocation)
    }

    @Test func anotherAccountGetsWhatTheACLsGrant() async throws {
        try await withTwoAccounts { server in
            #expect(try await server.raw(.put, "/main").status == 200)
            #expect(try await server.raw(.put, "/main/k", body: Array("secret".utf8)).status == 200)
            try await expectStatus(server.raw(.put, "/main", as: Self.altKeys), "409 BucketAlreadyExists")
            try await expectStatus(server.raw(.get, "/main", as: Self.altKeys), "403 AccessDenied")
            try await expectStatus(server.raw(.get, "/main/k", as: Self.altKeys), "403 AccessDenied")
            try await expectStatus(server.raw(.put, "/main/new", body: [1], as: Self.altKeys), "403 AccessDenied")
            try await expectStatus(
                server.raw(.get, "/main", query: [.init("versioning")], as: Self.altKeys), "403 AccessDenied",
                "a bucket's configuration is its owner's alone")

            // public-read lets anyone list, not read private objects nor write.
            #expect(
                try await server.raw(.put, "/main", query: [.init("acl")], headers: [("x-amz-acl", "public-read")])
                    .status == 200)
            #expect(try await server.raw(.get, "/main", as: Self.altKeys).status == 200)
            try await expectStatus(server.raw(.get, "/main/k", as: Self.altKeys), "403 AccessDenied")
            try await expectStatus(
                server.raw(.get, "/main/missing", as: Self.altKeys), "404 NoSuchKey",
                "who may list may learn a key is missing")
            try await expectStatus(server.raw(.put, "/main/new", body: [1], as: Self.altKeys), "403 AccessDenied")

            // public-read-write lets alt write; what alt writes is alt's, with the bucket owner's read if alt grants it.
            #expect(
                try await server.raw(
                    .put, "/main", query: [.init("acl")], headers: [("x-amz-acl", "public-read-write")]
                ).status == 200)
            #expect(
                try await server.raw(
                    .put, "/main/alts", headers: [("x-amz-acl", "bucket-owner-read")], body: [7], as: Self.altKeys
                ).status == 200)
            let acl = try XML.parse(
                try await server.raw(.get, "/main/alts", query: [.init("acl")], as: Self.altKeys).body)
            #expect(acl.child("Owner")?.value("ID") == Self.alt.id)
            let grants = acl.child("AccessControlList")?.children("Grant").map {
                "\($0.child("Grantee")?.value("ID") ?? ""):\($0.value("Permission") ?? "")"
            }
            #expect(Set(grants ?? []) == ["\(Account.mock.id):READ", "\(Self.alt.id):FULL_CONTROL"])
            #expect(
                try await server.raw(.get, "/main/alts").status == 200, "bucket-owner-read lets the bucket's owner read"
            )
            try await expectStatus(
                server.raw(.get, "/main/alts", query: [.init("acl")]), "403 AccessDenied", "but not read its ACL")

            // ListBuckets shows each account its own.
            #expect(try await server.raw(.put, "/alts-bucket", as: Self.altKeys).status == 200)
            let mine = try XML.parse(try await server.raw(.get, "/").body).child("Buckets")?.children("Bucket")
                .compactMap { $0.value("Name") }
            let theirs = try XML.parse(try await server.raw(.get, "/", as: Self.altKeys).body).child("Buckets")?
                .children("Bucket").compactMap { $0.value("Name") }
            #expect(mine == ["main"] && theirs == ["alts-bucket"])
        }
    }

    @Test func anonymousCallersAndGrantsByIdOrEmail() async throws {
        try await withTwoAccounts { server in
            #expect(try await server.raw(.put, "/bkt").status == 200)
            #expect(
                try await server.raw(.put, "/bkt/public", headers: [("x-amz-acl", "public-read")], body: [1]).status
                    == 200)
            #expect(try await server.raw(.put, "/bkt/private", body: [2]).status == 200)
            #expect(try await server.raw(.get, "/bkt/public", sign: false).status == 200)
            try await expectStatus(server.raw(.get, "/bkt/private", sign: false), "403 AccessDenied")
            try await expectStatus(
                server.raw(.get, "/bkt/missing", sign: false), "403 AccessDenied",
                "keys cannot be probed without READ on the bucket")
            try await expectStatus(server.raw(.put, "/bkt/x", body: [1], sign: false), "403 AccessDenied")
            try await expectStatus(server.raw(.delete, "/gone/x", sign: false), "404 NoSuchBucket")

            // A grant header by e-mail gives alt READ on one object; unknown grantees are refused.
            #expect(
                try await server.raw(
                    .put, "/bkt/private", query: [.init("acl")],
                    headers: [("x-amz-grant-read", "emailAddress=\"alt@example.com\"")]
                ).status == 200)
            #expect(try await server.raw(.get, "/bkt/private", as: Self.altKeys).status == 200)
            try await expectStatus(
                server.raw(
                    .put, "/bkt/private", query: [.init("acl")], headers: [("x-amz-grant-read", "id=\"nobody\"")]),
                "400 InvalidArgument")
            try await expectStatus(
                server.raw(
                    .put, "/bkt/private", query: [.init("acl")],
                    headers: [("x-amz-grant-read", "emailAddress=\"no@where\"")]), "400 UnresolvableGrantByEmailAddress"
            )
            let policy = """
                <AccessControlPolicy><Owner><ID>\(Account.mock.id)</ID></Owner><AccessControlList><Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>\(Self.alt.id)</ID></Grantee><Permission>WRITE</Permission></Grant></AccessControlList></AccessControlPolicy>
                """
            #expect(try await server.raw(.put, "/bkt", query: [.init("acl")], body: Array(policy.utf8)).status == 200)
            #expect(try await server.raw(.put, "/bkt/from-alt", body: [3], as: Self.altKeys).status == 200)
            #expect(
                try await server.raw(.get, "/bkt", query: [.init("acl")]).status == 200,
                "the owner may always read the ACL it removed itself from")
            try await expectStatus(
                server.raw(.get, "/bkt"), "403 AccessDenied", "but not list once its own grant is gone")
        }
    }

    @Test func aclsOffMeansTheBucketOwnerOwnsEverything() async throws {
        try await withMock { server in
            #expect(try await server.raw(.put, "/bkt").status == 200)
            try await expectStatus(
                server.raw(.put, "/bkt", query: [.init("acl")], headers: [("x-amz-acl", "public-read")]),
                "400 AccessControlListNotSupported")
            try await expectStatus(
                server.raw(.put, "/ccc", headers: [("x-amz-acl", "public-read")]),
                "400 InvalidBucketAclWithObjectOwnership")
            #expect(
                try await server.raw(.put, "/bkt", query: [.init("acl")], headers: [("x-amz-acl", "private")]).status
                    == 200)
            #expect(try await server.raw(.get, "/bkt", query: [.init("ownershipControls")]).status == 200)
            #expect(try await server.raw(.delete, "/bkt", query: [.init("ownershipControls")]).status == 204)
            try await expectStatus(
                server.raw(.get, "/bkt", query: [.init("ownershipControls")]), "404 OwnershipControlsNotFoundError")
            try await expectStatus(
                server.raw(.put, "/bkt", query: [.init("acl")], headers: [("x-amz-acl", "public-read")]),
                "403 AccessDenied", "with the controls gone ACLs are on, but a new bucket blocks public ones")
            #expect(try await server.raw(.delete, "/bkt", query: [.init("publicAccessBlock")]).status == 204)
            #expect(
                try await server.raw(.put, "/bkt", query: [.init("acl")], headers: [("x-amz-acl", "public-read")])
                    .status == 200,
                "with the controls and the block gone, public ACLs are taken")
        }
    }

    /// Owners, grants, bucket configurations and Object Lock are in the `--data-dir` log too.
    @Test func ownersGrantsAndConfigurationsSurviveARestart() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("access-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let configure: (inout MockS3Server.Configuration) -> Void = {
            $0.dataDirectory = directory
            $0.defaultOwnership = .objectWriter
            $0.credentials.append(
                MockCredential(
                    accessKeyId: Self.altKeys.accessKeyId, secretAccessKey: Self.altKeys.secretAccessKey,
                    account: Self.alt))
        }
        let cors = Array(
            "<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>"
                .utf8)
        try await withMock(configure) { (server: MockS3Server) async throws in
            #expect(try await server.raw(.put, "/open", headers: [("x-amz-acl", "public-read-write")]).status == 200)
            #expect(
                try await server.raw(
                    .put, "/open/alts", headers: [("x-amz-acl", "public-read")], body: [1], as: Self.altKeys
                ).status == 200)
            #expect(try await server.raw(.put, "/open", query: [.init("cors")], body: cors).status == 200)
            #expect(
                try await server.raw(.put, "/kept", headers: [("x-amz-bucket-object-lock-enabled", "true")]).status
                    == 200)
        }
        try await withMock(configure) { (server: MockS3Server) async throws in
            let acl = try XML.parse(
                try await server.raw(.get, "/open/alts", query: [.init("acl")], as: Self.altKeys).body)
            #expect(acl.child("Owner")?.value("ID") == Self.alt.id)
            #expect(try await server.raw(.get, "/open/alts", sign: false).status == 200, "public-read kept")
            #expect(
                try await server.raw(.put, "/open/anon", body: [2], sign: false).status == 200,
                "the bucket's public-read-write kept")
            #expect(try await server.raw(.get, "/open", query: [.init("cors")]).status == 200)
            #expect(try await server.raw(.get, "/kept", query: [.init("object-lock")]).status == 200)
            try await expectStatus(server.raw(.put, "/open", as: Self.altKeys), "409 BucketAlreadyExists")
        }
    }

    @Test func uploadPartCopyCopiesARange() async throws {
        try await withMock({ $0.buckets = ["b"] }) { server in
            let source = (0..<(6 << 20)).map { UInt8($0 % 251) }
            #expect(try await server.raw(.put, "/b/src", body: source).status == 200)
            let created = try XML.parse(try await server.raw(.post, "/b/dst", query: [.init("uploads")]).body)
            let id = try #require(created.value("UploadId"))
            var etags: [String] = []
            for (number, range) in [(1, "bytes=0-5242879"), (2, "bytes=5242880-6291455")] {
                let response = try await server.raw(
                    .put, "/b/dst", query: [.init("partNumber", "\(number)"), .init("uploadId", id)],
                    headers: [("x-amz-copy-source", "/b/src"), ("x-amz-copy-source-range", range)])
                #expect(response.status == 200)
                etags.append(try #require(try XML.parse(response.body).value("ETag")))
            }
            let bad = try await server.raw(
                .put, "/b/dst", query: [.init("partNumber", "3"), .init("uploadId", id)],
                headers: [("x-amz-copy-source", "/b/src"), ("x-amz-copy-source-range", "bytes=0-99999999")])
            try await expectStatus(bad, "416 InvalidRange")
            let improper = try await server.raw(
                .put, "/b/dst", query: [.init("partNumber", "3"), .init("uploadId", id)],
                headers: [("x-amz-copy-source", "/b/src"), ("x-amz-copy-source-range", "bytes=hello-")])
            try await expectStatus(improper, "400 InvalidArgument")
            let complete =
                "<CompleteMultipartUpload>"
                + etags.enumerated().map {
                    "<Part><PartNumber>\($0.offset + 1)</PartNumber><ETag>\($0.element)</ETag></Part>"
                }.joined() + "</CompleteMultipartUpload>"
            #expect(
                try await server.raw(.post, "/b/dst", query: [.init("uploadId", id)], body: Array(complete.utf8)).status
                    == 200)
            #expect(try await server.raw(.get, "/b/dst").body == source)
        }
    }
}
