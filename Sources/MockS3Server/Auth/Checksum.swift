import Foundation
import NIOCore
import RaceData

/// The `x-amz-checksum-*` algorithms S3 checks: CRC32, CRC32C, CRC64NVME, SHA-1 and SHA-256.
/// Values travel as base64 of the big-endian digest.
final class Checksum {
    enum Algorithm: String, CaseIterable {
        case crc32, crc32c, crc64nvme, sha1, sha256
    }

    let algorithm: Algorithm
    private var crc: UInt64 = 0
    private let digest: Digest?

    init(_ algorithm: Algorithm) {
        self.algorithm = algorithm
        switch algorithm {
        case .sha1: digest = Digest(.sha1)
        case .sha256: digest = Digest(.sha256)
        default: digest = nil
        }
        crc = algorithm == .crc64nvme ? UInt64.max : UInt64(UInt32.max)
    }

    func update(_ bytes: UnsafeRawBufferPointer) {
        switch algorithm {
        case .crc32: crc = UInt64(Self.update32(UInt32(crc), bytes, Self.crc32Table))
        case .crc32c: crc = UInt64(Self.update32(UInt32(crc), bytes, Self.crc32cTable))
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
            let v = UInt32(crc) ^ UInt32.max
            bytes = [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
        case .crc64nvme:
            let v = crc ^ UInt64.max
            bytes = (0..<8).map { UInt8(v >> (56 - 8 * $0) & 0xFF) }
        case .sha1, .sha256:
            bytes = digest!.finalize()
        }
        return Data(bytes).base64EncodedString()
    }

    private static func update32(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer, _ table: [UInt32]) -> UInt32 {
        var c = crc
        table.withUnsafeBufferPointer { t in
            for b in bytes { c = t[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        }
        return c
    }

    private static func table32(_ poly: UInt32) -> [UInt32] {
        (0..<256).map { i in
            var c = UInt32(i)
            for _ in 0..<8 { c = c & 1 == 1 ? (c >> 1) ^ poly : c >> 1 }
            return c
        }
    }

    static let crc32Table = table32(0xEDB8_8320)
    static let crc32cTable = table32(0x82F6_3B78)
    static let crc64Table: [UInt64] = (0..<256).map { i in
        var c = UInt64(i)
        for _ in 0..<8 { c = c & 1 == 1 ? (c >> 1) ^ 0x9A6C_9329_AC4B_C9B5 : c >> 1 }
        return c
    }
}
