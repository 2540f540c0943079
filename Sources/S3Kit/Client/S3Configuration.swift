import Foundation
import S3Wire

public struct S3Configuration: Sendable {
    public var region: String
    public var endpoint: S3Endpoint
    /// nil means anonymous (unsigned) requests, which only happen when asked for.
    public var credentials: Credentials?
    public var retry: RetryPolicy
    public var payloadSigning: PayloadSigning
    /// `when_required` keeps checksum trailers off (`AWS_REQUEST_CHECKSUM_CALCULATION`).
    public var checksumCalculation = ChecksumCalculation.whenSupported
    /// One-line notices a user should see (a payload mode the server refused); standard error by default.
    public var notice: @Sendable (String) -> Void = { FileHandle.standardError.write(Data("s3: \($0)\n".utf8)) }
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
    /// credentials from the standard chain unless `anonymous`, checksum calculation from
    /// `AWS_REQUEST_CHECKSUM_CALCULATION` or the profile's `request_checksum_calculation`.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment,
        anonymous: Bool = false
    ) throws(S3Error) -> S3Configuration {
        let region = environment.setting("AWS_REGION") ?? environment.setting("AWS_DEFAULT_REGION") ?? "us-east-1"
        let endpoint = try (environment.setting("AWS_ENDPOINT_URL_S3") ?? environment.setting("AWS_ENDPOINT_URL")).map {
            url throws(S3Error) in
            try S3Endpoint.custom(url)
        }
        let chain = CredentialChain(environment: environment)
        let credentials = anonymous ? nil : try chain.resolve()
        let checksumCalculation = try ChecksumCalculation.configured(environment: environment, chain: chain)
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
        configuration.checksumCalculation = checksumCalculation
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
