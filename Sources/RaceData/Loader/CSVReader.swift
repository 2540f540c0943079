/// A CSV error that says where: the object or file, the line and the field.
public struct CSVError: Error, Sendable, Equatable, CustomStringConvertible {
    public var source: String
    public var line: Int
    public var column: Int
    public var reason: String

    public var description: String {
        "\(source), line \(line), field \(column): \(reason). The file is not valid CSV; re-export or repair it."
    }
}

/// One record as bytes: fields are ranges of one buffer, so a row that a filter drops costs no
/// string at all. Valid only inside the callback that receives it.
public struct CSVRow {
    let bytes: UnsafeBufferPointer<UInt8>
    let ends: UnsafeBufferPointer<Int>
    /// The header's names, one per field.
    public let header: [String]

    public var count: Int { ends.count }

    public func field(_ i: Int) -> UnsafeBufferPointer<UInt8> {
        let start = i == 0 ? 0 : ends[i - 1]
        return UnsafeBufferPointer(rebasing: bytes[start..<ends[i]])
    }

    /// The field as text (the record was checked to be UTF-8 when it ended).
    public func string(_ i: Int) -> String { String(decoding: field(i), as: UTF8.self) }

    public func equals(_ i: Int, _ other: [UInt8]) -> Bool { field(i).elementsEqual(other) }

    public var strings: [String] { (0..<count).map(string) }
}

/// A streaming CSV reader over bytes: RFC 4180 quoting (escaped quotes, line breaks inside quotes),
/// LF or CRLF, an optional UTF-8 byte-order mark, and `,` or `;` chosen from the header line.
/// Bytes may arrive in pieces of any size; each complete record is handed on as soon as it ends.
public struct CSVReader {
    public let source: String
    public let maxFieldBytes: Int
    public private(set) var delimiter: UInt8?
    public private(set) var header: [String]?

    private var record: [UInt8] = []
    private var ends: [Int] = []
    private var fieldStart = 0
    private var inQuotes = false
    private var quoteClosed = false
    private var fieldStarted = false
    private var pendingCR = false
    private var atStart = true
    private var bomSeen = 0
    private var line = 1
    private var recordLine = 1
    /// The header line's bytes, held until it ends so the delimiter can be chosen from it.
    private var headerBytes: [UInt8]? = []

    public init(source: String, maxFieldBytes: Int = 1 << 20) {
        self.source = source
        self.maxFieldBytes = maxFieldBytes
    }

    private func error(_ reason: String) -> CSVError {
        CSVError(source: source, line: recordLine, column: ends.count + 1, reason: reason)
    }

    /// Feeds bytes; `row` gets each data record (the header is kept in `header`).
    public mutating func feed(_ bytes: UnsafeRawBufferPointer, row: (CSVRow) throws -> Void) throws {
        var start = 0
        if atStart {
            let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
            while start < bytes.count && bomSeen < 3 && bytes[start] == bom[bomSeen] { bomSeen += 1; start += 1 }
            if bomSeen == 3 || start < bytes.count {
                atStart = false
                if bomSeen > 0 && bomSeen < 3 { // looked like a BOM, was not: those bytes are data
                    let partial = Array(bom[..<bomSeen])
                    try partial.withUnsafeBytes { try consume($0, row: row) }
                }
            } else {
                return
            }
        }
        try consume(UnsafeRawBufferPointer(rebasing: bytes[start...]), row: row)
    }

    private mutating func consume(_ bytes: UnsafeRawBufferPointer, row: (CSVRow) throws -> Void) throws {
        var i = 0
        if headerBytes != nil {
            // Hold the first line until it ends, then choose the delimiter and parse it.
            while i < bytes.count {
                let b = bytes[i]
                headerBytes!.append(b)
                i += 1
                if b == 0x0A && !Self.insideQuotes(headerBytes!) {
                    let held = headerBytes!
                    headerBytes = nil
                    delimiter = Self.chooseDelimiter(held)
                    try held.withUnsafeBytes { try parse($0, row: row) }
                    break
                }
            }
            if headerBytes != nil { return }
        }
        try parse(UnsafeRawBufferPointer(rebasing: bytes[i...]), row: row)
    }

