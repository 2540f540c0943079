import Foundation

/// A small typed table: named columns in order, each of one type, every value nullable.
/// Types are inferred from the bytes alone, so equal bytes make equal tables whatever their source.
public struct Table: Sendable, Equatable {
    public enum Column: Sendable, Equatable {
        case integer([Int64?])
        case double([Double?])
        /// Milliseconds since 1970 (UTC), from ISO-8601 text such as `2025-09-07T14:03:21.123Z`.
        case timestamp([Int64?])
        case text([String?])

        public var count: Int {
            switch self {
            case .integer(let v): v.count
            case .double(let v): v.count
            case .timestamp(let v): v.count
            case .text(let v): v.count
            }
        }

        public var typeName: String {
            switch self { case .integer: "integer"; case .double: "double"; case .timestamp: "timestamp"; case .text: "text" }
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
            out += columns.map { column -> String in
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

/// Collects rows as bytes, column by column (no string per cell), then gives the typed table.
public struct TableBuilder: Sendable {
    public let names: [String]
    private var bytes: [[UInt8]]
    /// Where each cell ends in its column's bytes.
    private var ends: [[Int]]

    public init(names: [String]) {
        self.names = names
        bytes = Array(repeating: [], count: names.count)
        ends = Array(repeating: [], count: names.count)
    }

    public var rowCount: Int { ends.first?.count ?? 0 }

    public mutating func append(_ row: [String]) {
        for i in bytes.indices {
            bytes[i].append(contentsOf: row[i].utf8)
            ends[i].append(bytes[i].count)
        }
    }

    public mutating func append(_ row: CSVRow) {
        for i in bytes.indices {
            bytes[i].append(contentsOf: row.field(i))
            ends[i].append(bytes[i].count)
        }
    }

    /// Each column becomes the narrowest type every non-empty value fits: integer, double,
    /// timestamp, else text. Empty fields are null.
    /// Each column's bytes are released as soon as it is typed, so the peak is the rows once
    /// plus one column, not the rows twice.
    public mutating func build() -> Table {
        var columns: [Table.Column] = []
        for i in bytes.indices {
            let (b, e) = (bytes[i], ends[i])
            bytes[i] = []
            ends[i] = []
            columns.append(Self.infer(b, e))
        }
        return Table(names: names, columns: columns)
    }

    static func infer(_ bytes: [UInt8], _ ends: [Int]) -> Table.Column {
        bytes.withUnsafeBufferPointer { all in
            func cell(_ i: Int) -> UnsafeBufferPointer<UInt8> {
                UnsafeBufferPointer(rebasing: all[(i == 0 ? 0 : ends[i - 1])..<ends[i]])
            }
            let count = ends.count
            var present = 0, integers = 0, doubles = 0
            for i in 0..<count {
                let c = cell(i)
                guard !c.isEmpty else { continue }
                present += 1
                if isInteger(c) { integers += 1 } else if looksNumeric(c) { doubles += 1 }
            }
            if present > 0 && integers == present {
                return .integer((0..<count).map { i in let c = cell(i); return c.isEmpty ? nil : parseInteger(c) })
            }
            if present > 0 && integers + doubles == present {
                let values = (0..<count).map { i -> Double?? in
                    let c = cell(i)
                    return c.isEmpty ? .some(nil) : Double(String(decoding: c, as: UTF8.self)).map { .some($0) } ?? nil
                }
                if values.allSatisfy({ $0 != nil }) { return .double(values.map { $0! }) }
            }
            if present > 0 {
                let stamps = (0..<count).map { i -> Int64?? in
                    let c = cell(i)
                    return c.isEmpty ? .some(nil) : Timestamp.parse(c).map { .some($0) } ?? nil
                }
                if stamps.allSatisfy({ $0 != nil }) { return .timestamp(stamps.map { $0! }) }
            }
            // Text: a long value equal to the one above (event names repeat row after row) shares
            // its string; short strings are stored inline by Swift and cost nothing to make.
            var previous: (start: Int, end: Int, string: String)?
            return .text((0..<count).map { i -> String? in
                let c = cell(i)
                if c.isEmpty { return nil }
                if c.count <= 15 { return String(decoding: c, as: UTF8.self) }
                if let p = previous, p.end - p.start == c.count,
                   UnsafeBufferPointer(rebasing: all[p.start..<p.end]).elementsEqual(c) {
                    return p.string
                }
                let s = String(decoding: c, as: UTF8.self)
                previous = (i == 0 ? 0 : ends[i - 1], ends[i], s)
                return s
            })
        }
    }

    static func isInteger(_ c: UnsafeBufferPointer<UInt8>) -> Bool {
        var start = 0
        if c.first == UInt8(ascii: "-") { start = 1 }
        guard c.count > start, c.count - start <= 18 else { return false }
        for i in start..<c.count where c[i] < 48 || c[i] > 57 { return false }
        return true
    }

    static func parseInteger(_ c: UnsafeBufferPointer<UInt8>) -> Int64 {
        var value: Int64 = 0
        let negative = c.first == UInt8(ascii: "-")
        for b in c.dropFirst(negative ? 1 : 0) { value = value * 10 + Int64(b - 48) }
        return negative ? -value : value
    }

    /// Digits with `.`, sign or exponent: a candidate for a double (confirmed by parsing).
    static func looksNumeric(_ c: UnsafeBufferPointer<UInt8>) -> Bool {
        var digit = false
        for b in c {
            if b >= 48 && b <= 57 { digit = true } else if !(b == 46 || b == 45 || b == 43 || b == 101 || b == 69) { return false }
        }
        return digit
    }
}

/// ISO-8601 instants as the data carries them: `2025-09-07T14:03:21.123Z` (fraction and zone optional).
public enum Timestamp {
    public static func parse(_ s: String) -> Int64? {
        var s = s
        return s.withUTF8 { parse($0) }
    }

    public static func parse(_ b: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard b.count >= 19, b[4] == 45, b[7] == 45, b[10] == 84 || b[10] == 32, b[13] == 58, b[16] == 58 else { return nil }
        func num(_ r: Range<Int>) -> Int32? {
            var v: Int32 = 0
            for i in r { guard b[i] >= 48, b[i] <= 57 else { return nil }; v = v * 10 + Int32(b[i] - 48) }
            return v
        }
        guard let y = num(0..<4), let mo = num(5..<7), let d = num(8..<10), let h = num(11..<13), let mi = num(14..<16),
              let sec = num(17..<19), (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, sec < 61 else { return nil }
        var i = 19
        var millis: Int64 = 0
        if i < b.count && b[i] == 46 {
            i += 1
            var scale: Int64 = 100
            let start = i
            while i < b.count, b[i] >= 48, b[i] <= 57 { millis += Int64(b[i] - 48) * scale; scale /= 10; i += 1 }
            guard i > start else { return nil }
        }
        if i < b.count && b[i] == 90 { i += 1 }
        guard i == b.count else { return nil }
        return (daysFromCivil(Int64(y), Int64(mo), Int64(d)) * 86_400 + Int64(h) * 3600 + Int64(mi) * 60 + Int64(sec)) * 1000 + millis
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm): plain
    /// arithmetic, where timegm would consult the time zone machinery for every value.
    static func daysFromCivil(_ year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    public static func format(_ ms: Int64) -> String {
        var seconds = time_t(ms >= 0 ? ms / 1000 : (ms - 999) / 1000)
        let millis = ms - Int64(seconds) * 1000
        var t = tm()
        gmtime_r(&seconds, &t)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", t.tm_year + 1900, t.tm_mon + 1, t.tm_mday,
                      t.tm_hour, t.tm_min, t.tm_sec, Int32(millis))
    }
}
