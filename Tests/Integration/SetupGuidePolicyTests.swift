import Foundation
import MockS3Server
import RaceData
import S3Kit
import S3Wire
import TestSupport
import Testing

/// The policies AWS_SETUP_GUIDE.md tells an operator to create (docs/policies/*.json, loaded here as
/// the guide shows them), enforced by mock-s3 as S3 enforces them: what each user needs works, and
/// everything else it tries is refused with a message naming the permission it lacks.
@Suite("The setup guide's policies", .quietLogs)
struct SetupGuidePolicyTests {
    static let bucket = "race-data"
    static let reader = Credentials(accessKeyId: "AKIAGUIDEREADER00001", secretAccessKey: "reader-secret")
    static let uploader = Credentials(accessKeyId: "AKIAGUIDEUPLOADER001", secretAccessKey: "uploader-secret")
    static let policies = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../docs/policies").standardized

    /// A policy file of the guide, its placeholder replaced by a bucket's name.
    static func policy(_ name: String, bucket: String = bucket) throws -> String {
        try String(contentsOf: policies.appendingPathComponent("\(name).json"), encoding: .utf8)
            .replacingOccurrences(of: "YOUR-BUCKET", with: bucket)
    }

    /// The bucket as S3 makes it (ACLs off, public access blocked), its owner's root key (the
    /// mock's default), and the guide's two users of the same account.
    static func withGuideBucket(_ body: (MockS3Server) async throws -> Void) async throws {
        let readerPolicy = try PolicyDocument(parsing: policy("reader"), kind: .identity)
        let uploaderPolicy = try PolicyDocument(parsing: policy("uploader"), kind: .identity)
        try await withMock(
            {
                $0.buckets = [bucket]
                $0.credentials += [
                    MockCredential(
                        accessKeyId: reader.accessKeyId, secretAccessKey: reader.secretAccessKey,
                        user: IAMUser(name: "race-service", policy: readerPolicy)),
                    MockCredential(
                        accessKeyId: uploader.accessKeyId, secretAccessKey: uploader.secretAccessKey,
                        user: IAMUser(name: "race-upload", policy: uploaderPolicy)),
                ]
            }, body)
    }

