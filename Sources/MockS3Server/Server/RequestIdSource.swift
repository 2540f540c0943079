import Foundation

/// Request ids unique per request: a random per-process base plus a counter (no syscall per request).
final class RequestIdSource: @unchecked Sendable {
    private static let digits = Array("0123456789ABCDEF".utf8)
    private let lock = NSLock()
    private var counter = UInt64.random(in: 0...UInt64.max)
    func next() -> String {
        lock.lock()
        counter &+= 0x9E3779B97F4A7C15
        let value = counter
        lock.unlock()
        return String(unsafeUninitializedCapacity: 16) { out in
            for i in 0..<16 { out[i] = Self.digits[Int((value >> UInt64(60 - 4 * i)) & 0xF)] }
            return 16
        }
    }
}
