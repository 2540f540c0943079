import Foundation
import S3Kit
import S3Wire

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

/// Where a problem is inside one block (lines counted from the block's start); made a `CSVError`
/// once the lines before the block are known.
struct BlockProblem: Error {
    var line: Int
    var column: Int
    var reason: String
}

/// Splits records of RFC 4180 CSV into fields, straight from the bytes: quotes (escaped quotes, line
/// breaks inside quotes), LF, CRLF or CR line ends, blank lines skipped. Unquoted fields are ranges of
/// the input; quoted ones are unescaped into a scratch buffer. The input holds whole records only.
struct RecordScanner {
    let delimiter: UInt8
    let maxFieldBytes: Int
    /// Fields of the record just scanned; quoted ones index `scratch`.
    let spans = FieldSpans()
    /// Unescaped quoted fields; its bytes stay put until the next record is scanned.
    let scratch = ByteBlock(capacity: 256)
    /// Line breaks passed so far, and the line (0-based, from the input's start) of the record scanned.
    var lines = 0
    var recordLine = 0
    private let special: [Bool]

    init(delimiter: UInt8, maxFieldBytes: Int) {
        self.delimiter = delimiter
        self.maxFieldBytes = maxFieldBytes
        var special = [Bool](repeating: false, count: 256)
        for b in [delimiter, UInt8(ascii: "\""), 0x0D, 0x0A] { special[Int(b)] = true }
        self.special = special
    }

