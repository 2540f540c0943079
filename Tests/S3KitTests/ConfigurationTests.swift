import Foundation
import RaceDataTesting
import Testing

@testable import S3Kit
@testable import S3Wire

@Suite("Credentials, endpoints and retry timing")
struct ConfigurationTests {
    @Test func environmentComesFirst() throws {
        let c = try CredentialChain(environment: [
            "AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "s", "AWS_SESSION_TOKEN": "t",
            "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
        ]).resolve()
        #expect(c.accessKeyId == "AKIAENV" && c.sessionToken == "t" && c.source == "environment")
    }

    @Test func halfSetEnvironmentIsAnError() {
        let error = #expect(throws: S3Error.self) {
            try CredentialChain(environment: ["AWS_ACCESS_KEY_ID": "AKIAENV"]).resolve()
        }
        #expect("\(error!)".contains("AWS_SECRET_ACCESS_KEY is not"))
    }

    @Test func sharedFileAndProfiles() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("creds-\(UUID())").path
        try """
        # comment
        [default]
        aws_access_key_id = AKIADEFAULT
        aws_secret_access_key = secret1

        [profile race]
        aws_access_key_id=AKIARACE
        aws_secret_access_key=secret2
        aws_session_token = tok
        """.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let d = try CredentialChain(environment: ["AWS_SHARED_CREDENTIALS_FILE": path]).resolve()
        #expect(d.accessKeyId == "AKIADEFAULT" && d.source.contains("[default]"))
        let r = try CredentialChain(environment: ["AWS_SHARED_CREDENTIALS_FILE": path, "AWS_PROFILE": "race"]).resolve()
        #expect(r.accessKeyId == "AKIARACE" && r.sessionToken == "tok")
        let error = #expect(throws: S3Error.self) {
            try CredentialChain(environment: ["AWS_SHARED_CREDENTIALS_FILE": path, "AWS_PROFILE": "nope"]).resolve()
        }
        #expect("\(error!)".contains("[nope]") && "\(error!)".contains("default, race"))
        #expect(!"\(error!)".contains("secret"))
    }

    @Test func nothingFoundSaysWhereItLooked() {
        let error = #expect(throws: S3Error.self) {
            try CredentialChain(environment: ["AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/creds"]).resolve()
        }
        let text = "\(error!)"
        #expect(
            text.contains("environment") && text.contains("/nonexistent/creds") && text.contains("AWS_ACCESS_KEY_ID"))
    }

    @Test func descriptionsHideSecrets() {
        let c = Credentials(
            accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG", sessionToken: "tok")
        for text in ["\(c)", String(reflecting: c)] {
            #expect(!text.contains("wJalr") && !text.contains("AKIAIOSFODNN7EXAMPLE") && !text.contains("tok"))
            #expect(text.contains("…MPLE"))
        }
    }

    @Test func addressing() throws {
        let aws = S3Endpoint.aws(region: "eu-west-1")
        #expect(
            aws.target(bucket: "race-data", key: "data/a b.csv", query: []).urlString
                == "https://race-data.s3.eu-west-1.amazonaws.com/data/a%20b.csv")
        #expect(
            aws.target(bucket: "race.data", key: "x", query: []).urlString
                == "https://s3.eu-west-1.amazonaws.com/race.data/x")
        let local = try S3Endpoint.custom("http://127.0.0.1:9000")
        #expect(
            local.target(bucket: "race-data", key: "data/ü.csv", query: [.init("uploads")]).urlString
                == "http://127.0.0.1:9000/race-data/data/%C3%BC.csv?uploads")
        #expect(throws: S3Error.self) { try S3Endpoint.custom("ftp://x") }
        #expect(throws: S3Error.self) { try S3Endpoint.custom("http://user:pw@host:9000") }
    }

    @Test func configurationFromEnvironment() throws {
        let c = try S3Configuration.fromEnvironment([
            "AWS_DEFAULT_REGION": "eu-central-1", "AWS_ENDPOINT_URL": "http://localhost:4566",
            "AWS_ACCESS_KEY_ID": "A", "AWS_SECRET_ACCESS_KEY": "B",
        ])
        #expect(c.region == "eu-central-1" && c.endpoint.pathStyle && c.endpoint.port == 4566)
        let s3First = try S3Configuration.fromEnvironment(
            [
                "AWS_ENDPOINT_URL_S3": "http://a:1", "AWS_ENDPOINT_URL": "http://b:2",
                "AWS_REGION": "us-west-2", "AWS_DEFAULT_REGION": "x",
            ], anonymous: true)
        #expect(s3First.endpoint.host == "a" && s3First.region == "us-west-2" && s3First.credentials == nil)
        let plain = try S3Configuration.fromEnvironment(["AWS_ACCESS_KEY_ID": "A", "AWS_SECRET_ACCESS_KEY": "B"])
        #expect(plain.region == "us-east-1" && plain.endpoint == .aws(region: "us-east-1"))
    }

    @Test func fullJitterStaysUnderTheCeiling() {
        var random = SeededGenerator(seed: 7)
        let policy = RetryPolicy(maxAttempts: 10, baseDelay: 0.1, maxDelay: 2)
        for attempt in 1...9 {
            let ceiling = min(2, 0.1 * pow(2, Double(attempt - 1)))
            let delays = (0..<200).map { _ in policy.delay(after: attempt, using: &random) }
            #expect(delays.allSatisfy { $0 >= 0 && $0 <= ceiling })
            #expect(delays.max()! > ceiling * 0.8)  // full jitter spreads over the whole range
            #expect(delays.min()! < ceiling * 0.2)
        }
    }

    @Test(arguments: [("a b", "a%20b"), ("ñ+é", "%C3%B1%2B%C3%A9"), ("100%", "100%25"), ("x/y~z_-.", "x/y~z_-.")])
    func uriEncoding(raw: String, encoded: String) {
        #expect(URIEncoding.encode(raw, keepSlash: true) == encoded)
        #expect(URIEncoding.decode(encoded) == raw)
    }
}
