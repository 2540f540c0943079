import Foundation
import NIOCore
import NIOHTTP1
import S3Wire

/// Takes a request body as it arrives: undoes `aws-chunked` framing (checking each chunk's signature),
/// hashes what it carries (MD5 always, for the ETag; SHA-256 when the signature covers it; any
/// `x-amz-checksum-*` asked for), passes the bytes on, and at the end says whether they held.
final class BodyVerifier {
    struct Result {
        var md5: [UInt8]
        var size: UInt64
        var checksums: [String: String]
    }

    private let check: PayloadCheck
    private let write: (ByteBuffer) throws(S3ServerError) -> Void
    private let md5 = Digest(.md5)
    private let sha256: Digest?
    private var checksum: (Checksum, expected: String?)?
    private let contentMD5: String?
    private let decodedLength: UInt64?
    private var size: UInt64 = 0

    // aws-chunked state
    private enum State {
        case header
        case data(remaining: Int)
        case dataEnd, trailer, done
    }
    private var state = State.header
    private var line: [UInt8] = []
    private var chunkSignature: String?
    private var chunkDigest: Digest?
    private var signer: ChunkSigner?
    private var trailerLines: [String] = []

    /// `checksumHeaders`: whether `x-amz-checksum-*` headers are the body's (not for
    /// CompleteMultipartUpload, where they are the object's).
    init(
        check: PayloadCheck, headers: HTTPHeaders, checksumHeaders: Bool = true,
        write: @escaping (ByteBuffer) throws(S3ServerError) -> Void
    ) throws(S3ServerError) {
        self.check = check
        self.write = write
        contentMD5 = headers.first(name: "content-md5")
        decodedLength = headers.first(name: "x-amz-decoded-content-length").flatMap { UInt64($0) }
        if case .sha256 = check { sha256 = Digest(.sha256) } else { sha256 = nil }
        if case .signedChunks(let s, _) = check { signer = s }
        // A checksum named in a header is checked against that header; one announced by
        // x-amz-trailer is checked against the trailer's value.
        for algorithm in Checksum.Algorithm.allCases where checksumHeaders {
            if let value = headers.first(name: "x-amz-checksum-\(algorithm.rawValue)") {
                checksum = (Checksum(algorithm), value)
            }
        }
        if let trailer = headers.first(name: "x-amz-trailer")?.lowercased() {
            guard trailer.hasPrefix("x-amz-checksum-"),
                let algorithm = Checksum.Algorithm(rawValue: String(trailer.dropFirst("x-amz-checksum-".count)))
            else {
                throw .invalidRequest("The value specified in the x-amz-trailer header is not supported")
            }
            checksum = (Checksum(algorithm), nil)
        }
        if let contentMD5, Data(base64Encoded: contentMD5)?.count != 16 { throw .invalidDigest }
    }

    private var chunked: Bool {
        switch check {
        case .signedChunks, .unsignedChunks: true
        default: false
        }
    }

    func feed(_ incoming: ByteBuffer) throws(S3ServerError) {
        guard chunked else {
            try deliver(incoming)
            return
        }
        var buffer = incoming
        while buffer.readableBytes > 0 {
            switch state {
            case .header, .trailer, .dataEnd:
                let byte = buffer.readInteger(as: UInt8.self)!
                line.append(byte)
                guard line.count <= 8192 else {
                    throw .malformedChunks("An aws-chunked header line is too long.")
                }
                if line.count >= 2 && line[line.count - 2] == 0x0D && byte == 0x0A {
                    let text = String(decoding: line.dropLast(2), as: UTF8.self)
                    line.removeAll(keepingCapacity: true)
                    try endOfLine(text)
                }
            case .data(let remaining):
                let n = min(remaining, buffer.readableBytes)
                let slice = buffer.readSlice(length: n)!
                slice.withUnsafeReadableBytes { chunkDigest?.update($0) }
                try deliver(slice)
                state = n == remaining ? .dataEnd : .data(remaining: remaining - n)
            case .done:
                throw .malformedChunks("Bytes after the end of the aws-chunked body.")
            }
        }
    }

