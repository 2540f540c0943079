import Foundation

/// Text values interned as they arrive: each distinct value becomes one string, rows keep its code.
/// Looked up by bytes (no string per row); a value equal to the previous row's costs one compare.
struct TextBuilder {
    private(set) var codes: [UInt32] = []
    private(set) var dictionary: [String] = []
    private var entryBytes: [UInt8] = []
    private var entryEnds: [Int] = []
    private var hashes: [UInt64] = []
    /// Open addressing: code + 1, 0 for an empty slot.
    private var slots = [UInt32](repeating: 0, count: 64)
    private var previous = TextBuilder.null
    private var previousKey = ShortKey.none
    /// Codes of short values seen lately, by their bytes: a column of a few distinct values (vehicle
    /// ids, parameter names) finds each in one compare, without hashing or reading the dictionary.
    /// Made on the first short value (a block makes a builder per column, most never hold text).
    private var recent: [(key: ShortKey, code: UInt32)] = []
    private static let recentSlots = 256
    /// The code of a null row.
    static let null = UInt32.max

    /// The bytes of a value of up to 16 bytes, in three words (no two such values share one).
    struct ShortKey: Equatable {
        var head: UInt64, tail: UInt64, count: Int

        static let none = ShortKey(head: 0, tail: 0, count: -1)

        private init(head: UInt64, tail: UInt64, count: Int) {
            self.head = head
            self.tail = tail
            self.count = count
        }

        /// nil past 16 bytes.
        @inline(__always)
        init?(_ cell: UnsafeBufferPointer<UInt8>) {
            let n = cell.count
            guard n <= 16 else { return nil }
            count = n
            if n >= 8 {
                let raw = UnsafeRawPointer(cell.baseAddress!)
                head = raw.loadUnaligned(as: UInt64.self)
                tail = raw.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
            } else {
                // Bytewise: a load of 8 could read past the buffer's end.
                var h: UInt64 = 0
                for i in 0..<n { h = h << 8 | UInt64(cell[i]) }
                head = h
                tail = 0
            }
        }

        var slot: Int {
            Int(
                truncatingIfNeeded: ((head ^ tail &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(count)) &* 0xD6E8_FEB8_6659_FD93)
                    >> 56)
        }
    }

    var count: Int { codes.count }

    mutating func reserve(_ n: Int) {
        codes.reserveCapacity(n)
        codes.withUnsafeMutableBytes { adviseHugePages($0.baseAddress, bytes: n * 4) }
    }

    mutating func appendNull() { codes.append(TextBuilder.null) }

    mutating func append(_ cell: UnsafeBufferPointer<UInt8>) { codes.append(code(of: cell)) }

