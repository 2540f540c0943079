import Foundation
import MockS3Server
import S3Kit
import S3Wire
import TestSupport
import Testing

/// Object Lock as S3 keeps it: a bucket created with it is versioned for good, and a version under
/// retention or legal hold cannot be deleted until they end (GOVERNANCE yields to a bypass).
@Suite("Mock S3: Object Lock", .quietLogs)
struct ObjectLockTests {
    @Test func retentionAndLegalHoldKeepVersions() async throws {
        try await withMock { server in
            #expect(
                try await server.raw(.put, "/locked", headers: [("x-amz-bucket-object-lock-enabled", "true")]).status
                    == 200)
            let versioning = try XML.parse(try await server.raw(.get, "/locked", query: [.init("versioning")]).body)
            #expect(versioning.value("Status") == "Enabled")
            let suspend = Array("<VersioningConfiguration><Status>Suspended</Status></VersioningConfiguration>".utf8)
            #expect(try await server.raw(.put, "/locked", query: [.init("versioning")], body: suspend).status == 409)

            let put = try await server.raw(
                .put, "/locked/k",
                headers: [
                    ("x-amz-object-lock-mode", "GOVERNANCE"),
                    ("x-amz-object-lock-retain-until-date", "2099-01-01T00:00:00.000000Z"),
                    ("x-amz-object-lock-legal-hold", "ON"),
                ], body: [1])
            let version = try #require(put.head.headers["x-amz-version-id"])
            let head = try await server.raw(.head, "/locked/k")
            #expect(
                head.head.headers["x-amz-object-lock-mode"] == "GOVERNANCE"
                    && head.head.headers["x-amz-object-lock-legal-hold"] == "ON")
            #expect(head.head.headers["x-amz-object-lock-retain-until-date"] == "2099-01-01T00:00:00.000Z")

            let byVersion: [RequestTarget.QueryItem] = [.init("versionId", version)]
            let bypass = [("x-amz-bypass-governance-retention", "true")]
            #expect(try await server.raw(.delete, "/locked/k", query: byVersion, headers: bypass).status == 403, "held")
            let off = Array("<LegalHold><Status>OFF</Status></LegalHold>".utf8)
            #expect(try await server.raw(.put, "/locked/k", query: [.init("legal-hold")], body: off).status == 200)
            #expect(try await server.raw(.delete, "/locked/k", query: byVersion).status == 403, "retained")
            let shorter = Array(
                "<Retention><Mode>GOVERNANCE</Mode><RetainUntilDate>2098-01-01T00:00:00Z</RetainUntilDate></Retention>"
                    .utf8)
            #expect(
                try await server.raw(.put, "/locked/k", query: [.init("retention")], body: shorter).status == 403,
                "shortening needs a bypass")
            #expect(
                try await server.raw(.put, "/locked/k", query: [.init("retention")], headers: bypass, body: shorter)
                    .status == 200)
            #expect(try await server.raw(.delete, "/locked/k").status == 204, "a delete marker is always allowed")
            #expect(try await server.raw(.delete, "/locked/k", query: byVersion, headers: bypass).status == 204)
        }
    }

    @Test func complianceCannotBeWeakenedAndPlainBucketsRefuseLocks() async throws {
        try await withMock { server in
            #expect(
                try await server.raw(.put, "/locked", headers: [("x-amz-bucket-object-lock-enabled", "true")]).status
                    == 200)
            let rule = Array(
                "<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>COMPLIANCE</Mode><Days>1</Days></DefaultRetention></Rule></ObjectLockConfiguration>"
                    .utf8)
            #expect(try await server.raw(.put, "/locked", query: [.init("object-lock")], body: rule).status == 200)
            let put = try await server.raw(.put, "/locked/k", body: [1])
            let version = try #require(put.head.headers["x-amz-version-id"])
            let retention = try XML.parse(try await server.raw(.get, "/locked/k", query: [.init("retention")]).body)
            #expect(retention.value("Mode") == "COMPLIANCE", "the bucket's default retention applies")
            let governance = Array(
                "<Retention><Mode>GOVERNANCE</Mode><RetainUntilDate>2099-01-01T00:00:00Z</RetainUntilDate></Retention>"
                    .utf8)
            #expect(
                try await server.raw(
                    .put, "/locked/k", query: [.init("retention")],
                    headers: [("x-amz-bypass-governance-retention", "true")],
                    body: governance
                ).status == 403)
            #expect(
                try await server.raw(
                    .delete, "/locked/k", query: [.init("versionId", version)],
                    headers: [("x-amz-bypass-governance-retention", "true")]
                ).status == 403)

            #expect(try await server.raw(.put, "/plain").status == 200)
            #expect(try await server.raw(.put, "/plain", query: [.init("object-lock")], body: rule).status == 409)
            #expect(try await server.raw(.get, "/plain", query: [.init("object-lock")]).status == 404)
            #expect(
                try await server.raw(.put, "/plain/k", headers: [("x-amz-object-lock-legal-hold", "ON")], body: [1])
                    .status == 400)
        }
    }
}
