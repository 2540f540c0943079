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
    let statement = "bad credentials fail at once, naming the cause and the fix, showing no secret"
    let onMoto: MotoSupport = .skipped(because: "moto takes any key and any signature, so it refuses nothing")

    /// A temporary key pair the mock knows as expired.
    public static let expired = MockCredential(
        accessKeyId: "ASIAEXPIREDPROPERTY7", secretAccessKey: "expired/secret", sessionToken: "expired-token",
        expired: true)

    func check(seed: UInt64, context: PropertyContext) async throws {
        try await check(
            under: context.casePrefix(number, seed), writes: !context.readOnly, seed: seed, context: context)
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
        let failure =
            context.mock == nil
            ? random.pick(["unknown key", "wrong secret", "skewed clock"])
            : random.pick(["unknown key", "wrong secret", "expired token", "skewed clock", "no credentials"])
        // The client's calls, and the loader's entry points, which must report the credentials and
        // never take their failure for "listing denied" (and then guess keys, or answer nil).
        let reads = ["list", "get", "head", "tracks", "sessions", "locate", "load"]
        let operation = random.pick(writes ? reads + ["put", "upload"] : reads)
        let secret = "s3cr3t-\(random.int(100_000...999_999))/x"
        var now: @Sendable () -> Date = { Date() }
        let credentials: Credentials? =
            switch failure {
            case "unknown key":
                Credentials(accessKeyId: "AKIAUNKNOWN\(random.int(100_000_000...999_999_999))", secretAccessKey: secret)
            case "wrong secret": Credentials(accessKeyId: good.accessKeyId, secretAccessKey: secret)
            case "expired token":
                Credentials(
                    accessKeyId: Self.expired.accessKeyId, secretAccessKey: Self.expired.secretAccessKey,
                    sessionToken: Self.expired.sessionToken)
            case "skewed clock": good
            default: nil
            }
        if failure == "skewed clock" {
            let skew = Double(random.pick([-1, 1]) * random.int(16 * 60...48 * 3600))
            now = { Date().addingTimeInterval(skew) }
        }
        let client = context.client(
            credentials: credentials, now: now, retry: RetryPolicy(maxAttempts: 4, baseDelay: 0.001))
        let description = "\(failure), \(operation)"
        let mark = context.mock?.journal.mark ?? 0
        var message = ""
        let loader = context.source(prefix: prefix, client: client)
        let track = random.pick(["COTA", "Sonoma", "road-america"])
        let session = Session("R\(random.int(1...2))")!
        let kind = random.pick([TableKind.lap(.lapStart), .lap(.lapTime), .telemetry])
        // Anonymous callers are told AccessDenied for a key that is missing as for one they may not
        // read: for them a load that finds nothing is nil, and a HEAD may be too.
        let anonymousNil = failure == "no credentials" && ["head", "locate", "load"].contains(operation)
        do {
            switch operation {
            case "tracks": _ = try await loader.tracks()
            case "sessions": _ = try await loader.sessions(track: track)
            case "locate": _ = try await loader.locate(track: track, session: session, kind: kind)
            case "load": _ = try await loader.load(track: track, session: session, kind: kind, filter: .all)
            case "list": _ = try await client.listObjectsV2(bucket: context.bucket, prefix: prefix)
            case "get": _ = try await client.getObject(bucket: context.bucket, key: prefix + "x.csv")
            case "head": _ = try await client.headObject(bucket: context.bucket, key: prefix + "x.csv")
            case "put": _ = try await client.putObject(bucket: context.bucket, key: prefix + "x.csv", body: .bytes([1]))
            default:
                let folder = try context.caseFolder(number, seed)
                defer { try? FileManager.default.removeItem(at: folder) }
                try TreeCase(seed: seed, budget: context.budget).write(to: folder)
                var options = Uploader.Options()
                options.prefix = prefix
                _ = try await Uploader(client: client, bucket: context.bucket, options: options).upload(
                    directory: folder)
            }
            if !anonymousNil { throw PropertyFailure("the call succeeded (or answered nil)", case: description) }
        } catch let error as S3Error {
            message = "\(error)"
        } catch let error as DataError {
            message = "\(error)"
        }
        if let mock = context.mock {
            let requests = mock.journal.entries(since: mark)
            try require(
                !requests.contains { $0.operation == "PutObject" && $0.status == 200 }, "something was uploaded",
                case: description)
            // Fails fast: the call's own request is sent once (a HEAD may be followed by one diagnostic GET).
            let primary = [
                "list": "ListObjectsV2", "get": "GetObject", "head": "HeadObject", "put": "PutObject",
                "upload": "HeadBucket",
                "tracks": "ListObjectsV2", "sessions": "ListObjectsV2", "locate": "ListObjectsV2",
                "load": "ListObjectsV2",
            ][operation]!
            let attempts = requests.filter { $0.operation == primary }.count
            try require(
                attempts == 1, "\(attempts) \(primary) requests: an auth failure was retried", case: description)
            // The loader stops at the first refusal of the credentials: guessing keys after it (as for
            // a denied listing) would bury the cause under a "not found".
            if ["tracks", "sessions", "locate", "load"].contains(operation) && failure != "no credentials" {
                try require(
                    requests.count == 1,
                    "\(requests.count) requests after the credentials were refused: \(requests.map(\.operation))",
                    case: description)
            }
        }
        if anonymousNil && message.isEmpty { return }
        let fix: [String: String] = [
            "unknown key": "AWS_ACCESS_KEY_ID", "wrong secret": "AWS_SECRET_ACCESS_KEY",
            "expired token": "AWS_SESSION_TOKEN", "skewed clock": "clock", "no credentials": "s3:",
        ]
        try require(
            message.contains(fix[failure]!), "the message does not say what to do: \(message)", case: description)
        try require(
            !message.contains(secret) && !message.contains(good.secretAccessKey)
                && !message.contains(Self.expired.secretAccessKey),
            "a secret is in the message", case: description)
        if let id = credentials?.accessKeyId {
            try require(!message.contains(id), "the full access key id is in the message", case: description)
        }
    }
}
