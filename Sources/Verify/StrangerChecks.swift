import Foundation
import S3Kit
import S3Wire

/// Strangers stay out of a deployment: requests without credentials are refused (a GET of the data
/// is let through only when public reads are expected), and with `--expect-read-only` the run's own
/// credentials cannot write. Each check reports the exact request and S3's answer. The only writes
/// tried are of a fresh scratch key beside the data, with `If-None-Match: *`, so nothing can be
/// replaced; one that succeeds is deleted at once and the check fails, saying so.
struct StrangerChecks {
    let configuration: S3Configuration
    /// The run's own client (with `configuration`'s credentials).
    let own: S3Client
    let bucket: String
    let prefix: String
    let expectPublicRead: Bool
    let expectReadOnly: Bool
    let checks: Checks

    func run() async {
        var anonymousConfiguration = configuration
        anonymousConfiguration.credentials = nil
        anonymousConfiguration.retry = .none
        let anonymous = S3Client(configuration: anonymousConfiguration)
        let scratch = DeploymentMode.scratchPrefix(beside: prefix) + "stranger-check"

        await checks.run("strangers: an anonymous LIST is refused") { try await refusedList(anonymous) }
        await checks.run("strangers: an anonymous PUT is refused") {
            try await refusedWrite(anonymous, key: scratch, who: "without credentials", cleanup: own)
        }
        let getName =
            expectPublicRead ? "strangers: an anonymous GET reads the data" : "strangers: an anonymous GET is refused"
        await checks.run(getName) { try await anonymousRead(anonymous, own: own) }
        if expectReadOnly {
            let who = "with " + (configuration.credentials?.description ?? "no credentials")
            await checks.run("read-only: these credentials cannot write") {
                try await refusedWrite(own, key: scratch, who: who, cleanup: own)
            }
        }
    }

    private func refusedList(_ anonymous: S3Client) async throws -> String {
        let request: String = "GET /\(bucket)?list-type=2&prefix=\(prefix)&max-keys=1 without credentials"
        do {
            _ = try await anonymous.listObjectsV2(bucket: bucket, prefix: prefix, maxKeys: 1)
        } catch {
            guard Self.isRefusal(error) else { throw error }
            return request + " → " + Self.answer(error)
        }
        throw CheckFailure(request + " → 200: anyone can list the data")
    }

    private func anonymousRead(_ anonymous: S3Client, own: S3Client) async throws -> String {
        let listing = try await own.listObjectsV2(bucket: bucket, prefix: prefix, maxKeys: 1)
        guard let key = listing.objects.first?.key else {
            throw CheckFailure("nothing under \(prefix) to try a GET of")
        }
        let request: String = "GET /\(bucket)/\(key) (its first byte) without credentials"
        do {
            // One byte: the data's files run to gigabytes, and reading any of it answers the question.
            _ = try await anonymous.objectExists(bucket: bucket, key: key)
        } catch {
            guard Self.isRefusal(error) else { throw error }
            if expectPublicRead {
                throw CheckFailure(
                    request + " → " + Self.answer(error) + ", but --expect-public-read says anyone may read it")
            }
            return request + " → " + Self.answer(error)
        }
        if expectPublicRead { return request + " → 200, as --expect-public-read says" }
        throw CheckFailure(
            request + " → 200: anyone can read the data (pass --expect-public-read if that is intended)")
    }

    /// A PUT of `key` (`If-None-Match: *`) must be AccessDenied; if it lands, it is deleted at once.
    private func refusedWrite(_ client: S3Client, key: String, who: String, cleanup: S3Client) async throws -> String {
        let request: String = "PUT /\(bucket)/\(key) with If-None-Match: * " + who
        var options = PutOptions(contentMD5: false)
        options.onlyIfAbsent = true
        do {
            _ = try await client.putObject(
                bucket: bucket, key: key, body: .bytes(Array("verify".utf8)), options: options)
        } catch {
            if error.code == "AccessDenied" { return request + " → " + Self.answer(error) }
            if error.code == "PreconditionFailed" {
                throw CheckFailure(
                    request + " → 412: the key exists, so this write was not refused for want of permission")
            }
            throw error
        }
        var removed = "deleted it again"
        do {
            try await cleanup.deleteObject(bucket: bucket, key: key)
        } catch {
            removed = "could NOT delete it (\(error)): remove s3://\(bucket)/\(key) by hand"
        }
        throw CheckFailure(request + " → 200: the write succeeded; " + removed)
    }

    /// Refused for want of permission, as S3 refuses strangers (403; AllAccessDisabled counts too).
    private static func isRefusal(_ error: S3Error) -> Bool {
        error.code == "AccessDenied" || error.code == "AllAccessDisabled" || error.code == "403"
    }

    private static func answer(_ error: S3Error) -> String {
        guard case .service(let e) = error else { return "\(error)" }
        return "\(e.status) \(e.code)" + (e.requestId.map { " (request \($0))" } ?? "")
    }
}
