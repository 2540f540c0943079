/// Integers in the fewest bytes that hold them: each stored as its difference from a base, as Int8,
/// Int16, Int32 or Int64, widened (copied once) when a value does not fit. A lap number takes one byte
/// a row, a session's millisecond timestamps four, a dictionary code one while there are under 128
/// distinct values: a loaded telemetry table is a third of its size in plain 8-byte columns, and so is
/// the memory a load touches for the first time.
struct PackedIntegers: Sendable {
    enum Storage: Sendable {
        case int8([Int8])
        case int16([Int16])
        case int32([Int32])
        case int64([Int64])
    }

    private(set) var storage = Storage.int8([])
    /// What a stored 0 stands for: the first value appended (or the one given), so values near each
    /// other pack small wherever they are.
    private(set) var base: Int64
    private var baseFixed: Bool

    init() {
        base = 0
        baseFixed = false
    }
    /// Differences from `base` (dictionary codes use 0, and -1 for null).
    init(base: Int64) {
        self.base = base
        baseFixed = true
    }

    var count: Int {
        switch storage {
        case .int8(let a): a.count
        case .int16(let a): a.count
        case .int32(let a): a.count
        case .int64(let a): a.count
        }
    }

    /// Bytes a value takes now.
    var width: Int {
        switch storage {
        case .int8: 1
        case .int16: 2
        case .int32: 4
        case .int64: 8
        }
    }

    @inline(__always)
    subscript(i: Int) -> Int64 {
        switch storage {
        case .int8(let a): base &+ Int64(a[i])
        case .int16(let a): base &+ Int64(a[i])
        case .int32(let a): base &+ Int64(a[i])
        case .int64(let a): base &+ a[i]
        }
    }

    mutating func reserve(_ n: Int) {
        switch storage {
        case .int8(var a):
            storage = .int8([])
            a.reserveCapacity(n)
            storage = .int8(a)
        case .int16(var a):
            storage = .int16([])
            a.reserveCapacity(n)
            storage = .int16(a)
        case .int32(var a):
            storage = .int32([])
            a.reserveCapacity(n)
            storage = .int32(a)
        case .int64(var a):
            storage = .int64([])
            a.reserveCapacity(n)
            storage = .int64(a)
        }
    }

    /// Appends `count` rows that stand for no value (nulls): stored as 0, the base, which fits any
    /// width and leaves the base to the first real value.
    mutating func appendZeros(_ count: Int) {
        let base = self.base
        let fixed = baseFixed
        appendAll(count: count, low: base, high: base) { _ in base }
        baseFixed = fixed
    }

    mutating func append(_ value: Int64) {
        appendAll(count: 1, low: value, high: value) { _ in value }
    }

    /// Appends `value(0..<count)`, all within `low...high` (the caller knows the range, so the width
    /// is settled once, not per value). Inlined so `value` compiles into the loop.
    @inline(__always)
    mutating func appendAll(count: Int, low: Int64, high: Int64, _ value: (Int) -> Int64) {
        guard count > 0 else { return }
        if !baseFixed {
            base = low
            baseFixed = true
        }
        widen(toHold: low, high)
        let base = self.base
        @inline(__always) func fill<T: FixedWidthInteger>(_ a: inout [T]) {
            let start = a.count
            a.append(contentsOf: repeatElement(0, count: count))
            a.withUnsafeMutableBufferPointer { p in
                for i in 0..<count { p[start + i] = T(truncatingIfNeeded: value(i) &- base) }
            }
        }
        switch storage {
        case .int8(var a):
            storage = .int8([])
            fill(&a)
            storage = .int8(a)
        case .int16(var a):
            storage = .int16([])
            fill(&a)
            storage = .int16(a)
        case .int32(var a):
            storage = .int32([])
            fill(&a)
            storage = .int32(a)
        case .int64(var a):
            storage = .int64([])
            fill(&a)
            storage = .int64(a)
        }
    }

    /// Makes the storage wide enough for `low` and `high` (differences from the base can overflow only
    /// past ±4.6e18; the loader's integers are at most 18 digits and its timestamps years 0–9999).
    private mutating func widen(toHold low: Int64, _ high: Int64) {
        let (a, overflowA) = low.subtractingReportingOverflow(base)
        let (b, overflowB) = high.subtractingReportingOverflow(base)
        let needed = overflowA || overflowB ? 8 : max(Self.width(a), Self.width(b))
        guard needed > width else { return }
        let old = self
        switch needed {
        case 2: storage = .int16((0..<old.count).map { Int16(truncatingIfNeeded: old[$0] &- base) })
        case 4: storage = .int32((0..<old.count).map { Int32(truncatingIfNeeded: old[$0] &- base) })
        default: storage = .int64((0..<old.count).map { old[$0] &- base })
        }
    }

    private static func width(_ v: Int64) -> Int {
        Int64(Int8.min)...Int64(Int8.max) ~= v
            ? 1 : Int64(Int16.min)...Int64(Int16.max) ~= v ? 2 : Int64(Int32.min)...Int64(Int32.max) ~= v ? 4 : 8
    }
}

extension PackedIntegers: Equatable {
    /// Equal values, however they are packed.
    static func == (a: Self, b: Self) -> Bool {
        guard a.count == b.count else { return false }
        if a.base == b.base, a.width == b.width {
            switch (a.storage, b.storage) {
            case (.int8(let x), .int8(let y)): return x == y
            case (.int16(let x), .int16(let y)): return x == y
            case (.int32(let x), .int32(let y)): return x == y
            case (.int64(let x), .int64(let y)): return x == y
            default: break
            }
        }
        return (0..<a.count).allSatisfy { a[$0] == b[$0] }
    }
}

/// Which rows of a column hold a value: a bit per row, kept only once a null has been seen.
struct Validity: Sendable, Equatable {
    /// Bit i set: row i has a value. nil while every row has one.
    private(set) var bits: [UInt64]?

    @inline(__always)
    func isValid(_ i: Int) -> Bool {
        guard let bits else { return true }
        return bits[i >> 6] & (1 << UInt64(i & 63)) != 0
    }

    /// Records row `i` (the next row) as valid or not.
    @inline(__always)
    mutating func append(_ valid: Bool, at i: Int) {
        if bits == nil {
            guard !valid else { return }
            // The rows so far all had values.
            bits = [UInt64](repeating: ~0, count: (i >> 6) + 1)
            bits![i >> 6] = i & 63 == 0 ? 0 : (1 << UInt64(i & 63)) - 1
            return
        }
        if i & 63 == 0 { bits!.append(valid ? 1 : 0) } else if valid { bits![i >> 6] |= 1 << UInt64(i & 63) }
    }

    /// Appends `other`'s `count` rows after the `start` rows held.
    mutating func append(contentsOf other: Validity, count: Int, at start: Int) {
        guard bits != nil || other.bits != nil else { return }
        for i in 0..<count { append(other.isValid(i), at: start + i) }
    }
}
