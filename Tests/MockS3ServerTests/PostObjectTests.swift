import Foundation
import MockS3Server
import S3Kit
import S3Wire
import TestSupport
import Testing

/// Browser uploads (POST Object): a form signed over a policy that its fields must meet.
@Suite("Mock S3: POST Object", .quietLogs)
struct PostObjectTests {
    static let boundary = "----mock-s3-form-7MA4YWxkTrZu0gW"

    /// A multipart/form-data body: the fields in order, then the file.
    static func form(_ fields: [(String, String)], file: [UInt8], filename: String = "upload.csv") -> [UInt8] {
        var body: [UInt8] = []
        for (name, value) in fields {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        body += Array(
            "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(filename)\"\r\nContent-Type: text/csv\r\n\r\n"
                .utf8)
        body += file + Array("\r\n--\(boundary)--\r\n".utf8)
        return body
    }

    static func policy(_ conditions: String, expires: Date = Date() + 600) -> String {
        Data("{\"expiration\": \"\(UTCDate(expires).iso8601)\", \"conditions\": [\(conditions)]}".utf8)
            .base64EncodedString()
    }

    private func post(_ server: MockS3Server, _ bucket: String, _ body: [UInt8]) async throws -> HTTPResponse {
        try await server.raw(
            .post, "/\(bucket)", headers: [("Content-Type", "multipart/form-data; boundary=\(Self.boundary)")],
            body: body, sign: false)
    }

    private func expectStatus(
        _ response: HTTPResponse, _ status: Int, _ comment: Comment? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(
            response.status == status, comment ?? "\(String(decoding: response.body, as: UTF8.self))",
            sourceLocation: sourceLocation)
    }

    private func signedV4(_ policy: String, day: String, region: String) -> (credential: String, signature: String) {
        let keys = MockS3Server.defaultCredential
        let signer = SigV4Signer(
            credentials: Credentials(accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey),
            region: region)
        return (
            "\(keys.accessKeyId)/\(day)/\(region)/s3/aws4_request",
            Digest.hmacSHA256(key: signer.signingKey(day), message: Array(policy.utf8)).hexString
        )
    }

    @Test func aSignedFormUploadsWhatItsPolicyAllows() async throws {
        try await withMock({ $0.buckets = ["uploads"] }) { server in
            let file = Array("lap,time\n1,92.5\n".utf8)
            let policy = Self.policy(
                "{\"bucket\": \"uploads\"}, [\"starts-with\", \"$key\", \"data/\"], [\"content-length-range\", 1, 1024], [\"eq\", \"$success_action_status\", \"201\"]"
            )
            let now = UTCDate(Date())
            let day = String(now.amzDate.prefix(8))
            let (credential, signature) = signedV4(policy, day: day, region: server.configuration.region)
            let fields = [
                ("key", "data/${filename}"), ("success_action_status", "201"), ("x-amz-algorithm", "AWS4-HMAC-SHA256"),
                ("x-amz-credential", credential), ("x-amz-date", now.amzDate), ("policy", policy),
                ("x-amz-signature", signature),
            ]
            let created = try await post(server, "uploads", Self.form(fields, file: file))
            #expect(created.status == 201, "\(String(decoding: created.body, as: UTF8.self))")
            #expect(try XML.parse(created.body).value("Key") == "data/upload.csv")
            #expect(try await server.raw(.get, "/uploads/data/upload.csv").body == file)

            // A field the policy does not name, a condition not met, a wrong signature, an expired policy.
            let extra = try await post(server, "uploads", Self.form(fields + [("x-amz-meta-team", "red")], file: file))
            #expect(
                extra.status == 403
                    && String(decoding: extra.body, as: UTF8.self).contains("Extra input fields: x-amz-meta-team"))
            var outside = fields
            outside[0] = ("key", "elsewhere/k")
            try await expectStatus(post(server, "uploads", Self.form(outside, file: file)), 403)
            var forged = fields
            forged[6] = ("x-amz-signature", String(repeating: "0", count: 64))
            try await expectStatus(post(server, "uploads", Self.form(forged, file: file)), 403)
            let old = Self.policy("{\"bucket\": \"uploads\"}", expires: Date() - 60)
            var expired = fields
            expired[5] = ("policy", old)
            expired[6] = ("x-amz-signature", signedV4(old, day: day, region: server.configuration.region).signature)
            try await expectStatus(post(server, "uploads", Self.form(expired, file: file)), 403)
            try await expectStatus(
                post(server, "uploads", Self.form(fields, file: Array(repeating: 1, count: 2048))), 400,
                "past content-length-range")
            try await expectStatus(post(server, "uploads", Array("not a form".utf8)), 400)
        }
    }

    @Test func unsignedFormsNeedABucketOpenToAnyone() async throws {
        try await withMock({ $0.defaultOwnership = .objectWriter }) { server in
            #expect(try await server.raw(.put, "/private").status == 200)
            #expect(try await server.raw(.put, "/open", headers: [("x-amz-acl", "public-read-write")]).status == 200)
            try await expectStatus(post(server, "private", Self.form([("key", "k")], file: [1])), 403)
            try await expectStatus(post(server, "open", Self.form([("key", "k")], file: [1])), 204)
            let sha = Data(Digest.sha256([UInt8]([1]))).base64EncodedString()
            try await expectStatus(
                post(server, "open", Self.form([("key", "k2"), ("x-amz-checksum-sha256", sha)], file: [1])), 204)
            try await expectStatus(
                post(server, "open", Self.form([("key", "k3"), ("x-amz-checksum-sha256", "AAAA")], file: [1])), 400)
            try await expectStatus(post(server, "open", Self.form([], file: [1])), 400, "a form names its key")
        }
    }
}
