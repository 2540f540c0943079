import Foundation

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
