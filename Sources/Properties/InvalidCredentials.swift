import Foundation
import MockS3Server
import RaceData
import RaceDataTesting
import S3Kit
import S3Wire

/// 7. Invalid credentials give clear errors.
struct InvalidCredentials: RaceProperty {
    let number = 7
    let title = "invalid credentials give clear errors"

    /// A temporary key pair the mock knows as expired.
    public static let expired = MockCredential(accessKeyId: "ASIAEXPIREDPROPERTY7", secretAccessKey: "expired/secret", sessionToken: "expired-token", expired: true)

    func check(seed: UInt64, context: PropertyContext) async throws {
        try await check(under: context.casePrefix(number, seed), writes: !context.readOnly, seed: seed, context: context)
    }

    func canCheck(_ dataset: Dataset, readOnly: Bool) -> Bool { true }
    func check(dataset: Dataset, seed: UInt64, context: PropertyContext) async throws {
        try await check(under: dataset.prefix, writes: !context.readOnly, seed: seed, context: context)
    }

    /// Calls under `prefix` (writes only when allowed) with credentials broken one way.
    func check(under prefix: String, writes: Bool, seed: UInt64, context: PropertyContext) async throws {
        var random = SeededGenerator(seed: seed)
        guard let good = context.client.configuration.credentials else { return }
        // Without the mock: the failures any S3 judges, on calls that write nothing.
        let failure = context.mock == nil ? random.pick(["unknown key", "wrong secret", "skewed clock"])
            : random.pick(["unknown key", "wrong secret", "expired token", "skewed clock", "no credentials"])
        let operation = writes ? random.pick(["list", "get", "head", "put", "upload"]) : random.pick(["list", "get", "head"])
        let secret = "s3cr3t-\(random.int(100_000...999_999))/x"
        var now: @Sendable () -> Date = { Date() }
        let credentials: Credentials? = switch failure {
        case "unknown key": Credentials(accessKeyId: "AKIAUNKNOWN\(random.int(100_000_000...999_999_999))", secretAccessKey: secret)
        case "wrong secret": Credentials(accessKeyId: good.accessKeyId, secretAccessKey: secret)
        case "expired token": Credentials(accessKeyId: Self.expired.accessKeyId, secretAccessKey: Self.expired.secretAccessKey, sessionToken: Self.expired.sessionToken)
        case "skewed clock": good
        default: nil
        }
        if failure == "skewed clock" {
            let skew = Double(random.pick([-1, 1]) * random.int(16 * 60...48 * 3600))
            now = { Date().addingTimeInterval(skew) }
        }
        let client = context.client(credentials: credentials, now: now, retry: RetryPolicy(maxAttempts: 4, baseDelay: 0.001))
        let description = "\(failure), \(operation)"
        let before = context.mock?.journal.entries.count ?? 0
        var message = ""
        do {
            switch operation {
            case "list": _ = try await client.listObjectsV2(bucket: context.bucket, prefix: prefix)
            case "get": _ = try await client.getObject(bucket: context.bucket, key: prefix + "x.csv")
            case "head": _ = try await client.headObject(bucket: context.bucket, key: prefix + "x.csv")
            case "put": _ = try await client.putObject(bucket: context.bucket, key: prefix + "x.csv", body: .bytes([1]))
            default:
                let folder = try context.caseFolder(number, seed)
                defer { try? FileManager.default.removeItem(at: folder) }
                try TreeCase(seed: seed).write(to: folder)
                var options = Uploader.Options()
                options.prefix = prefix
                _ = try await Uploader(client: client, bucket: context.bucket, options: options).upload(directory: folder)
            }
            // Anonymous HEAD/GET of a missing key answers 403, which the client may map to nil for HEAD.
            if !(failure == "no credentials" && operation == "head") {
                throw PropertyFailure("the call succeeded", case: description)
            }
        } catch let error as S3Error {
            message = "\(error)"
        }
        if let mock = context.mock {
            let requests = mock.journal.entries.dropFirst(before)
            try require(!requests.contains { $0.operation == "PutObject" && $0.status == 200 }, "something was uploaded", case: description)
            // Fails fast: the call's own request is sent once (a HEAD may be followed by one diagnostic GET).
            let primary = ["list": "ListObjectsV2", "get": "GetObject", "head": "HeadObject", "put": "PutObject", "upload": "HeadBucket"][operation]!
            let attempts = requests.filter { $0.operation == primary }.count
            try require(attempts == 1, "\(attempts) \(primary) requests: an auth failure was retried", case: description)
        }
        if failure == "no credentials" && operation == "head" { return }
        let fix: [String: String] = ["unknown key": "AWS_ACCESS_KEY_ID", "wrong secret": "AWS_SECRET_ACCESS_KEY",
                                     "expired token": "AWS_SESSION_TOKEN", "skewed clock": "clock", "no credentials": "s3:"]
        try require(message.contains(fix[failure]!), "the message does not say what to do: \(message)", case: description)
        try require(!message.contains(secret) && !message.contains(good.secretAccessKey) && !message.contains(Self.expired.secretAccessKey),
                    "a secret is in the message", case: description)
        if let id = credentials?.accessKeyId {
            try require(!message.contains(id), "the full access key id is in the message", case: description)
        }
    }
}