    /// Scans the record starting at `i` and returns where the next one starts; nil at the end.
    mutating func next(_ b: UnsafeBufferPointer<UInt8>, from start: Int) throws(BlockProblem) -> Int? {
        var i = start
        let n = b.count
        // Blank lines are not records.
        while i < n && (b[i] == 0x0A || b[i] == 0x0D) {
            if b[i] == 0x0D && i + 1 < n && b[i + 1] == 0x0A { i += 1 }
            i += 1
            lines += 1
        }
        guard i < n else { return nil }
        recordLine = lines
        spans.count = 0
        scratch.count = 0
        while true {
            if b[i] == UInt8(ascii: "\"") {
                let begin = scratch.count
                i += 1
                while true {
                    guard i < n else { throw problem("a quoted field that never ends") }
                    if b[i] == UInt8(ascii: "\"") {
                        if i + 1 < n && b[i + 1] == UInt8(ascii: "\"") {
                            scratch.append(UInt8(ascii: "\""))
                            i += 2
                            continue
                        }
                        i += 1
                        break
                    }
                    var j = i
                    while j < n && b[j] != UInt8(ascii: "\"") {
                        if b[j] == 0x0A { lines += 1 }
                        j += 1
                    }
                    scratch.append(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: b[i..<j])))
                    if scratch.count - begin > maxFieldBytes {
                        throw problem("a field longer than \(maxFieldBytes) bytes")
                    }
                    i = j
                }
                if i < n && b[i] != delimiter && b[i] != 0x0D && b[i] != 0x0A {
                    throw problem("text after a closing quote")
                }
                spans.add(begin, scratch.count, quoted: true)
            } else {
                let j = findSpecial(b, from: i)
                if j < n && b[j] == UInt8(ascii: "\"") { throw problem("a quote inside an unquoted field") }
                if j - i > maxFieldBytes { throw problem("a field longer than \(maxFieldBytes) bytes") }
                spans.add(i, j, quoted: false)
                i = j
            }
            guard i < n else { return n }
            if b[i] == delimiter {
                i += 1
                if i == n {
                    spans.add(i, i, quoted: false)
                    return n
                }  // a record ending in a delimiter
                continue
            }
            // CR, LF or CRLF ends the record.
            if b[i] == 0x0D && i + 1 < n && b[i + 1] == 0x0A { i += 1 }
            lines += 1
            return i + 1
        }
    }

    /// The first delimiter, quote, CR or LF at or after `i` (or the end). Eight bytes per step: a byte
    /// equal to one of the four becomes zero after an xor, and the zero-byte test finds the first.
    @inline(__always)
    private func findSpecial(_ b: UnsafeBufferPointer<UInt8>, from i: Int) -> Int {
        let n = b.count
        var j = i
        let base = UnsafeRawPointer(b.baseAddress!)
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let d = ones &* UInt64(delimiter)
        let q = ones &* 0x22
        let cr = ones &* 0x0D
        let lf = ones &* 0x0A
        while j + 8 <= n {
            let w = base.loadUnaligned(fromByteOffset: j, as: UInt64.self).littleEndian
            let (x1, x2, x3, x4) = (w ^ d, w ^ q, w ^ cr, w ^ lf)
            let m = ((x1 &- ones) & ~x1 | (x2 &- ones) & ~x2 | (x3 &- ones) & ~x3 | (x4 &- ones) & ~x4) & highs
            if m != 0 { return j + m.trailingZeroBitCount >> 3 }
            j += 8
        }
        return special.withUnsafeBufferPointer { special in
            while j < n && !special[Int(b[j])] { j += 1 }
            return j
        }
    }

    private func problem(_ reason: String) -> BlockProblem {
        BlockProblem(line: recordLine, column: spans.count + 1, reason: reason)
    }

    @inline(__always)
    static func field(_ k: Int, _ spans: FieldSpans, _ b: UnsafeBufferPointer<UInt8>, _ s: UnsafeBufferPointer<UInt8>)
        -> UnsafeBufferPointer<UInt8>
    {
        let start = spans.starts[k]
        let end = spans.ends[k]
        return UnsafeBufferPointer(
            start: (spans.quoted[k] ? s.baseAddress : b.baseAddress).map { $0 + start }, count: end - start)
    }

    func strings(_ b: UnsafeBufferPointer<UInt8>) -> [String] {
        (0..<spans.count).map { String(decoding: Self.field($0, spans, b, scratch.bytes), as: UTF8.self) }
    }

    /// `,` unless the header line has more `;` outside quotes (exports from some timing systems).
    static func delimiter(ofHeader line: UnsafeBufferPointer<UInt8>) -> UInt8 {
        var commas = 0
        var semicolons = 0
        var quoted = false
        for b in line {
            if b == 0x22 {
                quoted.toggle()
            } else if !quoted {
                if b == 0x2C { commas += 1 } else if b == 0x3B { semicolons += 1 }
            }
        }
        return semicolons > commas ? 0x3B : 0x2C
    }
}

/// Where the fields of one record are, in storage allocated once per block (no array bookkeeping
/// per field).
final class FieldSpans {
    private(set) var starts: UnsafeMutablePointer<Int>
    private(set) var ends: UnsafeMutablePointer<Int>
    private(set) var quoted: UnsafeMutablePointer<Bool>
    private var capacity = 64
    var count = 0

    init() {
        starts = .allocate(capacity: capacity)
        ends = .allocate(capacity: capacity)
        quoted = .allocate(capacity: capacity)
    }

    deinit {
        starts.deallocate()
        ends.deallocate()
        quoted.deallocate()
    }

    @inline(__always)
    func add(_ start: Int, _ end: Int, quoted isQuoted: Bool) {
        if count == capacity { grow() }
        starts[count] = start
        ends[count] = end
        quoted[count] = isQuoted
        count += 1
    }

    private func grow() {
        let bigger = capacity * 2
        let s = UnsafeMutablePointer<Int>.allocate(capacity: bigger)
        let e = UnsafeMutablePointer<Int>.allocate(capacity: bigger)
        let q = UnsafeMutablePointer<Bool>.allocate(capacity: bigger)
        s.update(from: starts, count: count)
        e.update(from: ends, count: count)
        q.update(from: quoted, count: count)
        starts.deallocate()
        ends.deallocate()
        quoted.deallocate()
        starts = s
        ends = e
        quoted = q
        capacity = bigger
    }
}

