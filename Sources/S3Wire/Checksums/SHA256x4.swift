import CChecksum

/// SHA-256 of four messages of equal length at once, for CPUs with the SHA extensions (see
/// sha256x4.c): about 1.9× libcrypto's single-stream rate on one core. Signed aws-chunked bodies use
/// it for their independent chunks; every other hash goes through `Digest` (libcrypto).
public struct SHA256x4 {
    public static let isAvailable = racedata_sha256x4_available() != 0
    public static let lanes = 4

    private var context = racedata_sha256x4()

    public init() {
        precondition(Self.isAvailable, "SHA256x4 needs the CPU's SHA extensions")
        racedata_sha256x4_init(&context)
    }

    /// Adds the next piece of each message: four buffers of one length, a multiple of 64 bytes.
    public mutating func update(_ pieces: [UnsafeRawBufferPointer]) {
        let count = Self.check(pieces)
        precondition(count % 64 == 0, "SHA256x4.update takes whole 64-byte blocks")
        withPointers(pieces) { racedata_sha256x4_update(&context, $0, count) }
    }

    /// Adds the last piece of each message (four buffers of one length, possibly empty) and returns
    /// the four digests.
    public mutating func finalize(_ pieces: [UnsafeRawBufferPointer]) -> [[UInt8]] {
        let count = Self.check(pieces)
        var out = [UInt8](repeating: 0, count: 32 * Self.lanes)
        withPointers(pieces) { racedata_sha256x4_final(&context, $0, count, &out) }
        return (0..<Self.lanes).map { Array(out[32 * $0..<32 * ($0 + 1)]) }
    }

    private static func check(_ pieces: [UnsafeRawBufferPointer]) -> Int {
        precondition(
            pieces.count == lanes && pieces.allSatisfy { $0.count == pieces[0].count },
            "SHA256x4 takes four pieces of the same length")
        return pieces[0].count
    }

    private func withPointers(_ pieces: [UnsafeRawBufferPointer], _ body: (UnsafePointer<UnsafeRawPointer?>) -> Void) {
        let pointers: [UnsafeRawPointer?] = pieces.map(\.baseAddress)
        pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
