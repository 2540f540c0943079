import Foundation

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
