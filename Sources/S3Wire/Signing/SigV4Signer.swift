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
        self.credentials = credentials
        self.region = region
        self.service = service
        self.keyCache = keyCache
    }

    /// The intermediate texts, kept so tests and error messages can show what was signed. They are
    /// kept as bytes and made into text only when asked for: a verifier wants just the signature.
    public struct Signature: Sendable {
        public let signature: String
        public let credentialScope: String
        let canonicalBytes: [UInt8]
        let signedHeadersRange: Range<Int>
        let stringToSignBytes: [UInt8]

        public var canonicalRequest: String { String(decoding: canonicalBytes, as: UTF8.self) }
        public var stringToSign: String { String(decoding: stringToSignBytes, as: UTF8.self) }
        public var signedHeaders: String { String(decoding: canonicalBytes[signedHeadersRange], as: UTF8.self) }
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
        let result = signature(
            method: request.method, target: request.target, query: request.target.query,
            headers: headers, payloadHash: payloadHash, stamp: stamp)
        request.headers.set(
            "Authorization",
            "\(Self.algorithm) Credential=\(credentials.accessKeyId)/\(result.credentialScope), SignedHeaders=\(result.signedHeaders), Signature=\(result.signature)"
        )
        return result
    }

    /// A presigned URL (query authentication): only `host` is signed and the payload is unsigned.
    public func presign(_ target: RequestTarget, method: RequestMethod, expires: Int, date: Date) -> (
        url: String, signature: Signature
    ) {
        let stamp = AmzDate(date)
        var query = target.query
        query.append(.init("X-Amz-Algorithm", Self.algorithm))
        query.append(.init("X-Amz-Credential", "\(credentials.accessKeyId)/\(scope(stamp))"))
        query.append(.init("X-Amz-Date", stamp.full))
        query.append(.init("X-Amz-Expires", String(expires)))
        if let token = credentials.sessionToken { query.append(.init("X-Amz-Security-Token", token)) }
        query.append(.init("X-Amz-SignedHeaders", "host"))
        let result = signature(
            method: method, target: target, query: query,
            headers: [(name: "host", value: target.hostHeader)],
            payloadHash: Self.unsignedPayload, stamp: stamp)
        let url =
            "\(target.scheme)://\(target.hostHeader)\(target.encodedPath)?"
            + URIEncoding.canonicalQuery(query) + "&X-Amz-Signature=\(result.signature)"
        return (url, result)
    }

    /// The signature of a request as a verifier sees it: `headers` are the signed ones, lower-cased and
    /// in the order to sign; `query` excludes `X-Amz-Signature`. Servers (the mock) call this.
    public func expectedSignature(
        method: RequestMethod, target: RequestTarget, headers: [(name: String, value: String)],
        payloadHash: String, amzDate: String
    ) -> Signature? {
        guard let stamp = AmzDate(parsing: amzDate) else { return nil }
        return signature(
            method: method, target: target, query: target.query, headers: headers,
            payloadHash: payloadHash, stamp: stamp)
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

    /// Header values are canonicalised here (trimmed, inner runs of spaces collapsed), so callers may
    /// pass them as received. Built as bytes in one buffer: this runs for every request signed or verified.
    func signature(
        method: RequestMethod, target: RequestTarget, query: [RequestTarget.QueryItem],
        headers: [(name: String, value: String)], payloadHash: String, stamp: AmzDate
    ) -> Signature {
        let newline = UInt8(ascii: "\n")
        var canonical = [UInt8]()
        // Room for the path and query with every byte escaped, so the buffer is made once.
        canonical.reserveCapacity(
            128 + 3 * target.path.utf8.count
                + query.reduce(0) { $0 + 3 * ($1.name.utf8.count + $1.value.utf8.count) + 2 }
                + headers.reduce(0) { $0 + 2 * $1.name.utf8.count + $1.value.utf8.count + 3 } + payloadHash.utf8.count)
        canonical += method.rawValue.utf8
        canonical.append(newline)
        URIEncoding.append(target.path, keepSlash: true, to: &canonical)
        canonical.append(newline)
        URIEncoding.appendCanonicalQuery(query, to: &canonical)
        canonical.append(newline)
        for header in headers {
            canonical += header.name.utf8
            canonical.append(UInt8(ascii: ":"))
            canonical += header.value.collapsingSpaces.utf8
            canonical.append(newline)
        }
        canonical.append(newline)
        let signedStart = canonical.count
        for (index, header) in headers.enumerated() {
            if index > 0 { canonical.append(UInt8(ascii: ";")) }
            canonical += header.name.utf8
        }
        let signedHeadersRange = signedStart..<canonical.count
        canonical.append(newline)
        canonical += payloadHash.utf8

        let credentialScope = scope(stamp)
        var stringToSign = [UInt8]()
        stringToSign.reserveCapacity(
            Self.algorithm.utf8.count + 3 + stamp.full.utf8.count + credentialScope.utf8.count + 64)
        stringToSign += Self.algorithm.utf8
        stringToSign.append(newline)
        stringToSign += stamp.full.utf8
        stringToSign.append(newline)
        stringToSign += credentialScope.utf8
        stringToSign.append(newline)
        appendHex(Digest.sha256(canonical), to: &stringToSign)
        let signature = Digest.hmacSHA256(key: signingKey(stamp.day), message: stringToSign).hexString
        return Signature(
            signature: signature, credentialScope: credentialScope, canonicalBytes: canonical,
            signedHeadersRange: signedHeadersRange, stringToSignBytes: stringToSign)
    }

    func scope(_ stamp: AmzDate) -> String { "\(stamp.day)/\(region)/\(service)/aws4_request" }

    public func signingKey(_ day: String) -> [UInt8] {
        if let keyCache {
            return keyCache.key(
                secret: credentials.secretAccessKey, region: region, service: service, day: day, derive: deriveKey)
        }
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
        if let key = keys[scope] {
            lock.unlock()
            return key
        }
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
        full = UTCDate(millisecondsSince1970: Int64(date.timeIntervalSince1970.rounded(.down)) * 1000).amzDate
    }

    /// `20130524T000000Z` checked and kept as it is; nil for anything else.
    public init?(parsing text: String) {
        guard Self.fields(text) != nil else { return nil }
        full = text
    }

    /// Parses `20130524T000000Z`; nil for anything else.
    public static func parse(_ text: String) -> Date? {
        guard let f = fields(text) else { return nil }
        return Date(
            timeIntervalSince1970: TimeInterval(
                CivilDate.days(year: Int64(f.year), month: Int64(f.month), day: Int64(f.day)) * 86_400
                    + Int64(f.seconds)))
    }

    private static func fields(_ text: String) -> (year: Int, month: Int, day: Int, seconds: Int)? {
        var text = text
        return text.withUTF8 { b -> (Int, Int, Int, Int)? in
            guard b.count == 16, b[8] == UInt8(ascii: "T"), b[15] == UInt8(ascii: "Z") else { return nil }
            func num(_ r: Range<Int>) -> Int? {
                var v = 0
                for i in r {
                    let c = b[i]
                    guard c >= 48, c <= 57 else { return nil }
                    v = v * 10 + Int(c - 48)
                }
                return v
            }
            guard let y = num(0..<4), let mo = num(4..<6), let d = num(6..<8),
                let h = num(9..<11), let mi = num(11..<13), let s = num(13..<15),
                (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, s < 61
            else { return nil }
            return (y, mo, d, h * 3600 + mi * 60 + s)
        }
    }
}

/// Lower-case hexadecimal of `bytes`, appended.
func appendHex(_ bytes: [UInt8], to out: inout [UInt8]) {
    for byte in bytes {
        out.append(hexDigit(byte >> 4))
        out.append(hexDigit(byte & 0x0f))
    }
}
