import S3Wire

/// A request that got no complete HTTP answer. `retryable` says whether sending it again may help.
public struct TransportError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case connectionRefused = "connection refused"
        case dns = "host name not resolved"
        case tls = "TLS handshake or certificate failure"
        case timeout = "timed out"
        case connectionDropped = "connection dropped"
        case bodyUnreadable = "request body could not be read"
        case responseTooLarge = "response too large"
        case invalidResponse = "invalid response"
        case cancelled = "cancelled"
        case other = "transport failure"
    }

    public var kind: Kind
    /// The endpoint, never with credentials in it (query auth is stripped before it gets here).
    public var endpoint: String
    public var detail: String

    public init(_ kind: Kind, endpoint: String, detail: String) {
        self.kind = kind
        self.endpoint = endpoint
        self.detail = detail
    }

    public var retryable: Bool {
        switch kind {
        case .connectionDropped, .timeout, .connectionRefused: true
        case .dns, .tls, .bodyUnreadable, .responseTooLarge, .invalidResponse, .cancelled, .other: false
        }
    }

    public var description: String {
        let advice: String =
            switch kind {
            case .connectionRefused: "Is the server running, and is the endpoint (AWS_ENDPOINT_URL_S3) right?"
            case .dns: "Check the endpoint host name and the region (AWS_REGION), and your network's DNS."
            case .tls:
                "Check the endpoint's certificate and the system's CA bundle; a custom endpoint may need http://."
            case .timeout: "The server did not answer in time; check the network or raise the timeout."
            case .connectionDropped: "The server closed the connection mid-request; it was retried where safe."
            case .bodyUnreadable: "Check that the local file still exists and is readable."
            case .responseTooLarge: "The server sent more than a response of this kind may hold."
            case .invalidResponse: "The server does not answer as S3 does; check the endpoint (AWS_ENDPOINT_URL_S3)."
            case .cancelled: "The operation was cancelled."
            case .other: "See the detail above."
            }
        return "Request to \(endpoint) failed: \(kind.rawValue) (\(detail)). \(advice)"
    }
}
