import CCrypto

/// A running SHA-256 or MD5 over bytes fed in pieces, backed by libcrypto's EVP interface.
public final class Digest {
    public enum Algorithm: Sendable {
        case sha256, md5, sha1
        var size: Int {
            switch self {
            case .sha256: 32
            case .md5: 16
            case .sha1: 20
            }
        }
    }

    public let algorithm: Algorithm
    private let context: OpaquePointer

    public init(_ algorithm: Algorithm) {
        self.algorithm = algorithm
        guard let context = EVP_MD_CTX_new() else { fatalError("libcrypto could not allocate a digest context") }
        self.context = context
        let md =
            switch algorithm {
            case .sha256: Fetched.sha256
            case .md5: Fetched.md5
            case .sha1: Fetched.sha1
            }
        // MD5 is used for Content-MD5 and ETags, not for security; FIPS builds need the flag to allow it.
        if algorithm == .md5 { EVP_MD_CTX_set_flags(context, EVP_MD_CTX_FLAG_NON_FIPS_ALLOW) }
        precondition(EVP_DigestInit_ex(context, md, nil) == 1, "libcrypto refused to start a digest")
    }

    deinit { EVP_MD_CTX_free(context) }

    public func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        precondition(EVP_DigestUpdate(context, base, bytes.count) == 1)
    }

    @inlinable public func update<Bytes: Sequence<UInt8>>(_ bytes: Bytes) {
        let done: Void? = bytes.withContiguousStorageIfAvailable { update(UnsafeRawBufferPointer($0)) }
        if done == nil { Array(bytes).withUnsafeBytes { update($0) } }
    }

    /// Returns the digest; the object must not be updated afterwards (unless restarted).
    public func finalize() -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: algorithm.size) { out, count in
            finalize(into: out)
            count = algorithm.size
        }
    }

    /// Writes the digest into `out`, which has room for `algorithm.size` bytes.
    func finalize(into out: UnsafeMutableBufferPointer<UInt8>) {
        precondition(out.count >= algorithm.size)
        var length: UInt32 = 0
        precondition(EVP_DigestFinal_ex(context, out.baseAddress, &length) == 1)
    }

    /// Starts a new digest of the same algorithm on this context.
    func restart() {
        precondition(EVP_DigestInit_ex(context, nil, nil) == 1, "libcrypto refused to restart a digest")
    }

    @inlinable public static func sha256<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> [UInt8] {
        let d = Digest(.sha256)
        d.update(bytes)
        return d.finalize()
    }

    @inlinable public static func md5<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> [UInt8] {
        let d = Digest(.md5)
        d.update(bytes)
        return d.finalize()
    }

    /// For SigV2 presigned URLs, which boto3 still makes by default in us-east-1.
    public static func hmacSHA1(key: [UInt8], message: [UInt8]) -> [UInt8] {
        hmac(.sha1, key: key, message: message)
    }

    public static func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        hmac(.sha256, key: key, message: message)
    }

    /// HMAC (RFC 2104) over the digests above. libcrypto's one-call `HMAC()` looks the algorithm up
    /// again on every call, which cost more than the hashing for the short messages SigV4 signs.
    /// The padded keys and the inner digest live on the stack: this runs for every request signed or verified.
    private static func hmac(_ algorithm: Algorithm, key: [UInt8], message: [UInt8]) -> [UInt8] {
        let blockSize = 64  // SHA-1 and SHA-256
        let longKey = key.count > blockSize ? Digest.hash(algorithm, key) : nil
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: blockSize + algorithm.size) { scratch in
            let pad = UnsafeMutableBufferPointer(rebasing: scratch[..<blockSize])
            let innerDigest = UnsafeMutableBufferPointer(rebasing: scratch[blockSize...])
            func padKey(_ byte: UInt8) {
                pad.initialize(repeating: byte)
                for (i, k) in (longKey ?? key).enumerated() { pad[i] ^= k }
            }
            let digest = Digest(algorithm)
            padKey(0x36)
            digest.update(UnsafeRawBufferPointer(pad))
            digest.update(message)
            digest.finalize(into: innerDigest)
            digest.restart()
            padKey(0x5c)
            digest.update(UnsafeRawBufferPointer(pad))
            digest.update(UnsafeRawBufferPointer(innerDigest))
            return digest.finalize()
        }
    }

    private static func hash(_ algorithm: Algorithm, _ bytes: [UInt8]) -> [UInt8] {
        let d = Digest(algorithm)
        d.update(bytes)
        return d.finalize()
    }

    /// Algorithms fetched from libcrypto's provider once: a digest started from `EVP_sha256()` and the
    /// like is fetched again each time (OpenSSL 3), a lock and a table lookup per hash.
    /// (An `EVP_MD` is immutable once fetched and used from any thread.)
    private enum Fetched {
        nonisolated(unsafe) static let sha256 = EVP_MD_fetch(nil, "SHA256", nil) ?? EVP_sha256()
        nonisolated(unsafe) static let md5 = EVP_MD_fetch(nil, "MD5", nil) ?? EVP_md5()
        nonisolated(unsafe) static let sha1 = EVP_MD_fetch(nil, "SHA1", nil) ?? EVP_sha1()
    }
}

extension Collection<UInt8> {
    /// Lower-case hexadecimal, as SigV4 and ETags spell digests. Written straight into the string's
    /// storage: a few of these run for every request signed or verified. (Inlinable, so callers in other
    /// modules get it specialised: generic, it went through runtime metadata lookups per byte.)
    @inlinable public var hexString: String {
        String(unsafeUninitializedCapacity: count * 2) { out in
            var i = 0
            for byte in self {
                out[i] = hexDigit(byte >> 4)
                out[i + 1] = hexDigit(byte & 0x0f)
                i += 2
            }
            return i
        }
    }
}

@usableFromInline @inline(__always) func hexDigit(_ nibble: UInt8) -> UInt8 {
    nibble < 10 ? nibble + UInt8(ascii: "0") : nibble - 10 + UInt8(ascii: "a")
}

extension [UInt8] {
    /// The bytes a hexadecimal string spells (either case); nil for an odd length or a non-hex digit.
    public init?(hexString: String) {
        let digits = Array(hexString.utf8)
        guard digits.count.isMultiple(of: 2) else { return nil }
        self.init()
        reserveCapacity(digits.count / 2)
        for i in stride(from: 0, to: digits.count, by: 2) {
            guard let high = hexDigitValue(digits[i]), let low = hexDigitValue(digits[i + 1]) else { return nil }
            append(high << 4 | low)
        }
    }
}

/// A hexadecimal digit's value (either case); nil for any other byte.
func hexDigitValue(_ digit: UInt8) -> UInt8? {
    switch digit {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
    default: nil
    }
}
