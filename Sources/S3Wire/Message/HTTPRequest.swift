import Foundation

public struct HTTPRequest: Sendable {
    public var method: RequestMethod
    public var target: RequestTarget
    public var headers: HeaderFields
    public var body: RequestBody
    /// A collected answer body over this many bytes is refused (`responseTooLarge`); nil: the transport's limit.
    public var maxResponseBytes: Int?

    public init(
        method: RequestMethod, target: RequestTarget, headers: HeaderFields = HeaderFields(), body: RequestBody = .empty
    ) {
        self.method = method
        self.target = target
        self.headers = headers
        self.body = body
    }
}

public struct ResponseHead: Sendable {
    public var status: Int
    public var headers: HeaderFields
    public init(status: Int, headers: HeaderFields) {
        self.status = status
        self.headers = headers
    }
}

public enum RequestMethod: String, Sendable {
    case get = "GET"
    case head = "HEAD"
    case put = "PUT"
    case post = "POST"
    case delete = "DELETE"
    case options = "OPTIONS"
}

/// Header fields in the order they were added; names compare case-insensitively.
public struct HeaderFields: Sendable, Sequence, ExpressibleByDictionaryLiteral {
    public private(set) var fields: [(name: String, value: String)] = []

    public init() {}
    public init(dictionaryLiteral elements: (String, String)...) {
        for (name, value) in elements { add(name, value) }
    }

    public mutating func add(_ name: String, _ value: String) { fields.append((name, value)) }

    /// Replaces every field of that name with one.
    public mutating func set(_ name: String, _ value: String) {
        remove(name)
        add(name, value)
    }

    public mutating func remove(_ name: String) {
        fields.removeAll { $0.name.equalsIgnoringASCIICase(name) }
    }

    public subscript(name: String) -> String? {
        fields.first { $0.name.equalsIgnoringASCIICase(name) }?.value
    }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> { fields.makeIterator() }
}

/// Where a request goes: the path and query are kept raw (unencoded) and encoded once, by `URIEncoding`.
public struct RequestTarget: Sendable, Equatable {
    public var scheme: String
    public var host: String
    public var port: Int?
    /// Unencoded path starting with "/", e.g. "/race-data/data/COTA/Race 1/x.csv".
    public var path: String
    /// Unencoded query parameters; a parameter without a value has "".
    public var query: [QueryItem]

    public struct QueryItem: Sendable, Equatable {
        public var name: String
        public var value: String
        public init(_ name: String, _ value: String = "") {
            self.name = name
            self.value = value
        }
    }

    public init(scheme: String, host: String, port: Int? = nil, path: String, query: [QueryItem] = []) {
        self.scheme = scheme
        self.host = host
        self.port = port
        self.path = path
        self.query = query
    }

    /// The Host header: the port appears only when it is not the scheme's default.
    public var hostHeader: String {
        guard let port, port != (scheme == "https" ? 443 : 80) else { return host }
        // (A byte test: String.contains(String) goes through Foundation, and this runs several times per request.)
        return host.utf8.contains(UInt8(ascii: ":")) && !host.hasPrefix("[") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    public var encodedPath: String { URIEncoding.encode(path, keepSlash: true) }

    /// The query as sent: parameters in the order given, a value-less one as a bare name (`?uploads`).
    public var encodedQuery: String {
        query.map { item in
            let name = URIEncoding.encode(item.name, keepSlash: false)
            return item.value.isEmpty ? name : "\(name)=\(URIEncoding.encode(item.value, keepSlash: false))"
        }.joined(separator: "&")
    }

    public var urlString: String {
        let q = encodedQuery
        return "\(scheme)://\(hostHeader)\(encodedPath)" + (q.isEmpty ? "" : "?\(q)")
    }
}

/// What a request sends as its body.
public enum RequestBody: Sendable {
    case empty
    case bytes([UInt8])
    /// A byte range of a file, read as it is sent (never loaded whole).
    case file(path: String, offset: UInt64, length: UInt64)
    /// Another body sent as `aws-chunked` with a signature per chunk; chunks are read and hashed
    /// ahead on a helper thread while earlier ones are on the wire.
    indirect case signedChunks(RequestBody, ChunkSigner)
    /// Another body sent as unsigned `aws-chunked` with a CRC32C trailer computed as it is read.
    indirect case checksummedChunks(RequestBody)

    /// Bytes on the wire (the Content-Length).
    public var length: UInt64 {
        switch self {
        case .empty: 0
        case .bytes(let b): UInt64(b.count)
        case .file(_, _, let length): length
        case .signedChunks(let inner, let signer): ChunkSigner.encodedLength(inner.length, chunkSize: signer.chunkSize)
        case .checksummedChunks(let inner): ChecksumTrailerFraming.encodedLength(inner.length)
        }
    }
}
