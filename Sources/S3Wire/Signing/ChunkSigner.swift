/// Signatures for `STREAMING-AWS4-HMAC-SHA256-PAYLOAD` bodies (`aws-chunked`): each chunk's signature
/// covers its SHA-256 and the previous signature, starting from the request's own ("seed") signature.
public struct ChunkSigner: Sendable {
    public static let payloadHash = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
    /// Bytes of data per chunk but the last (S3 needs at least 8 KiB): four such chunks with their
    /// framing (90 bytes each) just fit libcurl's largest upload buffer, 2 MiB, where they are hashed.
    public static let defaultChunkSize = (512 << 10) - 128

    public let signingKey: [UInt8]
    public let amzDate: String
    public let scope: String
    public private(set) var previousSignature: String
    public let chunkSize: Int

    public init(
        signingKey: [UInt8], amzDate: String, scope: String, seedSignature: String,
        chunkSize: Int = ChunkSigner.defaultChunkSize
    ) {
        self.signingKey = signingKey
        self.amzDate = amzDate
        self.scope = scope
        self.previousSignature = seedSignature
        self.chunkSize = chunkSize
    }

    /// Signs the next chunk from its SHA-256 (hex); the final, empty chunk is signed like any other.
    public mutating func sign(chunkSHA256: String) -> String {
        let stringToSign =
            "AWS4-HMAC-SHA256-PAYLOAD\n\(amzDate)\n\(scope)\n\(previousSignature)\n\(SigV4Signer.emptyPayloadSHA256)\n\(chunkSHA256)"
        previousSignature = Digest.hmacSHA256(key: signingKey, message: Array(stringToSign.utf8)).hexString
        return previousSignature
    }

    /// The framing of one chunk: `hex(size);chunk-signature=SIG\r\n`, the data, `\r\n`.
    public static func header(size: Int, signature: String) -> [UInt8] {
        Array("\(String(size, radix: 16));chunk-signature=\(signature)\r\n".utf8)
    }

    /// The length of `header(size:signature:)` for a chunk of `size` bytes.
    public static func headerSize(forData size: Int) -> Int {
        String(size, radix: 16).utf8.count + ";chunk-signature=".utf8.count + 64 + 2
    }

    /// The encoded length of `length` data bytes: what Content-Length must say.
    public static func encodedLength(_ length: UInt64, chunkSize: Int) -> UInt64 {
        let size = UInt64(chunkSize)
        func framed(_ n: UInt64) -> UInt64 { UInt64(headerSize(forData: Int(n))) + n + 2 }
        let full = length / size
        let rest = length % size
        return full * framed(size) + (rest > 0 ? framed(rest) : 0) + framed(0)
    }
}
