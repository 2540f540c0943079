import S3Wire

/// The seam between the S3 client and the wire: tests may put anything that speaks HTTP behind it.
public protocol HTTPTransport: Sendable {
    /// Sends the request. With `streamBody`, a 2xx body arrives as a stream; every other body is collected.
    func execute(_ request: HTTPRequest, streamBody: Bool) async throws -> HTTPResponse

    /// Runs `body` with a connection of its own, where the transport has such a thing (see `CurlTransport`).
    func withConnection<T>(_ body: () async throws -> T) async rethrows -> T
}

extension HTTPTransport {
    public func withConnection<T>(_ body: () async throws -> T) async rethrows -> T { try await body() }
}

public struct HTTPResponse: Sendable {
    public var head: ResponseHead
    /// The whole body, unless it is streamed.
    public var body: [UInt8]
    public var stream: ResponseBodyStream?
    public var status: Int { head.status }

    /// For transports of one's own (a test double, a proxy): a collected body, or a stream.
    public init(head: ResponseHead, body: [UInt8], stream: ResponseBodyStream? = nil) {
        self.head = head
        self.body = body
        self.stream = stream
    }
}