    /// A refusal, and what our client says of it: the operation, the action it lacks, the resource.
    static func expectRefused(
        _ action: String, _ call: () async throws(S3Error) -> Void, sourceLocation: SourceLocation = #_sourceLocation
    ) async {
        do {
            try await call()
            Issue.record("\(action) was allowed", sourceLocation: sourceLocation)
        } catch {
            #expect(error.code == "AccessDenied", "\(error)", sourceLocation: sourceLocation)
            #expect(
                error.description.contains("lack \(action) on arn:aws:s3:::\(bucket)"), "\(error)",
                sourceLocation: sourceLocation)
        }
    }

    @Test func theUploaderUploadsTheSampleAndNothingElse() async throws {
        try await Self.withGuideBucket { (server: MockS3Server) async throws in
            let client = try server.client(credentials: Self.uploader)
            // The default asks for public-read; ACLs are off, so S3 refuses the ACL and the uploader
            // goes on without it.
            let report = try await Uploader(client: client, bucket: Self.bucket).upload(directory: SampleData.directory)
            #expect(report.succeeded && report.uploaded.count > 50, "\(report.failed.prefix(3))")
            #expect(report.warnings.contains { $0.contains("ACLs disabled") }, "\(report.warnings)")
            let again = try await Uploader(client: client, bucket: Self.bucket).upload(directory: SampleData.directory)
            #expect(again.succeeded && again.uploaded.isEmpty && again.unchanged.count == report.uploaded.count)

            let key = try #require(report.uploaded.first)
            await Self.expectRefused("s3:DeleteObject") { () async throws(S3Error) in
                try await client.deleteObject(bucket: Self.bucket, key: key)
            }
            await Self.expectRefused("s3:PutObject") { () async throws(S3Error) in
                _ = try await client.putObject(bucket: Self.bucket, key: "elsewhere/x.csv", body: .bytes([1]))
            }
            let publicPolicy = Array(try Self.policy("public-read").utf8)
            let putPolicy = try await server.raw(
                .put, "/\(Self.bucket)", query: [.init("policy")], body: publicPolicy, as: Self.uploader)
            #expect(putPolicy.status == 403, "an uploader changed the bucket's policy")
            #expect(try await server.client().getObjectBytes(bucket: Self.bucket, key: key) != nil)
        }
    }

    @Test func theReaderServesTheWholeSampleAndWritesNothing() async throws {
        try await Self.withGuideBucket { (server: MockS3Server) async throws in
            var options = Uploader.Options()
            options.acl = nil
            _ = try await Uploader(client: try server.client(), bucket: Self.bucket, options: options).upload(
                directory: SampleData.directory)
            server.journal.clear()
            // race-api over the loader, as deployed with the reader's key: every route answers what the CSVs say.
            _ = try await ServiceTests.expectEveryRoute(s3Environment: [
                "S3_BUCKET_NAME": Self.bucket, "AWS_ENDPOINT_URL_S3": server.endpoint,
                "AWS_ACCESS_KEY_ID": Self.reader.accessKeyId, "AWS_SECRET_ACCESS_KEY": Self.reader.secretAccessKey,
            ])
            let refused = server.journal.entries.filter { $0.status == 403 }
            #expect(
                refused.isEmpty,
                "the reader was refused: \(refused.prefix(3).map { "\($0.operation) \($0.key ?? "")" })")

            let client = try server.client(credentials: Self.reader)
            await Self.expectRefused("s3:PutObject") { () async throws(S3Error) in
                _ = try await client.putObject(bucket: Self.bucket, key: "data/new.csv", body: .bytes([1]))
            }
            await Self.expectRefused("s3:DeleteObject") { () async throws(S3Error) in
                try await client.deleteObject(bucket: Self.bucket, key: "data/COTA/Race 1/COTA_lap_time_R1.csv")
            }
            await Self.expectRefused("s3:ListBucket") { () async throws(S3Error) in
                _ = try await client.listAll(bucket: Self.bucket, prefix: "verify-scratch/")
            }
            _ = try await server.client().putObject(bucket: Self.bucket, key: "private/notes.txt", body: .bytes([1]))
            await Self.expectRefused("s3:GetObject") { () async throws(S3Error) in
                _ = try await client.getObjectBytes(bucket: Self.bucket, key: "private/notes.txt")
            }
            #expect(try await client.listAll(bucket: Self.bucket, prefix: "data/").objects.count > 50)
        }
    }

    /// The public-read policy, once the guide's Block Public Access change is made: anonymous GETs of
    /// `data/*` only; the guide's two steps are both needed.
    @Test func thePublicReadPolicyLetsStrangersReadTheDataOnly() async throws {
        try await Self.withGuideBucket { (server: MockS3Server) async throws in
            let path = "/\(Self.bucket)"
            #expect(try await server.raw(.put, "\(path)/data/COTA/a.csv", body: [1]).status == 200)
            #expect(try await server.raw(.put, "\(path)/other.csv", body: [1]).status == 200)
            let policy = Array(try Self.policy("public-read").utf8)
            #expect(
                try await server.raw(.put, path, query: [.init("policy")], body: policy).status == 403,
                "a public policy while new buckets block them")
            let guideBlock = Array(
                "<PublicAccessBlockConfiguration><BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>true</IgnorePublicAcls><BlockPublicPolicy>false</BlockPublicPolicy><RestrictPublicBuckets>false</RestrictPublicBuckets></PublicAccessBlockConfiguration>"
                    .utf8)
            #expect(
                try await server.raw(.put, path, query: [.init("publicAccessBlock")], body: guideBlock).status == 200)
            #expect(try await server.raw(.put, path, query: [.init("policy")], body: policy).status == 204)

            let stranger = try server.client(anonymous: true)
            #expect(try await stranger.getObjectBytes(bucket: Self.bucket, key: "data/COTA/a.csv") == [1])
            for (what, answer) in [
                ("GET outside data/", try await server.raw(.get, "\(path)/other.csv", sign: false)),
                ("LIST", try await server.raw(.get, path, query: [.init("list-type", "2")], sign: false)),
                ("PUT", try await server.raw(.put, "\(path)/data/COTA/b.csv", body: [2], sign: false)),
                ("DELETE", try await server.raw(.delete, "\(path)/data/COTA/a.csv", sign: false)),
            ] {
                #expect(answer.status == 403, "an anonymous \(what) was answered \(answer.status)")
            }
        }
    }
}
