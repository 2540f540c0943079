import Foundation
import MockS3Server
import S3Kit
import S3Wire
import TestSupport
import Testing

/// Bucket configurations kept as sent and acted on: CORS rules answer preflights and decorate
/// answers to requests with an allowed Origin; bucket tags round-trip.
@Suite("Mock S3: CORS and bucket tags", .quietLogs)
struct BucketConfigurationTests {
    /// An exact rule and a wildcard one, and origins that share a prefix, a suffix, a port or a scheme
    /// with what they allow: S3 matches AllowedOrigin as a string with at most one `*` ("CORS
    /// configuration", Amazon S3 User Guide, https://docs.aws.amazon.com/AmazonS3/latest/userguide/ManageCorsUsing.html).
    @Test func corsOriginsNearAnAllowedOneAreRefused() async throws {
        try await withMock({ $0.buckets = ["site"] }) { server in
            _ = try await server.raw(.put, "/site/k", body: [1])
            let rules = Array(
                ("<CORSConfiguration><CORSRule><AllowedOrigin>https://gr-cup.netlify.app</AllowedOrigin>"
                    + "<AllowedOrigin>https://*.example.com</AllowedOrigin><AllowedOrigin>http://localhost:5173</AllowedOrigin>"
                    + "<AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>").utf8)
            #expect(try await server.raw(.put, "/site", query: [.init("cors")], body: rules).status == 200)
            func preflight(_ origin: String) async throws -> Int {
                try await server.raw(
                    .options, "/site/k", headers: [("Origin", origin), ("Access-Control-Request-Method", "GET")],
                    sign: false
                ).status
            }
            for allowed in [
                "https://gr-cup.netlify.app", "https://app.example.com", "https://a.b.example.com",
                "http://localhost:5173",
            ] {
                #expect(try await preflight(allowed) == 200, "\(allowed)")
            }
            for stranger in [
                "https://gr-cup.netlify.app.evil.test", "https://gr-cup.netlify.app:8443", "http://gr-cup.netlify.app",
                "https://evilgr-cup.netlify.app", "https://gr-cup.netlify.ap", "https://gr-cup.netlify.app/",
                "https://example.com", "https://app.example.com.evil.test", "http://app.example.com",
                "https://app.example.co", "https://app.example.com:8443", "http://localhost:5174",
                "http://localhost:51730", "http://localhost:517", "https://localhost:5173", "null",
            ] {
                #expect(try await preflight(stranger) == 403, "\(stranger) was let in")
                let get = try await server.raw(.get, "/site/k", headers: [("Origin", stranger)])
                #expect(get.head.headers["Access-Control-Allow-Origin"] == nil, "\(stranger) was let in")
            }
        }
    }

    @Test func corsRulesAnswerPreflightsAndRequests() async throws {
        try await withMock({ $0.buckets = ["site"] }) { server in
            _ = try await server.raw(.put, "/site/k", body: [1])
            #expect(try await server.raw(.get, "/site", query: [.init("cors")]).status == 404)
            let rules = Array(
                """
                <CORSConfiguration><CORSRule><AllowedOrigin>https://*.example.com</AllowedOrigin><AllowedMethod>GET</AllowedMethod>\
                <AllowedHeader>x-amz-*</AllowedHeader><ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>60</MaxAgeSeconds></CORSRule></CORSConfiguration>
                """.utf8)
            #expect(try await server.raw(.put, "/site", query: [.init("cors")], body: rules).status == 200)
            let bad = Array(
                "<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>PATCH</AllowedMethod></CORSRule></CORSConfiguration>"
                    .utf8)
            #expect(try await server.raw(.put, "/site", query: [.init("cors")], body: bad).status == 400)

            let preflight = try await server.raw(
                .options, "/site/k",
                headers: [
                    ("Origin", "https://app.example.com"),
                    ("Access-Control-Request-Method", "GET"),
                    ("Access-Control-Request-Headers", "x-amz-date"),
                ], sign: false)
            #expect(preflight.status == 200)
            #expect(preflight.head.headers["Access-Control-Allow-Origin"] == "https://app.example.com")
            #expect(
                preflight.head.headers["Access-Control-Allow-Headers"] == "x-amz-date"
                    && preflight.head.headers["Access-Control-Max-Age"] == "60")
            #expect(
                try await server.raw(
                    .options, "/site/k",
                    headers: [("Origin", "https://evil.test"), ("Access-Control-Request-Method", "GET")],
                    sign: false
                ).status == 403)
            #expect(
                try await server.raw(
                    .options, "/site/k",
                    headers: [("Origin", "https://app.example.com"), ("Access-Control-Request-Method", "PUT")],
                    sign: false
                ).status == 403)
            #expect(
                try await server.raw(.options, "/site/k", sign: false).status == 400, "a preflight names its origin")

            let get = try await server.raw(.get, "/site/k", headers: [("Origin", "https://app.example.com")])
            #expect(
                get.head.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
                    && get.head.headers["Access-Control-Expose-Headers"] == "ETag")
            let missing = try await server.raw(.get, "/site/none", headers: [("Origin", "https://app.example.com")])
            #expect(
                missing.status == 404 && missing.head.headers["Access-Control-Allow-Origin"] != nil,
                "errors carry CORS headers too")
            #expect(
                try await server.raw(.get, "/site/k", headers: [("Origin", "https://evil.test")]).head.headers[
                    "Access-Control-Allow-Origin"] == nil)

            #expect(try await server.raw(.delete, "/site", query: [.init("cors")]).status == 204)
            #expect(try await server.raw(.get, "/site", query: [.init("cors")]).status == 404)
        }
    }

    @Test func bucketTagsRoundTrip() async throws {
        try await withMock({ $0.buckets = ["tagged"] }) { server in
            #expect(try await server.raw(.get, "/tagged", query: [.init("tagging")]).status == 404)
            let tags = Array("<Tagging><TagSet><Tag><Key>team</Key><Value>race</Value></Tag></TagSet></Tagging>".utf8)
            #expect(try await server.raw(.put, "/tagged", query: [.init("tagging")], body: tags).status == 204)
            let read = try XML.parse(try await server.raw(.get, "/tagged", query: [.init("tagging")]).body)
            #expect(read.child("TagSet")?.child("Tag")?.value("Value") == "race")
            #expect(try await server.raw(.delete, "/tagged", query: [.init("tagging")]).status == 204)
            #expect(try await server.raw(.get, "/tagged", query: [.init("tagging")]).status == 404)
        }
    }
}
