import Foundation
import S3Wire

/// How the client signs request bodies.
public enum PayloadSigning: Sendable {
    /// The body's SHA-256 goes into the signature (a file is read twice: hash, then send).
    case signed
    /// `UNSIGNED-PAYLOAD`: integrity comes from Content-MD5 and TLS instead.
    case unsigned
    /// `aws-chunked` with a signature per chunk (`STREAMING-AWS4-HMAC-SHA256-PAYLOAD`): the body is
    /// signed but read once, each chunk hashed in the buffer it is sent from. No Content-MD5 is sent.
    case streaming
    /// `UNSIGNED-PAYLOAD` as `aws-chunked` with an `x-amz-checksum-crc32c` trailer
    /// (`STREAMING-UNSIGNED-PAYLOAD-TRAILER`): read once, checksummed as it is sent; S3 refuses a body
    /// that arrived different (`BadDigest`). What AWS SDKs send over HTTPS.
    case checksumTrailer
}

public struct S3Configuration: Sendable {
    public var region: String
    public var endpoint: S3Endpoint
    /// nil means anonymous (unsigned) requests, which only happen when asked for.
    public var credentials: Credentials?
    public var retry: RetryPolicy
    public var payloadSigning: PayloadSigning
    public var transport: TransportOptions
    /// A listing that needs more pages than this is refused (`S3_MAX_LIST_PAGES`): 100,000 pages is
    /// 100 million keys, and a server that never stops paging is not S3.
    public var maxListPages = 100_000
    /// How large objects are read (`getObjectInParts`): part size and parts in flight.
    public var download = DownloadOptions()

    public init(
        region: String = "us-east-1", endpoint: S3Endpoint? = nil, credentials: Credentials?,
        retry: RetryPolicy = RetryPolicy(), payloadSigning: PayloadSigning = .signed,
        transport: TransportOptions = TransportOptions()
    ) {
        self.region = region
        self.endpoint = endpoint ?? .aws(region: region)
        self.credentials = credentials
        self.retry = retry
        self.payloadSigning = payloadSigning
        self.transport = transport
    }

    /// Builds the configuration from the environment (the README's table): region from `AWS_REGION` or
    /// `AWS_DEFAULT_REGION` (default us-east-1), endpoint from `AWS_ENDPOINT_URL_S3` or `AWS_ENDPOINT_URL`,
    /// credentials from the standard chain unless `anonymous`.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment,
        anonymous: Bool = false
    ) throws(S3Error) -> S3Configuration {
        let region = environment.setting("AWS_REGION") ?? environment.setting("AWS_DEFAULT_REGION") ?? "us-east-1"
        let endpoint = try (environment.setting("AWS_ENDPOINT_URL_S3") ?? environment.setting("AWS_ENDPOINT_URL")).map {
            url throws(S3Error) in
            try S3Endpoint.custom(url)
        }
        let credentials = anonymous ? nil : try CredentialChain(environment: environment).resolve()
        var transport = TransportOptions()
        for (name, set) in [
            ("S3_LOW_SPEED_LIMIT", { (v: Double) in transport.lowSpeedLimit = Int(v) }),
            ("S3_LOW_SPEED_TIME", { (v: Double) in transport.lowSpeedTime = v }),
        ] {
            guard let text = environment.setting(name) else { continue }
            guard let value = Double(text), value >= 0, value.isFinite else {
                throw .invalidArgument("\(name)=\"\(text)\" is not a number of bytes a second or seconds (0 or more).")
            }
            set(value)
        }
        var maxPages: Int?
        if let text = environment.setting("S3_MAX_LIST_PAGES") {
            guard let value = Int(text), value > 0 else {
                throw .invalidArgument("S3_MAX_LIST_PAGES=\"\(text)\" is not a count of pages (1 or more).")
            }
            maxPages = value
        }
        var configuration = S3Configuration(
            region: region, endpoint: endpoint, credentials: credentials, transport: transport)
        if let maxPages { configuration.maxListPages = maxPages }
        configuration.download = try DownloadOptions(environment: environment)
        return configuration
    }
}

/// Exponential backoff with full jitter: attempt n waits a random time in [0, min(maxDelay, base·2ⁿ)].
public struct RetryPolicy: Sendable {
    /// Attempts in all, the first included.
    public var maxAttempts: Int
    public var baseDelay: TimeInterval
    public var maxDelay: TimeInterval

    public init(maxAttempts: Int = 4, baseDelay: TimeInterval = 0.1, maxDelay: TimeInterval = 5) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    public static let none = RetryPolicy(maxAttempts: 1)

    /// The pause before attempt `attempt + 1` (attempt counts from 1).
    public func delay<R: RandomNumberGenerator>(after attempt: Int, using random: inout R) -> TimeInterval {
        let ceiling = min(maxDelay, baseDelay * pow(2, Double(attempt - 1)))
        return ceiling <= 0 ? 0 : Double.random(in: 0...ceiling, using: &random)
    }

    /// S3 error codes that a later attempt may get past.
    public static let retryableCodes: Set<String> = [
        "SlowDown", "RequestTimeout", "InternalError", "ServiceUnavailable", "Throttling", "ThrottlingException",
        "RequestLimitExceeded", "BandwidthLimitExceeded", "RequestThrottled",
    ]
    public static let retryableStatuses: Set<Int> = [500, 502, 503, 504]
}
