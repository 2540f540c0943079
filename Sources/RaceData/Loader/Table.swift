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

/// Collects text rows, then gives the typed table.
public struct TableBuilder: Sendable {
    public let names: [String]
    private var cells: [[String]]

    public init(names: [String]) {
        self.names = names
        cells = Array(repeating: [], count: names.count)
    }

    public var rowCount: Int { cells.first?.count ?? 0 }

    public mutating func append(_ row: [String]) {
        for i in cells.indices { cells[i].append(row[i]) }
    }

    /// Each column becomes the narrowest type every non-empty value fits: integer, double,
    /// timestamp, else text. Empty fields are null.
    public func build() -> Table {
        Table(names: names, columns: cells.map(Self.infer))
    }

    static func infer(_ values: [String]) -> Table.Column {
        let present = values.filter { !$0.isEmpty }
        if !present.isEmpty && present.allSatisfy(isInteger) {
            return .integer(values.map { $0.isEmpty ? nil : Int64($0) })
        }
        if !present.isEmpty && present.allSatisfy(isDouble) {
            return .double(values.map { $0.isEmpty ? nil : Double($0) })
        }
        if !present.isEmpty, let parsed = Optional(present.map(Timestamp.parse)), parsed.allSatisfy({ $0 != nil }) {
            return .timestamp(values.map { $0.isEmpty ? nil : Timestamp.parse($0) })
        }
        return .text(values.map { $0.isEmpty ? nil : $0 })
    }

    static func isInteger(_ s: String) -> Bool {
        var digits = s.utf8[...]
        if digits.first == UInt8(ascii: "-") { digits = digits.dropFirst() }
        return !digits.isEmpty && digits.count <= 18 && digits.allSatisfy { $0 >= 48 && $0 <= 57 }
    }

    static func isDouble(_ s: String) -> Bool {
        s.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || $0 == 46 || $0 == 45 || $0 == 43 || $0 == 101 || $0 == 69 }
            && s.utf8.contains { $0 >= 48 && $0 <= 57 } && Double(s) != nil
    }
}

/// ISO-8601 instants as the data carries them: `2025-09-07T14:03:21.123Z` (fraction and zone optional).
public enum Timestamp {
    public static func parse(_ s: String) -> Int64? {
        let b = Array(s.utf8)
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
        var t = tm()
        t.tm_year = y - 1900; t.tm_mon = mo - 1; t.tm_mday = d; t.tm_hour = h; t.tm_min = mi; t.tm_sec = sec
        return Int64(timegm(&t)) * 1000 + millis
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