/// The telemetry filter, looking at a row's bytes: rows it drops never become values.
struct RowFilter: Sendable {
    private let vehicles: [[UInt8]]?
    private let parameters: Set<[UInt8]>?
    /// Lower-cased ASCII.
    private let parameterParts: [[UInt8]]?
    private let laps: ClosedRange<Int>?
    private let dropGlitchLaps: Bool
    private let vehicleId: Int?, vehicleNumber: Int?, lap: Int?, name: Int?

    init?(_ filter: TelemetryFilter, kind: TableKind, header: [String]) {
        guard kind == .telemetry && filter != .all else { return nil }
        vehicles = filter.vehicles.map { $0.map { Array($0.utf8) } }
        parameters = filter.parameters.map { Set($0.map { Array($0.utf8) }) }
        parameterParts = filter.parametersContaining.map { $0.map { Array($0.lowercased().utf8) } }
        laps = filter.laps
        dropGlitchLaps = filter.dropGlitchLaps
        vehicleId = header.firstIndex(of: "vehicle_id")
        vehicleNumber = header.firstIndex(of: "vehicle_number")
        lap = header.firstIndex(of: "lap")
        name = header.firstIndex(of: "telemetry_name")
    }

    func keeps(_ field: (Int) -> UnsafeBufferPointer<UInt8>) -> Bool {
        if let vehicles {
            let id = vehicleId.map(field)
            let number = vehicleNumber.map(field)
            guard
                vehicles.contains(where: { wanted in
                    id.map { $0.elementsEqual(wanted) } == true || number.map { $0.elementsEqual(wanted) } == true
                })
            else { return false }
        }
        if laps != nil || dropGlitchLaps {
            guard let lap = lap.flatMap({ Cell.integer(field($0)) }), lap >= 0 else { return false }
            if dropGlitchLaps && lap == TelemetryFilter.glitchLap { return false }
            if let laps, !laps.contains(Int(lap)) { return false }
        }
        if parameters != nil || parameterParts != nil {
            guard let name else { return false }
            let value = field(name)
            let exact = parameters?.contains(Array(value)) ?? false
            guard exact || parameterParts?.contains(where: { Self.contains(value, lowercased: $0) }) == true else {
                return false
            }
        }
        return true
    }

    /// Whether `text` contains `part` (lower-case ASCII), ignoring ASCII case.
    static func contains(_ text: UnsafeBufferPointer<UInt8>, lowercased part: [UInt8]) -> Bool {
        guard !part.isEmpty else { return true }
        guard text.count >= part.count else { return false }
        for start in 0...(text.count - part.count) {
            var i = 0
            while i < part.count {
                let c = text[start + i]
                if (c >= 65 && c <= 90 ? c + 32 : c) != part[i] { break }
                i += 1
            }
            if i == part.count { return true }
        }
        return false
    }
}

/// What parsing one block of whole records gave: its columns, its line count, or where it failed.
final class BlockResult: @unchecked Sendable {
    var columns: [ColumnBuilder] = []
    var lines = 0
    var rows = 0
    var bytes = 0
    var problem: BlockProblem?
    /// A column that needs to be text (it held numbers or timestamps, then something else).
    var retype: Int?
}

/// Parses blocks of whole data records into typed columns: the work the loader spreads over cores.
struct BlockParser: Sendable {
    let delimiter: UInt8
    let columns: Int
    let maxFieldBytes: Int
    let textColumns: Set<Int>
    let allText: Bool
    let filter: RowFilter?

    func parse(_ b: UnsafeBufferPointer<UInt8>) -> BlockResult {
        if let block = IndexedBlock(b, delimiter: delimiter, columns: columns, maxFieldBytes: maxFieldBytes),
            let result = parse(block)
        {
            return result
        }
        return scan(b)
    }