    static func insideQuotes(_ bytes: [UInt8]) -> Bool {
        bytes.reduce(false) { $1 == 0x22 ? !$0 : $0 }
    }

    static func chooseDelimiter(_ line: [UInt8]) -> UInt8 {
        var commas = 0, semicolons = 0, quoted = false
        for b in line {
            if b == 0x22 { quoted.toggle() } else if !quoted {
                if b == 0x2C { commas += 1 } else if b == 0x3B { semicolons += 1 }
            }
        }
        return semicolons > commas ? 0x3B : 0x2C
    }

    private mutating func parse(_ bytes: UnsafeRawBufferPointer, row: (CSVRow) throws -> Void) throws {
        let delimiter = self.delimiter ?? 0x2C
        var i = 0
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            if pendingCR {
                pendingCR = false
                if b == 0x0A { i += 1; continue }
            }
            if inQuotes {
                if b == 0x22 { inQuotes = false; quoteClosed = true; i += 1; continue }
                if b == 0x0A { line += 1 }
                try append(b)
                i += 1
                continue
            }
            switch b {
            case 0x22:
                if quoteClosed { try append(0x22); inQuotes = true; quoteClosed = false } // "" inside quotes
                else if !fieldStarted { inQuotes = true; fieldStarted = true }
                else { throw error("a quote inside an unquoted field") }
                i += 1
            case delimiter:
                endField()
                i += 1
            case 0x0D, 0x0A:
                if b == 0x0D { pendingCR = true }
                try endRecord(row: row)
                line += 1
                recordLine = line
                i += 1
            default:
                if quoteClosed { throw error("text after a closing quote") }
                // The common case: a run of plain bytes, copied at once.
                var j = i + 1
                while j < n {
                    let c = bytes[j]
                    if c == delimiter || c == 0x22 || c == 0x0D || c == 0x0A { break }
                    j += 1
                }
                record.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[i..<j]))
                fieldStarted = true
                if record.count - fieldStart > maxFieldBytes { throw error("a field longer than \(maxFieldBytes) bytes") }
                i = j
            }
        }
    }

    private mutating func append(_ b: UInt8) throws {
        fieldStarted = true
        record.append(b)
        if record.count - fieldStart > maxFieldBytes { throw error("a field longer than \(maxFieldBytes) bytes") }
    }

    private mutating func endField() {
        ends.append(record.count)
        fieldStart = record.count
        fieldStarted = false
        quoteClosed = false
    }

    private mutating func endRecord(row: (CSVRow) throws -> Void) throws {
        if ends.isEmpty && !fieldStarted && record.isEmpty { return } // a blank line
        endField()
        defer {
            record.removeAll(keepingCapacity: true)
            ends.removeAll(keepingCapacity: true)
            fieldStart = 0
        }
        // ASCII is UTF-8; anything else is checked in full.
        if !record.allSatisfy({ $0 < 0x80 }) && String(validating: record, as: UTF8.self) == nil {
            throw error("bytes that are not UTF-8")
        }
        let count = ends.count
        try record.withUnsafeBufferPointer { bytes in
            try ends.withUnsafeBufferPointer { ends in
                guard let header else {
                    self.header = CSVRow(bytes: bytes, ends: ends, header: []).strings
                    return
                }
                let current = CSVRow(bytes: bytes, ends: ends, header: header)
                guard count == header.count else {
                    throw CSVError(source: source, line: recordLine, column: min(count, header.count) + 1,
                                   reason: "\(count) fields where the header has \(header.count)")
                }
                try row(current)
            }
        }
    }

    /// Ends the input: a last record without a line break counts; an open quote is an error.
    public mutating func finish(row: (CSVRow) throws -> Void) throws {
        if let held = headerBytes, !held.isEmpty {
            headerBytes = nil
            delimiter = Self.chooseDelimiter(held)
            try held.withUnsafeBytes { try parse($0, row: row) }
        }
        headerBytes = nil
        if inQuotes { throw error("a quoted field that never ends") }
        try endRecord(row: row)
    }
}
