import Foundation

/// Bytes in, typed table out. The input is cut into blocks of whole records (about 1 MiB, ending at a
/// line break outside quotes), parsed on every core while more bytes arrive, and joined in order. The
/// filter drops rows inside the blocks, so memory follows the result plus a few blocks, not the file.
struct TableAssembler {
    enum Outcome {
        case table(Table)
        /// These columns held numbers or timestamps and then something else: read again with them as text.
        case retype(Set<Int>)
    }

    /// Small enough that the blocks in flight stay a few MiB (a filtered load's memory is mostly its
    /// result), large enough that handing one to a worker costs nothing next to parsing it.
    static let blockSize = 1 << 20
    /// Bytes a read into the buffer may add at once.
    static let readSize = 256 << 10

    let source: String
    private let kind: TableKind
    private let filter: TelemetryFilter
    private let textColumns: Set<Int>
    private let allText: Bool
    private let maxFieldBytes: Int

    private var pending = ByteBlock(capacity: TableAssembler.blockSize + TableAssembler.readSize)
    /// How far `pending` has been scanned for record ends, the quote parity there, and the end of the
    /// last whole record found.
    private var scanned = 0
    private var insideQuotes = false
    private var lastRecordEnd = 0
    private var bomChecked = false

    private var header: [String]?
    private var headerLines = 0
    private var parser: BlockParser?
    /// Set up once the header is read.
    private var work: BlockWork?
    /// The input's size when known (a file's, an object's Content-Length): the columns are sized
    /// from it once the first blocks show how many rows a byte makes, so they do not grow by copying.
    var expectedBytes: Int?
    var limits = LoadLimits.standard
    /// Bytes fed so far (against `limits.maxBytes`).
    private var fed: Int64 = 0
    /// What the reading found wrong itself (the blocks' problems are the merger's).
    private var failure: CSVError?

    private var problem: CSVError? { failure ?? work?.merger.failure }
    private var retyping: Bool { work.map { !$0.merger.retype.isEmpty } ?? false }
    private var linesMerged: Int { work?.merger.lines ?? 0 }

    /// `textColumns` are read as text whatever they hold; `allText` reads every column so.
    init(
        source: String, kind: TableKind, filter: TelemetryFilter, textColumns: Set<Int> = [], allText: Bool = false,
        maxFieldBytes: Int = 1 << 20
    ) {
        self.source = source
        self.kind = kind
        self.filter = filter
        self.textColumns = textColumns
        self.allText = allText
        self.maxFieldBytes = maxFieldBytes
    }

    /// A large chunk (a part of an object) goes in slices, so the workers get blocks of their size.
    mutating func feed(_ chunk: [UInt8]) throws(DataError) {
        var failure: DataError?
        chunk.withUnsafeBytes { raw in
            do throws(DataError) {
                for start in stride(from: 0, to: raw.count, by: Self.readSize) {
                    try feed(UnsafeRawBufferPointer(rebasing: raw[start..<min(start + Self.readSize, raw.count)]))
                }
            } catch { failure = error }
        }
        if let failure { throw failure }
    }

    mutating func feed(_ bytes: UnsafeRawBufferPointer) throws(DataError) {
        if let problem { throw .csv(problem) }
        guard !retyping, !bytes.isEmpty else { return }
        try count(bytes.count)
        pending.append(bytes)
        try received()
    }

    /// Lets `read` fill the assembler's own buffer (a file is read straight into it); false at the end.
    mutating func feed(reading read: (UnsafeMutableRawBufferPointer) throws(DataError) -> Int) throws(DataError) -> Bool
    {
        if let problem { throw .csv(problem) }
        guard !retyping else { return false }  // this read is going to be repeated anyway
        let n = try read(pending.freeSpace(atLeast: Self.readSize))
        guard n > 0 else { return false }
        try count(n)
        pending.count += n
        try received()
        return true
    }

    private mutating func count(_ n: Int) throws(DataError) {
        fed += Int64(n)
        guard fed > limits.maxBytes else { return }
        failure = CSVError(
            source: source, line: 1 + headerLines + linesMerged, column: 1,
            reason: "more than \(limits.maxBytes) bytes, the most a load reads (MAX_TABLE_BYTES)")
        throw .csv(failure!)
    }

    private mutating func received() throws(DataError) {
        if header == nil {
            guard try readHeader(final: false) else {
                try checkRecordLength()
                return
            }
        }
        findRecordEnds()
        if pending.count >= Self.blockSize && lastRecordEnd > 0 { dispatchBlock() }
        if lastRecordEnd == 0 { try checkRecordLength() }
        if let problem { throw .csv(problem) }
    }

    /// Bytes without a line break (outside quotes) are one record; past this it is not CSV a loader
    /// should hold in memory (a field may be 1 MiB; a record of 64 MiB is no telemetry row).
    static let maxRecordBytes = 64 << 20

    private mutating func checkRecordLength() throws(DataError) {
        guard pending.count > Self.maxRecordBytes else { return }
        work?.waitForAll()  // the blocks before it say which line it starts on (or fail first)
        if let problem { throw .csv(problem) }
        failure = CSVError(
            source: source, line: 1 + headerLines + linesMerged, column: 1,
            reason:
                "a record longer than \(Self.maxRecordBytes >> 20) MiB (no line break, or a quote that never closes)")
        throw .csv(failure!)
    }

