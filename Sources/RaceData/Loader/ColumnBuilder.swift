import Foundation
import S3Kit
import S3Wire

/// The per-cell parsers behind column types. Each accepts exactly what the type rules accept, so a
/// column's type depends on its bytes alone: integer if every value is `-?[0-9]{1,18}`, double if every
/// value is an integer or decimal text `Double` accepts, timestamp if every value is ISO-8601, else text.
enum Cell {
    static func integer(_ c: UnsafeBufferPointer<UInt8>) -> Int64? {
        var i = 0
        let negative = c.first == UInt8(ascii: "-")
        if negative { i = 1 }
        guard c.count > i, c.count - i <= 18 else { return nil }
        var value: Int64 = 0
        while i < c.count {
            let digit = c[i] &- 48
            guard digit < 10 else { return nil }
            value = value &* 10 &+ Int64(digit)
            i += 1
        }
        return negative ? -value : value
    }

    /// Written out (exact doubles), so the table is laid down at compile time: computed, it would be
    /// a lazy global behind a `swift_once` check on every call.
    private static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12,
        1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// What `Double(String)` gives for text of digits, `.`, signs and exponents; nil for anything else.
    static func double(_ c: UnsafeBufferPointer<UInt8>) -> Double? {
        // Plain decimals with at most 19 digits, whose digits fit 2^53 and whose fraction is at most 22
        // digits, are one correctly rounded division of two exact doubles (Clinger's fast path): the same
        // double strtod gives. Everything else numeric goes to the standard library.
        let n = c.count
        var i = 0
        var negative = false
        if i < n, c[i] == UInt8(ascii: "-") || c[i] == UInt8(ascii: "+") {
            negative = c[i] == UInt8(ascii: "-")
            i += 1
        }
        // Digits, a dot, digits: one tight loop each (the mantissa wraps past 19 digits, which the
        // check below sends to the standard library anyway).
        var mantissa: UInt64 = 0
        let start = i
        while i < n, c[i] &- 48 < 10 {
            mantissa = mantissa &* 10 &+ UInt64(c[i] &- 48)
            i += 1
        }
        var fraction = 0
        var dot = 0
        if i < n, c[i] == UInt8(ascii: ".") {
            dot = 1
            i += 1
            let first = i
            while i < n, c[i] &- 48 < 10 {
                mantissa = mantissa &* 10 &+ UInt64(c[i] &- 48)
                i += 1
            }
            fraction = i - first
        }
        let digits = i - start - dot
        if i == n && digits > 0 && digits <= 19 && mantissa < (1 << 53) && fraction <= 22 {
            let value = fraction == 0 ? Double(mantissa) : Double(mantissa) / powersOfTen[fraction]
            return negative ? -value : value
        }
        guard c.contains(where: { $0 &- 48 < 10 }),
            c.allSatisfy({ $0 &- 48 < 10 || $0 == 46 || $0 == 45 || $0 == 43 || $0 == 101 || $0 == 69 })
        else { return nil }
        return Double(String(decoding: c, as: UTF8.self))
    }
}

/// A column's cells by row; nil where a cell is not regular (the block must be read another way).
protocol CellSource {
    subscript(_ row: Int) -> UnsafeBufferPointer<UInt8>? { get }
}

extension IndexedBlock.Cells: CellSource {}

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

/// One column being filled: its type so far and its values. The type starts from the first value and
/// only widens integer to double (exactly: the integers' text parses to the same doubles); a value that
/// needs text after numbers or timestamps makes `append` return false, and the load is read again with
/// that column as text (the earlier values' bytes are gone by then).
struct ColumnBuilder {
    enum Kind: Equatable { case empty, integer, double, timestamp, text }

    private(set) var kind: Kind
    /// Nulls before the first value (while the type is still open).
    private var leadingNulls = 0
    private(set) var integers = NullableValues<Int64>()  // integer and timestamp
    private(set) var doubles = NullableValues<Double>()
    private(set) var text = TextBuilder()
    private var dates = Timestamp.MinuteCache()
    /// Rows the storage is made ready for when the type is known (a block's estimate).
    private let expectedRows: Int

