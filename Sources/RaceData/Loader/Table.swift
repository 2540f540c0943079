import Foundation
import S3Kit
import S3Wire

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

/// A small typed table: named columns in order, each of one type, every value nullable.
/// Types are inferred from the bytes alone, so equal bytes make equal tables whatever their source.
public struct Table: Sendable, Equatable {
    public enum Column: Sendable, Equatable {
        case integer(IntegerValues)
        case double(NullableValues<Double>)
        /// Milliseconds since 1970 (UTC), from ISO-8601 text such as `2025-09-07T14:03:21.123Z`.
        case timestamp(IntegerValues)
        case text(TextValues)

        public var count: Int {
            switch self {
            case .integer(let v): v.count
            case .double(let v): v.count
            case .timestamp(let v): v.count
            case .text(let v): v.count
            }
        }

        public var typeName: String {
            switch self {
            case .integer: "integer"
            case .double: "double"
            case .timestamp: "timestamp"
            case .text: "text"
            }
        }
    }

    public private(set) var names: [String]
    public private(set) var columns: [Column]

    public init(names: [String], columns: [Column]) {
        precondition(names.count == columns.count)
        self.names = names
        self.columns = columns
    }

    public var rowCount: Int { columns.first?.count ?? 0 }

    public func column(_ name: String) -> Column? { names.firstIndex(of: name).map { columns[$0] } }

    /// A column's cells as text (integers written out), whatever it was read as; nil cells for a missing column.
    public func texts(_ name: String) -> [String?] {
        switch column(name) {
        case .text(let v)?: Array(v)
        case .integer(let v)?: v.map { $0.map(String.init) }
        default: Array(repeating: nil, count: rowCount)
        }
    }

    /// A column's cells as integers (a double column's whole values too).
    public func integers(_ name: String) -> [Int64?] {
        switch column(name) {
        case .integer(let v)?: Array(v)
        case .double(let v)?: v.map { $0.flatMap { $0 == $0.rounded() ? Int64(exactly: $0) : nil } }
        default: Array(repeating: nil, count: rowCount)
        }
    }

    /// A column's cells as numbers (integers, doubles, or text that reads as one).
    public func numbers(_ name: String) -> [Double?] {
        switch column(name) {
        case .integer(let v)?: v.map { $0.map(Double.init) }
        case .double(let v)?: Array(v)
        case .text(let v)?: v.map { $0.flatMap(Double.init) }
        default: Array(repeating: nil, count: rowCount)
        }
    }

    /// A timestamp column's cells, milliseconds since 1970.
    public func timestamps(_ name: String) -> [Int64?] {
        if case .timestamp(let v)? = column(name) { return Array(v) }
        return Array(repeating: nil, count: rowCount)
    }

    /// Only these columns, in this order (unknown names are left out).
    public func projected(_ wanted: [String]) -> Table {
        let indices = wanted.compactMap { names.firstIndex(of: $0) }
        return Table(names: indices.map { names[$0] }, columns: indices.map { columns[$0] })
    }

    /// The rows as a JSON array of objects (nulls as null, timestamps as their ISO text).
    public func jsonRows(limit: Int? = nil) -> String {
        var out = "["
        for row in 0..<min(rowCount, limit ?? rowCount) {
            if row > 0 { out += "," }
            out += "{"
            for (i, name) in names.enumerated() {
                if i > 0 { out += "," }
                out += Table.jsonString(name) + ":" + jsonValue(columns[i], row)
            }
            out += "}"
        }
        return out + "]"
    }

    /// The table as CSV: the header, then one line per row; fields quoted where needed.
    public func csv() -> String {
        var out = names.map(Table.csvField).joined(separator: ",") + "\n"
        for row in 0..<rowCount {
            out +=
                columns.map { column -> String in
                    switch column {
                    case .integer(let v): v[row].map { String($0) } ?? ""
                    case .double(let v): v[row].map { String($0) } ?? ""
                    case .timestamp(let v): v[row].map(Timestamp.format) ?? ""
                    case .text(let v): v[row].map(Table.csvField) ?? ""
                    }
                }.joined(separator: ",") + "\n"
        }
        return out
    }

