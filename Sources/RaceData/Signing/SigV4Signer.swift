import Foundation

/// AWS Signature Version 4 for S3, as a pure function of (request, credentials, region, date):
/// nothing here reads a clock or the environment, so the published vectors pin it down exactly.
public struct SigV4Signer: Sendable {
    public static let algorithm = "AWS4-HMAC-SHA256"
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"
    public static let emptyPayloadSHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    /// Headers a proxy or the transport may change; signing them would break the signature.
    static let unsignedHeaderNames: Set<String> = ["user-agent", "expect", "x-amzn-trace-id", "transfer-encoding"]

    public var credentials: Credentials
    public var region: String
    public var service: String
    /// Remembers derived signing keys; the signatures are the same with or without it.
    public var keyCache: SigningKeyCache?

    public init(credentials: Credentials, region: String, service: String = "s3", keyCache: SigningKeyCache? = nil) {
        self.credentials = credentials; self.region = region; self.service = service; self.keyCache = keyCache
    }

    /// The intermediate texts, kept so tests and error messages can show what was signed.
    public struct Signature: Sendable {
        public var canonicalRequest: String
        public var stringToSign: String
        public var signature: String
        public var signedHeaders: String
        public var credentialScope: String
    }

    /// Adds `x-amz-date`, `x-amz-content-sha256`, a session token if any, and `Authorization`.
    /// `payloadHash` is the hex SHA-256 of the body or `UNSIGNED-PAYLOAD`.
    @discardableResult
    public func sign(_ request: inout HTTPRequest, payloadHash: String, date: Date) -> Signature {
        let stamp = AmzDate(date)
        request.headers.set("x-amz-date", stamp.full)
        request.headers.set("x-amz-content-sha256", payloadHash)
        if let token = credentials.sessionToken { request.headers.set("x-amz-security-token", token) }

        var headers = canonicalHeaders(request)
        if !headers.contains(where: { $0.name == "host" }) {
            headers.append((name: "host", value: request.target.hostHeader))
            headers.sort { $0.name < $1.name }
        }
        let result = signature(method: request.method, target: request.target, query: request.target.query,
                               headers: headers, payloadHash: payloadHash, stamp: stamp)
        request.headers.set("Authorization",
            "\(Self.algorithm) Credential=\(credentials.accessKeyId)/\(result.credentialScope), SignedHeaders=\(result.signedHeaders), Signature=\(result.signature)")
        return result
    }

    /// A presigned URL (query authentication): only `host` is signed and the payload is unsigned.
    public func presign(_ target: RequestTarget, method: HTTPMethod, expires: Int, date: Date) -> (url: String, signature: Signature) {
        let stamp = AmzDate(date)
        var query = target.query
        query.append(.init("X-Amz-Algorithm", Self.algorithm))
        query.append(.init("X-Amz-Credential", "\(credentials.accessKeyId)/\(scope(stamp))"))
        query.append(.init("X-Amz-Date", stamp.full))
        query.append(.init("X-Amz-Expires", String(expires)))
        if let token = credentials.sessionToken { query.append(.init("X-Amz-Security-Token", token)) }
        query.append(.init("X-Amz-SignedHeaders", "host"))
        let result = signature(method: method, target: target, query: query,
                               headers: [(name: "host", value: target.hostHeader)],
                               payloadHash: Self.unsignedPayload, stamp: stamp)
        let url = "\(target.scheme)://\(target.hostHeader)\(target.encodedPath)?"
            + URIEncoding.canonicalQuery(query) + "&X-Amz-Signature=\(result.signature)"
        return (url, result)
    }

    /// The signature of a request as a verifier sees it: `headers` are the signed ones, lower-cased and
    /// in the order to sign; `query` excludes `X-Amz-Signature`. Servers (the mock) call this.
    public func expectedSignature(method: HTTPMethod, target: RequestTarget, headers: [(name: String, value: String)],
                                  payloadHash: String, amzDate: String) -> Signature? {
        guard let date = AmzDate.parse(amzDate) else { return nil }
        let canonical = headers.map { (name: $0.name, value: $0.value.collapsingSpaces) }
        return signature(method: method, target: target, query: target.query, headers: canonical,
                         payloadHash: payloadHash, stamp: AmzDate(date))
    }

    /// Lower-cased names, trimmed values with inner runs of spaces collapsed, sorted; repeated names joined by ",".
    func canonicalHeaders(_ request: HTTPRequest) -> [(name: String, value: String)] {
        var merged: [String: String] = [:]
        for (name, value) in request.headers {
            let key = name.lowercased()
            guard !Self.unsignedHeaderNames.contains(key), key != "authorization" else { continue }
            let clean = value.collapsingSpaces
            merged[key] = merged[key].map { "\($0),\(clean)" } ?? clean
        }
        return merged.map { (name: $0.key, value: $0.value) }.sorted { $0.name < $1.name }
    }

