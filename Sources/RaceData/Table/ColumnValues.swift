import Foundation

/// A value a numeric column holds, with the placeholder stored where a row is null.
public protocol ColumnValue: Sendable, Equatable {
    static var placeholder: Self { get }
}
extension Int64: ColumnValue { public static var placeholder: Int64 { 0 } }
extension Double: ColumnValue { public static var placeholder: Double { 0 } }

/// A nullable column stored flat: the values (a placeholder where null) and, once a null has been
/// seen, a bit per row. 8 bytes a row where `[Double?]` takes 16.
public struct NullableValues<Value: ColumnValue>: RandomAccessCollection, Sendable, Equatable, ExpressibleByArrayLiteral
{
    public private(set) var values: [Value] = []
    private(set) var validity = Validity()

    public init() {}
    public init(arrayLiteral elements: Value?...) { for element in elements { append(element) } }
    public init<S: Sequence>(_ elements: S) where S.Element == Value? { for element in elements { append(element) } }

    public var startIndex: Int { 0 }
    public var endIndex: Int { values.count }

    public subscript(i: Int) -> Value? { validity.isValid(i) ? values[i] : nil }

    mutating func reserve(_ n: Int) {
        values.reserveCapacity(n)
        values.withUnsafeMutableBytes { adviseHugePages($0.baseAddress, bytes: n * MemoryLayout<Value>.stride) }
    }

    @inline(__always)
    public mutating func append(_ value: Value?) {
        validity.append(value != nil, at: values.count)
        values.append(value ?? .placeholder)
    }

    /// Appends `value(i)`, `value(i + 1)`, … while it gives a value (up to `end`); returns where it
    /// stopped. Values are stored through a pointer into room made ahead (growing runs of 64 rows
    /// and up, so a column whose nulls interrupt it often makes little room in vain).
    @inline(__always)
    mutating func appendWhile(from i: Int, to end: Int, _ value: (Int) -> Value?) -> Int {
        var j = i
        var room = 64
        while j < end {
            let start = values.count
            let n = Swift.min(room, end - j)
            values.append(contentsOf: repeatElement(.placeholder, count: n))
            var filled = 0
            values.withUnsafeMutableBufferPointer { p in
                while filled < n, let v = value(j + filled) {
                    p[start + filled] = v
                    filled += 1
                }
            }
            values.removeLast(n - filled)
            if validity.bits != nil { for r in start..<(start + filled) { validity.append(true, at: r) } }
            j += filled
            guard filled == n else { break }
            room = Swift.min(room * 4, 1 << 14)
        }
        return j
    }

    mutating func append(contentsOf other: NullableValues<Value>) {
        validity.append(contentsOf: other.validity, count: other.count, at: count)
        values += other.values
    }

    func map<T: ColumnValue>(_ transform: (Value) -> T) -> NullableValues<T> {
        var out = NullableValues<T>()
        out.values = values.map(transform)
        out.validity = validity
        return out
    }

    public static func == (a: Self, b: Self) -> Bool {
        guard a.count == b.count else { return false }
        if a.validity.bits == nil && b.validity.bits == nil { return a.values == b.values }
        return a.elementsEqual(b)
    }
}

/// A nullable integer (or timestamp) column, packed (`PackedIntegers`): a lap number takes a byte a
/// row, a session's timestamps four.
public struct IntegerValues: RandomAccessCollection, Sendable, Equatable, ExpressibleByArrayLiteral {
    private(set) var packed = PackedIntegers()
    private(set) var validity = Validity()

    public init() {}
    public init(arrayLiteral elements: Int64?...) { self.init(elements) }
    public init<S: Sequence>(_ elements: S) where S.Element == Int64? {
        for element in elements {
            validity.append(element != nil, at: packed.count)
            packed.append(element ?? packed.base)
        }
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { packed.count }

    public subscript(i: Int) -> Int64? { validity.isValid(i) ? packed[i] : nil }

    mutating func reserve(_ n: Int) { packed.reserve(n) }

    /// Appends a block's values; null rows are stored as the base, so they never widen the packing.
    mutating func append(contentsOf block: NullableValues<Int64>) {
        let start = count
        validity.append(contentsOf: block.validity, count: block.count, at: start)
        block.values.withUnsafeBufferPointer { values in
            var low = Int64.max
            var high = Int64.min
            if block.validity.bits == nil {
                for v in values {
                    low = Swift.min(low, v)
                    high = Swift.max(high, v)
                }
                packed.appendAll(count: values.count, low: low, high: high) { values[$0] }
                return
            }
            for i in values.indices where block.validity.isValid(i) {
                low = Swift.min(low, values[i])
                high = Swift.max(high, values[i])
            }
            guard low <= high else {
                packed.appendZeros(values.count)
                return
            }
            let base = packed.count == 0 ? low : packed.base
            packed.appendAll(count: values.count, low: low, high: high) {
                block.validity.isValid($0) ? values[$0] : base
            }
        }
    }

    func doubles() -> NullableValues<Double> {
        NullableValues<Double>(indices.lazy.map { self[$0].map(Double.init) })
    }

    public static func == (a: Self, b: Self) -> Bool {
        guard a.count == b.count else { return false }
        if a.validity.bits == nil && b.validity.bits == nil { return a.packed == b.packed }
        return a.elementsEqual(b)
    }
}

/// Asks for 2 MiB pages behind a large column buffer about to be filled (transparent huge pages in
/// `madvise` mode): a whole telemetry table's columns then cost a few hundred page faults, not tens
/// of thousands. Only advice: where the kernel says no, nothing changes.
func adviseHugePages(_ base: UnsafeMutableRawPointer?, bytes: Int) {
    guard let base, bytes >= 4 << 20 else { return }
    let page = 4096
    let start = (Int(bitPattern: base) + page - 1) & ~(page - 1)
    let end = (Int(bitPattern: base) + bytes) & ~(page - 1)
    _ = madvise(UnsafeMutableRawPointer(bitPattern: start), end - start, MADV_HUGEPAGE)
}

/// A text column stored as a code per row into the distinct values, packed (one byte a row while
/// there are under 128 of them: the repeated event names, vehicle ids and parameter names of telemetry
/// are each one string).
public struct TextValues: RandomAccessCollection, Sendable, Equatable, ExpressibleByArrayLiteral {
    /// -1 for null.
    private(set) var codes = PackedIntegers(base: 0)
    public private(set) var dictionary: [String] = []

    public init() {}
    public init(arrayLiteral elements: String?...) { self.init(elements) }
    public init<S: Sequence>(_ elements: S) where S.Element == String? {
        var index: [String: Int64] = [:]
        for element in elements {
            guard let element else {
                codes.append(-1)
                continue
            }
            if let code = index[element] {
                codes.append(code)
                continue
            }
            let code = Int64(dictionary.count)
            index[element] = code
            dictionary.append(element)
            codes.append(code)
        }
    }

    init(codes: PackedIntegers, dictionary: [String]) {
        self.codes = codes
        self.dictionary = dictionary
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { codes.count }

    public subscript(i: Int) -> String? {
        let code = codes[i]
        return code < 0 ? nil : dictionary[Int(code)]
    }

    public static func == (a: Self, b: Self) -> Bool {
        guard a.count == b.count else { return false }
        if a.dictionary == b.dictionary { return a.codes == b.codes }
        return a.elementsEqual(b)
    }
}
