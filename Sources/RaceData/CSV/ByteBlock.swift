import Foundation

/// A growable byte buffer that can be read into directly and handed to a worker whole.
final class ByteBlock: @unchecked Sendable {
    private(set) var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }

    /// Room after the bytes held, at least `minimum` bytes; `count` grows by what is written there.
    func freeSpace(atLeast minimum: Int) -> UnsafeMutableRawBufferPointer {
        if capacity - count < minimum { grow(to: count + minimum) }
        return UnsafeMutableRawBufferPointer(start: base + count, count: capacity - count)
    }

    func append(_ byte: UInt8) {
        if count == capacity { grow(to: count + 1) }
        base[count] = byte
        count += 1
    }

    func append(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        if capacity - count < bytes.count { grow(to: count + bytes.count) }
        UnsafeMutableRawPointer(base + count).copyMemory(from: source, byteCount: bytes.count)
        count += bytes.count
    }

    func dropFirst(_ n: Int) {
        (base).update(from: base + n, count: count - n)
        count -= n
    }

    /// Keeps the first `length` bytes; the rest move to a new block, returned.
    func split(at length: Int) -> ByteBlock {
        let rest = ByteBlock(capacity: capacity)
        rest.append(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[length...]))
        count = length
        return rest
    }

    private func grow(to needed: Int) {
        let bigger = max(needed, capacity * 2)
        let fresh = UnsafeMutablePointer<UInt8>.allocate(capacity: bigger)
        fresh.update(from: base, count: count)
        base.deallocate()
        base = fresh
        capacity = bigger
    }
}