    init(text: Bool, expectedRows: Int = 0) {
        kind = text ? .text : .empty
        self.expectedRows = expectedRows
        if text { self.text.reserve(expectedRows) }
    }

    var count: Int {
        switch kind {
        case .empty: leadingNulls
        case .integer, .timestamp: integers.count
        case .double: doubles.count
        case .text: text.count
        }
    }

    mutating func append(_ cell: UnsafeBufferPointer<UInt8>) -> Bool {
        switch kind {
        case .text:
            text.append(cell)
            return true
        case .empty:
            if cell.isEmpty {
                leadingNulls += 1
                return true
            }
            if let v = Cell.integer(cell) {
                start(.integer)
                integers.append(v)
            } else if let v = Cell.double(cell) {
                start(.double)
                doubles.append(v)
            } else if let v = Timestamp.parse(cell, cache: &dates) {
                start(.timestamp)
                integers.append(v)
            } else {
                start(.text)
                text.append(cell)
            }
            return true
        case _ where cell.isEmpty:
            appendNull()
            return true
        case .integer:
            if let v = Cell.integer(cell) {
                integers.append(v)
                return true
            }
            guard let v = Cell.double(cell) else { return false }
            widenToDouble()
            doubles.append(v)
            return true
        case .double:
            guard let v = Cell.double(cell) else { return false }
            doubles.append(v)
            return true
        case .timestamp:
            guard let v = Timestamp.parse(cell, cache: &dates) else { return false }
            integers.append(v)
            return true
        }
    }

    enum RunOutcome { case appended, retype, irregular }

    /// Appends these rows' cells of this column (`cell` nil: the block is not regular after all). Runs
    /// of the column's settled type go through a loop of their own, without a type switch per cell.
    mutating func append(_ cell: IndexedBlock.Cells, rows: Range<Int>) -> RunOutcome {
        var i = rows.lowerBound
        let count = rows.upperBound
        while i < count {
            switch kind {
            case .integer: i = Self.run(&integers, from: i, count, cell, Cell.integer)
            case .double: i = Self.run(&doubles, from: i, count, cell, Cell.double)
            case .timestamp:
                var dates = self.dates
                i = Self.run(&integers, from: i, count, cell) { Timestamp.parse($0, cache: &dates) }
                self.dates = dates
            case .text: i = text.appendWhile(cell, from: i, to: count)
            case .empty:
                while i < count, let c = cell[i], c.isEmpty {
                    leadingNulls += 1
                    i += 1
                }
            }
            guard i < count else { break }
            // The cell the run stopped at: a null, a new type, the end of regularity.
            guard let c = cell[i] else { return .irregular }
            guard append(c) else { return .retype }
            i += 1
        }
        return .appended
    }

    /// Appends cells from `i` on while `parse` reads them; returns the first it did not.
    @inline(__always)
    private static func run<V>(
        _ values: inout NullableValues<V>, from i: Int, _ count: Int,
        _ cell: IndexedBlock.Cells, _ parse: (UnsafeBufferPointer<UInt8>) -> V?
    ) -> Int {
        values.appendWhile(from: i, to: count) { cell[$0].flatMap(parse) }
    }

    /// Room for this many rows in all (the loader's estimate from the bytes still to come).
    mutating func reserve(_ rows: Int) {
        switch kind {
        case .empty: break
        case .integer, .timestamp: integers.reserve(rows)
        case .double: doubles.reserve(rows)
        case .text: text.reserve(rows)
        }
    }

    private mutating func appendNull() {
        switch kind {
        case .empty: leadingNulls += 1
        case .integer, .timestamp: integers.append(nil)
        case .double: doubles.append(nil)
        case .text: text.appendNull()
        }
    }

    private mutating func start(_ kind: Kind) {
        self.kind = kind
        reserve(expectedRows)
        for _ in 0..<leadingNulls { appendNull() }
        leadingNulls = 0
    }