    func signature(method: HTTPMethod, target: RequestTarget, query: [RequestTarget.QueryItem],
                   headers: [(name: String, value: String)], payloadHash: String, stamp: AmzDate) -> Signature {
        let signedHeaders = headers.map(\.name).joined(separator: ";")
        // Appended piece by piece into one buffer: this runs for every request signed or verified.
        var canonicalRequest = String()
        canonicalRequest.reserveCapacity(512)
        canonicalRequest += method.rawValue; canonicalRequest += "\n"
        canonicalRequest += target.encodedPath; canonicalRequest += "\n"
        canonicalRequest += URIEncoding.canonicalQuery(query); canonicalRequest += "\n"
        for header in headers {
            canonicalRequest += header.name; canonicalRequest += ":"; canonicalRequest += header.value; canonicalRequest += "\n"
        }
        canonicalRequest += "\n"; canonicalRequest += signedHeaders
        canonicalRequest += "\n"; canonicalRequest += payloadHash
        let credentialScope = scope(stamp)
        var stringToSign = Self.algorithm
        stringToSign += "\n"; stringToSign += stamp.full
        stringToSign += "\n"; stringToSign += credentialScope
        stringToSign += "\n"; stringToSign += Digest.sha256(canonicalRequest.utf8).hexString
        let signature = Digest.hmacSHA256(key: signingKey(stamp.day), message: Array(stringToSign.utf8)).hexString
        return Signature(canonicalRequest: canonicalRequest, stringToSign: stringToSign, signature: signature,
                         signedHeaders: signedHeaders, credentialScope: credentialScope)
    }

    func scope(_ stamp: AmzDate) -> String { "\(stamp.day)/\(region)/\(service)/aws4_request" }

    public func signingKey(_ day: String) -> [UInt8] {
        if let keyCache { return keyCache.key(secret: credentials.secretAccessKey, region: region, service: service, day: day, derive: deriveKey) }
        return deriveKey(day)
    }

    private func deriveKey(_ day: String) -> [UInt8] {
        var key = Digest.hmacSHA256(key: Array("AWS4\(credentials.secretAccessKey)".utf8), message: Array(day.utf8))
        for part in [region, service, "aws4_request"] {
            key = Digest.hmacSHA256(key: key, message: Array(part.utf8))
        }
        return key
    }
}

/// Signing keys depend only on (secret, day, region, service) and take four HMACs to derive; a
/// client or verifier that signs every request keeps the few it has used.
public final class SigningKeyCache: @unchecked Sendable {
    private struct Scope: Hashable { var secret, region, service, day: String }
    private let lock = NSLock()
    private var keys: [Scope: [UInt8]] = [:]

    public init() {}

    func key(secret: String, region: String, service: String, day: String, derive: (String) -> [UInt8]) -> [UInt8] {
        let scope = Scope(secret: secret, region: region, service: service, day: day)
        lock.lock()
        if let key = keys[scope] { lock.unlock(); return key }
        lock.unlock()
        let key = derive(day)
        lock.lock()
        // Days roll over and credentials rotate; a small bound keeps the cache from growing.
        if keys.count >= 64 { keys.removeAll() }
        keys[scope] = key
        lock.unlock()
        return key
    }
}

/// The two spellings of a UTC instant that SigV4 uses: `20130524T000000Z` and `20130524`.
public struct AmzDate: Sendable, Equatable {
    public let full: String
    public var day: String { String(full.prefix(8)) }

    public init(_ date: Date) {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        // Built digit by digit: this runs for every request signed or verified.
        var bytes = [UInt8](repeating: 0, count: 16)
        func put(_ value: Int32, _ at: Int, _ width: Int) {
            var v = value
            for i in stride(from: at + width - 1, through: at, by: -1) { bytes[i] = UInt8(48 + v % 10); v /= 10 }
        }
        put(parts.tm_year + 1900, 0, 4); put(parts.tm_mon + 1, 4, 2); put(parts.tm_mday, 6, 2)
        bytes[8] = UInt8(ascii: "T")
        put(parts.tm_hour, 9, 2); put(parts.tm_min, 11, 2); put(parts.tm_sec, 13, 2)
        bytes[15] = UInt8(ascii: "Z")
        full = String(decoding: bytes, as: UTF8.self)
    }

    /// Parses `20130524T000000Z`; nil for anything else.
    public static func parse(_ text: String) -> Date? {
        let b = Array(text.utf8)
        guard b.count == 16, b[8] == UInt8(ascii: "T"), b[15] == UInt8(ascii: "Z") else { return nil }
        func num(_ r: Range<Int>) -> Int32? {
            var v: Int32 = 0
            for c in b[r] {
                guard c >= 48, c <= 57 else { return nil }
                v = v * 10 + Int32(c - 48)
            }
            return v
        }
        guard let y = num(0..<4), let mo = num(4..<6), let d = num(6..<8),
              let h = num(9..<11), let mi = num(11..<13), let s = num(13..<15),
              (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, s < 61 else { return nil }
        var parts = tm()
        parts.tm_year = y - 1900; parts.tm_mon = mo - 1; parts.tm_mday = d
        parts.tm_hour = h; parts.tm_min = mi; parts.tm_sec = s
        return Date(timeIntervalSince1970: TimeInterval(timegm(&parts)))
    }
}