    static func csvField(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == ";" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    func jsonValue(_ column: Column, _ row: Int) -> String {
        switch column {
        case .integer(let v): v[row].map { String($0) } ?? "null"
        case .double(let v): v[row].map { $0.isFinite ? String($0) : "null" } ?? "null"
        case .timestamp(let v): v[row].map { Table.jsonString(Timestamp.format($0)) } ?? "null"
        case .text(let v): v[row].map(Table.jsonString) ?? "null"
        }
    }

    static func jsonString(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let c where c.value < 0x20: out += String(format: "\\u%04x", c.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

/// ISO-8601 instants as the data carries them: `2025-09-07T14:03:21.123Z` (fraction and zone optional).
public enum Timestamp {
    public static func parse(_ s: String) -> Int64? {
        var s = s
        return s.withUTF8 { parse($0) }
    }

    public static func parse(_ b: UnsafeBufferPointer<UInt8>) -> Int64? {
        var cache = MinuteCache()
        return parse(b, cache: &cache)
    }

    /// The last date, hour and minute seen and their milliseconds: a column of timestamps repeats
    /// them row after row, so most rows parse only their seconds.
    struct MinuteCache {
        var prefix: (UInt64, UInt64)?
        var millis: Int64 = 0
    }

    static func parse(_ b: UnsafeBufferPointer<UInt8>, cache: inout MinuteCache) -> Int64? {
        guard b.count >= 19 else { return nil }
        @inline(__always) func digits(_ i: Int, _ n: Int) -> Int64? {
            var v: Int64 = 0
            for k in i..<(i + n) {
                let d = b[k] &- 48
                guard d < 10 else { return nil }
                v = v * 10 + Int64(d)
            }
            return v
        }
        let raw = UnsafeRawPointer(b.baseAddress!)
        // `YYYY-MM-DDTHH:MM`: the first 16 bytes.
        let prefix = (raw.loadUnaligned(as: UInt64.self), raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        let minute: Int64
        // A prefix seen before had its separators checked then.
        if let known = cache.prefix, known == prefix {
            minute = cache.millis
        } else {
            guard b[4] == 45, b[7] == 45, b[10] == 84 || b[10] == 32, b[13] == 58 else { return nil }
            guard let y = digits(0, 4), let mo = digits(5, 2), let d = digits(8, 2), (1...12).contains(mo),
                (1...31).contains(d),
                let h = digits(11, 2), let mi = digits(14, 2), h < 24, mi < 60
            else { return nil }
            minute = (CivilDate.days(year: y, month: mo, day: d) * 86_400 + h * 3600 + mi * 60) * 1000
            cache = MinuteCache(prefix: prefix, millis: minute)
        }
        guard b[16] == 58 else { return nil }
        // `SS.mmmZ`, nearly every timestamp of the data: without the general loop below.
        if b.count == 24 && b[19] == 46 && b[23] == 90 {
            let s1 = b[17] &- 48
            let s2 = b[18] &- 48
            let m1 = b[20] &- 48
            let m2 = b[21] &- 48
            let m3 = b[22] &- 48
            if s1 < 6 && s2 < 10 && m1 < 10 && m2 < 10 && m3 < 10 {
                return minute + Int64(s1 * 10 + s2) * 1000 + Int64(m1) * 100 + Int64(m2) * 10 + Int64(m3)
            }
        }
        guard let sec = digits(17, 2), sec < 61 else { return nil }
        var i = 19
        var millis: Int64 = 0
        if i < b.count && b[i] == 46 {
            i += 1
            var scale: Int64 = 100
            let start = i
            while i < b.count, b[i] &- 48 < 10 {
                millis += Int64(b[i] - 48) * scale
                scale /= 10
                i += 1
            }
            guard i > start else { return nil }
        }
        if i < b.count && b[i] == 90 { i += 1 }
        guard i == b.count else { return nil }
        return minute + sec * 1000 + millis
    }

    public static func format(_ ms: Int64) -> String { UTCDate(millisecondsSince1970: ms).iso8601 }
}