    private mutating func widenToDouble() {
        doubles = integers.map { Double($0) }
        integers = NullableValues()
        kind = .double
    }

    /// This block alone as a table column.
    func build() -> Table.Column {
        var column = ColumnAccumulator(text: kind == .text)
        _ = column.append(contentsOf: self)
        return column.build()
    }
}

/// A column's blocks joined in order, packed as they arrive (`IntegerValues`, `TextValues`): the
/// table's column once the load ends. Integers widen to doubles when a block holds decimals; text or
/// timestamps against anything else cannot join, which makes the load read again with text.
struct ColumnAccumulator {
    private(set) var kind: ColumnBuilder.Kind
    /// Rows while no block has had a value.
    private var nulls = 0
    private var integers = IntegerValues()  // integer and timestamp
    private var doubles = NullableValues<Double>()
    /// The distinct strings (interned by bytes); `codes` point into it, -1 for null.
    private var dictionary = TextBuilder()
    private var codes = PackedIntegers(base: 0)
    private var reserved = 0

    init(text: Bool) { kind = text ? .text : .empty }

    var count: Int {
        switch kind {
        case .empty: nulls
        case .integer, .timestamp: integers.count
        case .double: doubles.count
        case .text: codes.count
        }
    }

    /// Room for this many rows in all (the loader's estimate from the bytes still to come).
    mutating func reserve(_ rows: Int) {
        reserved = rows
        switch kind {
        case .empty: break
        case .integer, .timestamp: integers.reserve(rows)
        case .double: doubles.reserve(rows)
        case .text: codes.reserve(rows)
        }
    }

    /// false if the block's type cannot join this column's.
    mutating func append(contentsOf block: ColumnBuilder) -> Bool {
        if block.kind == .empty {
            appendNulls(block.count)
            return true
        }
        if kind == .empty {
            kind = block.kind
            reserve(reserved)
            let leading = nulls
            nulls = 0
            appendNulls(leading)
        }
        if kind == .integer && block.kind == .double {
            doubles = integers.doubles()
            integers = IntegerValues()
            kind = .double
            doubles.reserve(reserved)
        }
        switch (kind, block.kind) {
        case (.integer, .integer), (.timestamp, .timestamp): integers.append(contentsOf: block.integers)
        case (.double, .double): doubles.append(contentsOf: block.doubles)
        case (.double, .integer): doubles.append(contentsOf: block.integers.map { Double($0) })
        case (.text, .text): appendText(block.text)
        default: return false
        }
        return true
    }

    /// The block's codes translated into this column's dictionary.
    private mutating func appendText(_ block: TextBuilder) {
        var translation = [Int64](repeating: 0, count: block.dictionary.count)
        block.forEachEntry { code, bytes in translation[code] = Int64(dictionary.intern(bytes)) }
        let high = Int64(dictionary.dictionary.count) - 1
        block.codes.withUnsafeBufferPointer { blockCodes in
            translation.withUnsafeBufferPointer { translation in
                codes.appendAll(count: blockCodes.count, low: -1, high: high) { i in
                    let code = blockCodes[i]
                    return code == TextBuilder.null ? -1 : translation[Int(code)]
                }
            }
        }
    }

    private mutating func appendNulls(_ n: Int) {
        switch kind {
        case .empty: nulls += n
        case .integer, .timestamp: integers.append(contentsOf: NullableValues(repeatElement(nil, count: n)))
        case .double: for _ in 0..<n { doubles.append(nil) }
        case .text: codes.appendAll(count: n, low: -1, high: -1) { _ in -1 }
        }
    }

    func build() -> Table.Column {
        switch kind {
        case .empty:
            var none = PackedIntegers(base: 0)
            none.appendAll(count: nulls, low: -1, high: -1) { _ in -1 }
            return .text(TextValues(codes: none, dictionary: []))
        case .integer: return .integer(integers)
        case .timestamp: return .timestamp(integers)
        case .double: return .double(doubles)
        case .text: return .text(TextValues(codes: codes, dictionary: dictionary.dictionary))
        }
    }
}