    /// A regular block, a column at a time; nil if a field turns out not to be regular.
    private func parse(_ block: borrowing IndexedBlock) -> BlockResult? {
        let result = BlockResult()
        let scratch = ByteBlock(capacity: 256)
        var kept: [Int] = []
        if let filter {
            // The filter looks at several fields at once, and quoted ones would share the scratch.
            guard !block.quoted else { return nil }
            var rows: [Int] = []
            let empty = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
            for r in 0..<block.rows where filter.keeps({ block.field(r, $0, scratch: scratch) ?? empty }) {
                rows.append(r)
            }
            kept = rows
        }
        let count = filter == nil ? block.rows : kept.count
        var builders = (0..<columns).map {
            ColumnBuilder(text: allText || textColumns.contains($0), expectedRows: count)
        }
        for k in 0..<columns {
            let outcome = kept.withUnsafeBufferPointer { kept in
                builders[k].append(block.column(k, rows: filter == nil ? nil : kept, scratch: scratch), rows: 0..<count)
            }
            switch outcome {
            case .appended: continue
            case .retype:
                result.retype = k
                return result
            case .irregular: return nil
            }
        }
        result.lines = block.lines
        result.bytes = block.bytes.count
        result.rows = count
        result.columns = builders
        return result
    }

    /// Any block, a record at a time, with the exact error for whatever is wrong.
    func scan(_ b: UnsafeBufferPointer<UInt8>) -> BlockResult {
        let result = BlockResult()
        // Room for the rows a block of this size holds at 32 bytes a row or more: no regrowing per block.
        let expected = filter == nil ? b.count / 32 : 0
        var builders = (0..<columns).map {
            ColumnBuilder(text: allText || textColumns.contains($0), expectedRows: expected)
        }
        let ascii = Self.isASCII(b)
        // One closure around the whole block, nothing mutable captured: the row loop runs on plain
        // locals (a captured `var` would be boxed and access-checked on every field).
        builders.withUnsafeMutableBufferPointer { builders in
            var scanner = RecordScanner(delimiter: delimiter, maxFieldBytes: maxFieldBytes)
            let spans = scanner.spans
            let scratch = scanner.scratch
            var position = 0
            do throws(BlockProblem) {
                while let next = try scanner.next(b, from: position) {
                    guard spans.count == columns else {
                        throw BlockProblem(
                            line: scanner.recordLine, column: min(spans.count, columns) + 1,
                            reason: "\(spans.count) fields where the header has \(columns)")
                    }
                    if !ascii && !Self.isUTF8(UnsafeBufferPointer(rebasing: b[position..<next])) {
                        throw BlockProblem(line: scanner.recordLine, column: 1, reason: "bytes that are not UTF-8")
                    }
                    position = next
                    let s = scratch.bytes
                    if let filter, !filter.keeps({ RecordScanner.field($0, spans, b, s) }) { continue }
                    for k in 0..<columns where !builders[k].append(RecordScanner.field(k, spans, b, s)) {
                        result.retype = k
                        return
                    }
                }
                result.lines = scanner.lines
            } catch {
                result.problem = error
            }
        }
        guard result.problem == nil && result.retype == nil else { return result }
        result.bytes = b.count
        result.rows = builders.first?.count ?? 0
        result.columns = builders
        return result
    }

    /// Eight bytes at a time: most CSV is ASCII, which is UTF-8 without further checks.
    static func isASCII(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = b.baseAddress else { return true }
        let raw = UnsafeRawPointer(base)
        var i = 0
        var high: UInt64 = 0
        while i + 8 <= b.count {
            high |= raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            i += 8
        }
        while i < b.count {
            high |= UInt64(b[i])
            i += 1
        }
        return high & 0x8080_8080_8080_8080 == 0
    }

    static func isUTF8(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        isASCII(b) || String(validating: b, as: UTF8.self) != nil
    }
}
