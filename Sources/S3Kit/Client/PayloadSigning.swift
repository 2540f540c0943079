import Foundation
import S3Wire

/// How the client signs request bodies.
public enum PayloadSigning: Sendable, CaseIterable {
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

    /// What uploads send unless told otherwise (`racedata upload`, `verify`'s writes): what AWS SDKs send,
    /// read once, checked by the server, falling back for servers that predate trailers.
    public static let forUploads = PayloadSigning.checksumTrailer

    /// The mode's name on command lines: checksum, unsigned, streaming, signed.
    public var name: String {
        switch self {
        case .checksumTrailer: "checksum"
        case .unsigned: "unsigned"
        case .streaming: "streaming"
        case .signed: "signed"
        }
    }

    public init?(name: String) {
        guard let mode = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = mode
    }

    /// What `x-amz-content-sha256` says for a body sent this way (for messages).
    public var contentSHA256: String {
        switch self {
        case .signed: "the body's SHA-256"
        case .unsigned: SigV4Signer.unsignedPayload
        case .streaming: ChunkSigner.payloadHash
        case .checksumTrailer: ChecksumTrailerFraming.payloadHash
        }
    }

    /// The mode sent instead of checksum trailers, to a server that predates them or when they are
    /// turned off: still read once and still checked by the server (chunk signatures), or, for
    /// anonymous requests, which cannot sign, Content-MD5.
    static func withoutTrailer(signed: Bool) -> PayloadSigning { signed ? .streaming : .unsigned }
}

/// When the client sends checksums an operation does not require: the AWS SDKs' setting of that name
/// (`AWS_REQUEST_CHECKSUM_CALCULATION`, `request_checksum_calculation` in the shared config file).
public enum ChecksumCalculation: String, Sendable {
    /// Checksum trailers where the payload mode uses them (the default, as in the SDKs).
    case whenSupported = "when_supported"
    /// No checksum trailers: `.checksumTrailer` is sent as `.streaming` (unsigned with Content-MD5 when
    /// anonymous). What users of servers that predate trailers set.
    case whenRequired = "when_required"

    static func configured(environment: [String: String], chain: CredentialChain) throws(S3Error)
        -> ChecksumCalculation
    {
        var source = "AWS_REQUEST_CHECKSUM_CALCULATION"
        var text = environment.setting(source)
        if text == nil {
            source = "request_checksum_calculation in \(chain.configFile) [\(chain.profile)]"
            text = chain.configSetting("request_checksum_calculation")
        }
        guard let text else { return .whenSupported }
        guard let value = ChecksumCalculation(rawValue: text.lowercased()) else {
            throw .invalidArgument("\(source) is \"\(text)\"; it takes when_supported or when_required.")
        }
        return value
    }
}

/// The payload mode a client sends in, which falls back once from checksum trailers when the server
/// refuses them, and stays there for the rest of the client's life (one client, one endpoint).
final class PayloadModeMemory: @unchecked Sendable {
    private let lock = NSLock()
    private var trailerRefused = false

    func mode(_ configuration: S3Configuration) -> PayloadSigning {
        let signed = configuration.credentials != nil
        guard configuration.payloadSigning == .checksumTrailer else { return configuration.payloadSigning }
        if configuration.checksumCalculation == .whenRequired { return .withoutTrailer(signed: signed) }
        lock.lock()
        defer { lock.unlock() }
        return trailerRefused ? .withoutTrailer(signed: signed) : .checksumTrailer
    }

    /// Records a refusal; true the first time, so the notice is given once.
    func refuseTrailer() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        defer { trailerRefused = true }
        return !trailerRefused
    }

    /// A server that does not understand `STREAMING-UNSIGNED-PAYLOAD-TRAILER` takes it for a SHA-256 the
    /// body does not match (Ceph RGW 16: 400 XAmzContentSHA256Mismatch), or says it is not implemented.
    /// S3 itself never answers so in this mode: a trailer that does not match is 400 BadDigest.
    static func isTrailerRefusal(_ error: S3Error) -> Bool {
        guard case .service(let e) = error else { return false }
        return e.code == "XAmzContentSHA256Mismatch" || e.code == "NotImplemented" || e.status == 501
    }
}
