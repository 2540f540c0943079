import Foundation
import Testing

@testable import S3Wire

@Suite("SHA-256 four at a time")
struct SHA256x4Tests {
    @Test(.enabled(if: SHA256x4.isAvailable, "this CPU has no SHA extensions; uploads hash through libcrypto"))
    func fourMessagesHashAsLibcryptoHashesEachOne() {
        var generator = Xorshift(seed: 23)
        // Lengths around the padding boundaries (55, 56, 64) and larger ones, fed whole or in pieces.
        for length in Array(0...130) + [1000, 4096, 65536 + 17, 300_000] {
            let messages = (0..<4).map { _ in (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) } }
            let pieceSize = length >= 256 ? 64 * Int.random(in: 1...4, using: &generator) : length + 64
            var sha = SHA256x4()
            var offset = 0
            while length - offset > pieceSize {
                messages.map { Array($0[offset..<(offset + pieceSize)]) }.withUnsafeRawPieces { sha.update($0) }
                offset += pieceSize
            }
            let digests = messages.map { Array($0[offset...]) }.withUnsafeRawPieces { sha.finalize($0) }
            for lane in 0..<4 {
                #expect(digests[lane] == Digest.sha256(messages[lane]), "lane \(lane), \(length) bytes")
            }
        }
    }
}

private extension Array where Element == [UInt8] {
    func withUnsafeRawPieces<R>(_ body: ([UnsafeRawBufferPointer]) -> R) -> R {
        func go(_ index: Int, _ acc: [UnsafeRawBufferPointer]) -> R {
            index == count ? body(acc) : self[index].withUnsafeBytes { go(index + 1, acc + [$0]) }
        }
        return go(0, [])
    }
}