    /// Appends `cells[i]`, `cells[i + 1]`, … while they are regular (up to `end`); returns where it
    /// stopped. Codes are written through a pointer into room made ahead. Generic, not a closure, so
    /// a block's cell lookup compiles into the loop.
    @inline(__always)
    mutating func appendWhile<Cells: CellSource>(_ cells: Cells, from i: Int, to end: Int) -> Int {
        // Moved out while written, so `code(of:)` may change the rest of `self` meanwhile.
        var out = codes
        codes = []
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: end - i))
        var j = i
        out.withUnsafeMutableBufferPointer { p in
            while j < end, let c = cells[j] {
                p[start + j - i] = code(of: c)
                j += 1
            }
        }
        out.removeLast(end - j)
        codes = out
        return j
    }

    /// The code of a row holding these bytes (null when empty), interning them if new.
    @inline(__always)
    private mutating func code(of cell: UnsafeBufferPointer<UInt8>) -> UInt32 {
        if cell.isEmpty { return TextBuilder.null }
        if let key = ShortKey(cell) {
            if key == previousKey { return previous }
            if recent.isEmpty { recent = Array(repeating: (.none, 0), count: Self.recentSlots) }
            let slot = key.slot
            let code: UInt32
            if recent[slot].key == key {
                code = recent[slot].code
            } else {
                code = intern(cell)
                recent[slot] = (key, code)
            }
            previous = code
            previousKey = key
            return code
        }
        previousKey = .none
        if previous != TextBuilder.null && entryEquals(previous, cell) { return previous }
        let code = intern(cell)
        previous = code
        return code
    }

    /// The code of these bytes, adding them to the dictionary if new.
    mutating func intern(_ cell: UnsafeBufferPointer<UInt8>) -> UInt32 {
        let hash = Self.hash(cell)
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot] != 0 {
            let code = slots[slot] - 1
            if hashes[Int(code)] == hash && entryEquals(code, cell) { return code }
            slot = (slot + 1) & mask
        }
        let code = UInt32(dictionary.count)
        dictionary.append(String(decoding: cell, as: UTF8.self))
        entryBytes.append(contentsOf: cell)
        entryEnds.append(entryBytes.count)
        hashes.append(hash)
        slots[slot] = code + 1
        if dictionary.count * 2 > slots.count { grow() }
        return code
    }

    @inline(__always)
    private func entryEquals(_ code: UInt32, _ cell: UnsafeBufferPointer<UInt8>) -> Bool {
        let end = entryEnds[Int(code)]
        let start = code == 0 ? 0 : entryEnds[Int(code) - 1]
        guard end - start == cell.count else { return false }
        return entryBytes.withUnsafeBufferPointer { entries in
            let a = UnsafeRawPointer(entries.baseAddress! + start)
            let b = UnsafeRawPointer(cell.baseAddress!)
            let n = cell.count
            // Short values (most of them) in two overlapping 8-byte loads or a byte loop, not a memcmp call.
            if n >= 8 && n <= 16 {
                return a.loadUnaligned(as: UInt64.self) == b.loadUnaligned(as: UInt64.self)
                    && a.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
                        == b.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
            }
            if n < 8 {
                for i in 0..<n
                where a.load(fromByteOffset: i, as: UInt8.self) != b.load(fromByteOffset: i, as: UInt8.self) {
                    return false
                }
                return true
            }
            return memcmp(a, b, n) == 0
        }
    }

    private mutating func grow() {
        slots = [UInt32](repeating: 0, count: slots.count * 2)
        let mask = slots.count - 1
        for code in hashes.indices {
            var slot = Int(truncatingIfNeeded: hashes[code]) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = UInt32(code) + 1
        }
    }

    /// Short values (up to 16 bytes, nearly all of them) hash from two overlapping 8-byte loads and
    /// one multiply; longer ones 8 bytes at a time.
    private static func hash(_ cell: UnsafeBufferPointer<UInt8>) -> UInt64 {
        let raw = UnsafeRawPointer(cell.baseAddress!)
        let n = cell.count
        let k: UInt64 = 0x9E37_79B9_7F4A_7C15
        var h: UInt64
        if n >= 8 {
            h = raw.loadUnaligned(as: UInt64.self) &* k
            var i = 8
            while i + 8 < n {
                h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* k
                i += 8
            }
            h ^= raw.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
        } else {
            h = 0
            for i in 0..<n { h = h << 8 | UInt64(cell[i]) }
        }
        // Multiplying carries a byte's difference only upward, and values such as `GR86-004-1` and
        // `GR86-004-2` differ in their last byte: fold the high half down so the slot bits see it.
        h = (h ^ UInt64(n)) &* k
        h ^= h >> 32
        h = h &* 0xD6E8_FEB8_6659_FD93
        return h ^ (h >> 32)
    }

    /// Each distinct value's bytes, by code.
    func forEachEntry(_ body: (Int, UnsafeBufferPointer<UInt8>) -> Void) {
        entryBytes.withUnsafeBufferPointer { bytes in
            for code in dictionary.indices {
                let start = code == 0 ? 0 : entryEnds[code - 1]
                body(code, UnsafeBufferPointer(rebasing: bytes[start..<entryEnds[code]]))
            }
        }
    }
}
