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

/// A streaming CSV reader over bytes: RFC 4180 quoting (escaped quotes, line breaks inside quotes),
/// LF or CRLF, an optional UTF-8 byte-order mark, and `,` or `;` chosen from the header line.
/// Bytes may arrive in pieces of any size; each complete record is handed on as soon as it ends.
public struct CSVReader {
    public let source: String
    public let maxFieldBytes: Int
    public private(set) var delimiter: UInt8?
    public private(set) var header: [String]?

    private var field: [UInt8] = []
    private var fields: [String] = []
    private var inQuotes = false
    private var quoteClosed = false
    private var fieldStarted = false
    private var pendingCR = false
    private var atStart = true
    private var bomCheck: [UInt8] = []
    private var line = 1
    private var recordLine = 1
    /// The header line's bytes, held until it ends so the delimiter can be chosen from it.
    private var headerBytes: [UInt8]? = []

    public init(source: String, maxFieldBytes: Int = 1 << 20) {
        self.source = source
        self.maxFieldBytes = maxFieldBytes
    }

    private func error(_ reason: String) -> CSVError {
        CSVError(source: source, line: recordLine, column: fields.count + 1, reason: reason)
    }

    /// Feeds bytes; `row` gets each data record (the header is kept in `header`).
    public mutating func feed(_ bytes: UnsafeRawBufferPointer, row: ([String]) throws -> Void) throws {
        var start = 0
        if atStart {
            // A byte-order mark may straddle two pieces.
            while start < bytes.count && bomCheck.count < 3 && bytes[start] == [0xEF, 0xBB, 0xBF][bomCheck.count] {
                bomCheck.append(bytes[start]); start += 1
            }
            if bomCheck.count < 3 && start < bytes.count {
                atStart = false
                if !bomCheck.isEmpty && bomCheck.count < 3 {
                    let partial = bomCheck
                    bomCheck = []
                    try partial.withUnsafeBytes { try consume($0, row: row) }
                }
            } else if bomCheck.count == 3 {
                atStart = false
            } else {
                return
            }
        }
        try consume(UnsafeRawBufferPointer(rebasing: bytes[start...]), row: row)
    }

    private mutating func consume(_ bytes: UnsafeRawBufferPointer, row: ([String]) throws -> Void) throws {
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

    private mutating func parse(_ bytes: UnsafeRawBufferPointer, row: ([String]) throws -> Void) throws {
        let delimiter = self.delimiter ?? 0x2C
        for b in bytes {
            if pendingCR {
                pendingCR = false
                if b == 0x0A { continue }
            }
            if inQuotes {
                if b == 0x22 { inQuotes = false; quoteClosed = true; continue }
                if b == 0x0A { line += 1 }
                try append(b)
                continue
            }
            switch b {
            case 0x22:
                if quoteClosed { try append(0x22); inQuotes = true; quoteClosed = false } // "" inside quotes
                else if !fieldStarted { inQuotes = true; fieldStarted = true }
                else { throw error("a quote inside an unquoted field") }
            case delimiter:
                try endField()
            case 0x0D, 0x0A:
                if b == 0x0D { pendingCR = true }
                try endRecord(row: row)
                line += 1
                recordLine = line
            default:
                if quoteClosed { throw error("text after a closing quote") }
                try append(b)
            }
        }
    }

    private mutating func append(_ b: UInt8) throws {
        fieldStarted = true
        field.append(b)
        if field.count > maxFieldBytes { throw error("a field longer than \(maxFieldBytes) bytes") }
    }

    private mutating func endField() throws {
        guard let text = String(validating: field, as: UTF8.self) else { throw error("bytes that are not UTF-8") }
        fields.append(text)
        field.removeAll(keepingCapacity: true)
        fieldStarted = false
        quoteClosed = false
    }

    private mutating func endRecord(row: ([String]) throws -> Void) throws {
        if fields.isEmpty && !fieldStarted && field.isEmpty { return } // a blank line
        try endField()
        defer { fields.removeAll(keepingCapacity: true) }
        guard let header else {
            self.header = fields
            return
        }
        guard fields.count == header.count else {
            throw CSVError(source: source, line: recordLine, column: min(fields.count, header.count) + 1,
                           reason: "\(fields.count) fields where the header has \(header.count)")
        }
        try row(fields)
    }

    /// Ends the input: a last record without a line break counts; an open quote is an error.
    public mutating func finish(row: ([String]) throws -> Void) throws {
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
