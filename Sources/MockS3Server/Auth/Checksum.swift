import Foundation
import NIOCore
import NIOHTTP1
import S3Wire

/// The `x-amz-checksum-*` algorithms S3 checks: CRC32, CRC32C, CRC64NVME, SHA-1 and SHA-256.
/// Values travel as base64 of the big-endian digest.
final class Checksum {
    enum Algorithm: String, CaseIterable {
        case crc32, crc32c, crc64nvme, sha1, sha256

        /// `ChecksumCRC32` and the like, as XML elements name them.
        var element: String { "Checksum" + rawValue.uppercased() }
        /// The CRCs combine over a whole object; the hashes only as a checksum of part checksums.
        var canBeFullObject: Bool { self == .crc32 || self == .crc32c || self == .crc64nvme }
    }

    /// The checksum of `bytes`, base64.
    static func of(_ algorithm: Algorithm, _ bytes: UnsafeRawBufferPointer) -> String {
        let checksum = Checksum(algorithm)
        checksum.update(bytes)
        return checksum.finalize()
    }

    let algorithm: Algorithm
    private var crc: UInt64 = UInt64.max
    private var crc32: CRC32?
    private let digest: Digest?

    init(_ algorithm: Algorithm) {
        self.algorithm = algorithm
        switch algorithm {
        case .sha1: digest = Digest(.sha1)
        case .sha256: digest = Digest(.sha256)
        default: digest = nil
        }
        switch algorithm {
        case .crc32: crc32 = CRC32(.ieee)
        case .crc32c: crc32 = CRC32(.castagnoli)
        default: crc32 = nil
        }
    }

    func update(_ bytes: UnsafeRawBufferPointer) {
        switch algorithm {
        case .crc32, .crc32c: crc32!.update(bytes)
        case .crc64nvme:
            var c = crc
            for b in bytes { c = Self.crc64Table[Int((c ^ UInt64(b)) & 0xFF)] ^ (c >> 8) }
            crc = c
        case .sha1, .sha256: digest!.update(bytes)
        }
    }

    func finalize() -> String {
        let bytes: [UInt8]
        switch algorithm {
        case .crc32, .crc32c:
            bytes = crc32!.bytes
        case .crc64nvme:
            let v = crc ^ UInt64.max
            bytes = (0..<8).map { UInt8(v >> (56 - 8 * $0) & 0xFF) }
        case .sha1, .sha256:
            bytes = digest!.finalize()
        }
        return Data(bytes).base64EncodedString()
    }

    static let crc64Table: [UInt64] = (0..<256).map { i in
        var c = UInt64(i)
        for _ in 0..<8 { c = c & 1 == 1 ? (c >> 1) ^ 0x9A6C_9329_AC4B_C9B5 : c >> 1 }
        return c
    }
}

extension HTTPHeaders {
    /// Whether the request names a checksum of its body (`x-amz-checksum-crc32` and the like), which
    /// S3 takes in place of Content-MD5.
    var hasChecksumHeader: Bool {
        let prefix = "x-amz-checksum-".utf8.count
        return contains { name, _ in
            name.utf8.count > prefix && Substring(name.utf8.prefix(prefix)).equalsIgnoringASCIICase("x-amz-checksum-")
                && Checksum.Algorithm.allCases.contains {
                    Substring(name.utf8.dropFirst(prefix)).equalsIgnoringASCIICase($0.rawValue)
                }
        }
    }
}