    /// The first record, once it has ended (or at the end of the input): the names and the delimiter.
    private mutating func readHeader(final: Bool) throws(DataError) -> Bool {
        if !bomChecked {
            guard pending.count >= 3 || final else { return false }
            if pending.bytes.starts(with: [0xEF, 0xBB, 0xBF]) { pending.dropFirst(3) }
            bomChecked = true
        }
        let held = pending.bytes
        var start = 0
        var blankLines = 0
        while start < held.count && (held[start] == 0x0A || held[start] == 0x0D) {
            if held[start] == 0x0A || !(start + 1 < held.count && held[start + 1] == 0x0A) { blankLines += 1 }
            start += 1
        }
        // Resumed where the last call stopped, so a long first line is scanned once.
        var end: Int?
        for i in max(start, scanned)..<held.count {
            if held[i] == 0x22 {
                insideQuotes.toggle()
            } else if held[i] == 0x0A && !insideQuotes {
                end = i + 1
                break
            }
        }
        scanned = held.count
        if end == nil {
            guard final, start < pending.count else { return false }
            end = pending.count
        }
        let record = UnsafeBufferPointer(rebasing: held[start..<end!])
        var scanner = RecordScanner(delimiter: RecordScanner.delimiter(ofHeader: record), maxFieldBytes: maxFieldBytes)
        do throws(BlockProblem) {
            // At the end of the input the held bytes may be more than the header (lines ended by CR
            // alone have no LF to find): only what the scanner took is the header.
            end = start + (try scanner.next(record, from: 0) ?? record.count)
        } catch {
            throw .csv(
                CSVError(source: source, line: blankLines + error.line + 1, column: error.column, reason: error.reason))
        }
        guard BlockParser.isUTF8(UnsafeBufferPointer(rebasing: held[start..<end!])) else {
            throw .csv(CSVError(source: source, line: blankLines + 1, column: 1, reason: "bytes that are not UTF-8"))
        }
        guard scanner.spans.count <= limits.maxColumns else {
            throw .csv(
                CSVError(
                    source: source, line: blankLines + 1, column: limits.maxColumns + 1,
                    reason:
                        "a header of \(scanner.spans.count) columns, over the \(limits.maxColumns) a table may have (MAX_TABLE_COLUMNS)"
                ))
        }
        let line = scanner.strings(record)
        header = line
        headerLines = blankLines + scanner.lines
        scanned = 0
        insideQuotes = false
        parser = BlockParser(
            delimiter: scanner.delimiter, columns: line.count, maxFieldBytes: maxFieldBytes,
            textColumns: textColumns, allText: allText, filter: RowFilter(filter, kind: kind, header: line))
        let merger = BlockMerger(
            source: source, headerLines: headerLines, limits: limits, expectedBytes: expectedBytes,
            columns: (0..<line.count).map { ColumnAccumulator(text: allText || textColumns.contains($0)) })
        work = BlockWork(merger: merger)
        pending.dropFirst(end!)
        return true
    }

    /// Advances over the bytes not scanned yet: the end of the last whole record is the last line
    /// break outside quotes. Without quotes that is simply the last line break.
    private mutating func findRecordEnds() {
        let new = UnsafeBufferPointer(rebasing: pending.bytes[scanned...])
        if let base = new.baseAddress, !new.isEmpty {
            if !insideQuotes && memchr(base, 0x22, new.count) == nil {
                // The last line break is near the end: look backwards.
                var last = new.count - 1
                while last >= 0 && base[last] != 0x0A { last -= 1 }
                if last >= 0 { lastRecordEnd = scanned + last + 1 }
            } else {
                for i in new.indices {
                    if new[i] == 0x22 {
                        insideQuotes.toggle()
                    } else if new[i] == 0x0A && !insideQuotes {
                        lastRecordEnd = scanned + i + 1
                    }
                }
            }
        }
        scanned = pending.count
    }

    /// Hands the whole records held so far to a worker; the rest stays for the next block.
    private mutating func dispatchBlock() {
        let block = pending
        let length = lastRecordEnd
        pending = block.split(at: length)
        scanned -= length
        lastRecordEnd = 0
        work!.start(block, parser: parser!)
    }

    /// Ends the input: the last record needs no line break; the table, or the columns to read as text.
    mutating func finish() throws(DataError) -> Outcome {
        if problem == nil && !retyping {
            if header == nil {
                guard try readHeader(final: true) else {
                    return .table(Table(names: [], columns: []))  // an empty file is an empty table
                }
            }
            if pending.count > 0 {
                work!.run(pending, parser: parser!)
                pending = ByteBlock(capacity: 0)
            }
        }
        guard let work else { throw .csv(failure!) }  // no header: only the reading can have failed
        work.waitForAll()
        if let problem { throw .csv(problem) }
        let retype = work.merger.retype
        if !retype.isEmpty { return .retype(retype) }
        return .table(Table(names: header ?? [], columns: work.merger.build()))
    }

    /// Feeds everything `read` supplies until the columns' types are settled: a column that held
    /// numbers and then text makes one more read with that column as text (rare; a second GET on S3).
    static func assemble(
        source: String, kind: TableKind, filter: TelemetryFilter, limits: LoadLimits = .standard,
        expectedBytes: Int? = nil,
        read: (inout TableAssembler) async throws(DataError) -> Void
    ) async throws(DataError) -> Table {
        var textColumns = Set<Int>()
        while true {
            var assembler = TableAssembler(source: source, kind: kind, filter: filter, textColumns: textColumns)
            assembler.limits = limits
            assembler.expectedBytes = expectedBytes
            try await read(&assembler)
            switch try assembler.finish() {
            case .table(let table): return table
            case .retype(let columns):
                loaderLog.info(
                    "\(source): columns \(columns.sorted()) hold text after numbers or timestamps; reading again with them as text"
                )
                textColumns.formUnion(columns)
            }
        }
    }
}
