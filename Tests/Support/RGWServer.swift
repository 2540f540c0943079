import Foundation
import S3Kit
import S3Wire

/// A Ceph RADOS Gateway, a real S3 server, started by `scripts/rgw.sh` (`.ci/run` starts one) and
/// named by its environment: `RGW_ENDPOINT`, `RGW_MAIN_KEY`, `RGW_MAIN_SECRET`. Tests that need it are
/// skipped when it is not given (`eval "$(bash scripts/rgw.sh start)"` before `swift test` gives it).
public struct RGWServer: Sendable {
    public let endpoint: String
    public let credentials: Credentials

    public static let configured: RGWServer? = {
        let environment = ProcessInfo.processInfo.environment
        guard let endpoint = environment.setting("RGW_ENDPOINT"), let key = environment.setting("RGW_MAIN_KEY"),
            let secret = environment.setting("RGW_MAIN_SECRET")
        else { return nil }
        return RGWServer(
            endpoint: endpoint, credentials: Credentials(accessKeyId: key, secretAccessKey: secret, source: "RGW main"))
    }()

    public func client(
        payloadSigning: PayloadSigning = .signed, download: DownloadOptions = DownloadOptions(),
        notice: @escaping @Sendable (String) -> Void = { _ in }
    ) throws -> S3Client {
        var configuration = S3Configuration(
            region: "us-east-1", endpoint: try S3Endpoint.custom(endpoint), credentials: credentials,
            retry: RetryPolicy(maxAttempts: 3, baseDelay: 0.05), payloadSigning: payloadSigning)
        configuration.download = download
        configuration.notice = notice
        return S3Client(configuration: configuration)
    }

    /// A fresh bucket for one test (RGW keeps its data for the whole run).
    public func bucket(_ name: String) async throws -> (S3Client, String) {
        let client = try client()
        let bucket = "\(name)-\(String(UInt32.random(in: 0...UInt32.max), radix: 36))"
        try await client.createBucket(bucket)
        return (client, bucket)
    }
}