    private func endOfLine(_ text: String) throws(S3ServerError) {
        switch state {
        case .dataEnd:
            guard text.isEmpty else {
                throw .malformedChunks("An aws-chunked chunk is longer than its size.")
            }
            try verifyChunk()
            state = .header
        case .header:
            let parts = text.split(separator: ";", maxSplits: 1)
            guard let first = parts.first, let size = Int(first, radix: 16), size >= 0, size <= 64 << 20 else {
                throw .malformedChunks("An aws-chunked chunk header is malformed.")
            }
            chunkSignature =
                parts.count > 1 && parts[1].hasPrefix("chunk-signature=") ? String(parts[1].dropFirst(16)) : nil
            if signer != nil && chunkSignature == nil { throw .signatureDoesNotMatch }
            chunkDigest = signer != nil ? Digest(.sha256) : nil
            if size == 0 {
                try verifyChunk()
                state = .trailer
            } else {
                state = .data(remaining: size)
            }
        case .trailer:
            if text.isEmpty { state = .done } else { trailerLines.append(text) }
        case .data, .done:
            break
        }
    }

    private func verifyChunk() throws(S3ServerError) {
        guard signer != nil, let digest = chunkDigest else { return }
        let expected = signer!.sign(chunkSHA256: digest.finalize().hexString)
        chunkDigest = nil
        guard let provided = chunkSignature, constantTimeEqual(expected, provided) else { throw .signatureDoesNotMatch }
    }

    private func deliver(_ bytes: ByteBuffer) throws(S3ServerError) {
        bytes.withUnsafeReadableBytes { raw in
            md5.update(raw)
            sha256?.update(raw)
            checksum?.0.update(raw)
        }
        size += UInt64(bytes.readableBytes)
        try write(bytes)
    }

    func finish() throws(S3ServerError) -> Result {
        if chunked {
            guard case .done = state else { throw .incompleteBody }
            if let decodedLength, decodedLength != size { throw .incompleteBody }
            try verifyTrailer()
        }
        if case .sha256(let claimed) = check, sha256!.finalize().hexString != claimed { throw .contentSHA256Mismatch }
        let digest = md5.finalize()
        if let contentMD5, Data(base64Encoded: contentMD5) != Data(digest) { throw .badDigest }
        var checksums: [String: String] = [:]
        if let (sum, expected) = checksum {
            let actual = sum.finalize()
            guard let claimed = expected else {
                throw .invalidRequest("The checksum trailer announced by x-amz-trailer is missing.")
            }
            guard claimed == actual else {
                throw .checksumMismatch(sum.algorithm.rawValue)
            }
            checksums[sum.algorithm.rawValue] = actual
        }
        return Result(md5: digest, size: size, checksums: checksums)
    }

    /// Trailer lines are `name:value`; a signed trailer ends with `x-amz-trailer-signature`.
    private func verifyTrailer() throws(S3ServerError) {
        var values: [(String, String)] = []
        var trailerSignature: String?
        for line in trailerLines {
            guard let colon = line.firstIndex(of: ":") else {
                throw .malformedChunks("A malformed trailer line.")
            }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingSpaces
            if name == "x-amz-trailer-signature" { trailerSignature = value } else { values.append((name, value)) }
        }
        if case .signedChunks(_, true) = check, let signer {
            let canonical = values.map { "\($0.0):\($0.1)\n" }.joined()
            let stringToSign =
                "AWS4-HMAC-SHA256-TRAILER\n\(signer.amzDate)\n\(signer.scope)\n\(signer.previousSignature)\n"
                + Digest.sha256(Array(canonical.utf8)).hexString
            let expected = Digest.hmacSHA256(key: signer.signingKey, message: Array(stringToSign.utf8)).hexString
            guard let trailerSignature, constantTimeEqual(expected, trailerSignature) else {
                throw .signatureDoesNotMatch
            }
        }
        for (name, value) in values where name.hasPrefix("x-amz-checksum-") {
            if let current = checksum, "x-amz-checksum-\(current.0.algorithm.rawValue)" == name {
                checksum = (current.0, value)
            }
        }
    }
}
