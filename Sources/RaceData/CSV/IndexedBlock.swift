import CCSVIndex
import Foundation

/// A block of whole records read through its structural index (`racedata_csv_index`): every field's
/// end is an offset found 64 bytes at a time, so a field is two loads, and columns can be typed one
/// after another (a tight loop per column type instead of a type switch per cell).
///
/// Only regular blocks are read this way: every record has exactly the header's fields, lines end in
/// LF or CRLF, quoted fields are whole (`"…"` with doubled quotes inside). Anything else (blank
/// lines, a lone CR, a stray quote, a long field, bytes that are not UTF-8) makes `init` or `field`
/// say no, and the block is read by `RecordScanner`, which knows the exact error or the rare rule.
struct IndexedBlock: ~Copyable {
    let bytes: UnsafeBufferPointer<UInt8>
    let columns: Int
    let rows: Int
    /// Line feeds in the block, inside quotes too (what error lines are counted in).
    let lines: Int
    /// The block holds quotes, so a field may need unescaping.
    let quoted: Bool
    private let ends: UnsafeMutablePointer<UInt32>
    private let maxFieldBytes: Int

    init?(_ b: UnsafeBufferPointer<UInt8>, delimiter: UInt8, columns: Int, maxFieldBytes: Int) {
        // One column: a blank line would be a record of one empty field, which the scanner skips.
        guard columns > 1, let base = b.baseAddress, !b.isEmpty, b.count < Int(UInt32.max) else { return nil }
        let n = b.count
        // One entry before the first: the end of a field "before" the block, so field 0 starts at
        // `ends[-1] &+ 1` like every other (no branch per cell).
        let ends = UnsafeMutablePointer<UInt32>.allocate(capacity: 1 + n + 1 + Int(RACEDATA_CSV_INDEX_SLACK)) + 1
        ends[-1] = UInt32.max
        var summary = racedata_csv_summary()
        var count = racedata_csv_index(base, n, delimiter, ends, &summary)
        var recordEnds = summary.line_feeds
        // The input's last record may end without a line break.
        if b[n - 1] != 0x0A {
            ends[count] = UInt32(n)
            count += 1
            recordEnds += 1
        }
        let rows = count / columns
        var regular =
            summary.lone_carriage_return == 0 && summary.ends_inside_quotes == 0
            && count % columns == 0 && recordEnds == rows
            && (summary.non_ascii == 0 || String(validating: b, as: UTF8.self) != nil)
        // With as many record ends as rows, each row ending in one makes every other position a delimiter.
        var r = 0
        while regular && r < rows {
            let end = Int(ends[r * columns + columns - 1])
            regular = end == n || base[end] == 0x0A
            r += 1
        }
        guard regular else {
            (ends - 1).deallocate()
            return nil
        }
        self.bytes = b
        self.columns = columns
        self.rows = rows
        self.ends = ends
        self.lines = summary.all_line_feeds
        self.quoted = summary.quotes != 0
        self.maxFieldBytes = maxFieldBytes
    }

    deinit { (ends - 1).deallocate() }

    /// The bytes of field `k` of row `r` (a quoted one unescaped into `scratch`); nil when the field
    /// is not regular.
    func field(_ r: Int, _ k: Int, scratch: ByteBlock) -> UnsafeBufferPointer<UInt8>? {
        column(k, scratch: scratch)[r]
    }

    /// Column `k`'s cells, by row.
    func column(_ k: Int, rows kept: UnsafeBufferPointer<Int>? = nil, scratch: ByteBlock) -> Cells {
        Cells(
            base: bytes.baseAddress!, ends: ends, columns: columns, k: k, kept: kept, quoted: quoted,
            maxFieldBytes: maxFieldBytes, scratch: scratch)
    }

    /// One column's cells of a regular block: what column builders read, a concrete type so the
    /// loops over it compile to loads, not calls.
    struct Cells {
        let base: UnsafePointer<UInt8>
        let ends: UnsafeMutablePointer<UInt32>
        let columns: Int
        let k: Int
        /// The rows a filter kept; all of them when nil.
        let kept: UnsafeBufferPointer<Int>?
        let quoted: Bool
        let maxFieldBytes: Int
        let scratch: ByteBlock

        @inline(__always)
        subscript(_ row: Int) -> UnsafeBufferPointer<UInt8>? {
            // Offsets are below 2^32 and rows times columns within the block: no arithmetic here overflows.
            let i = (kept?[row] ?? row) &* columns &+ k
            let start = Int(ends[i &- 1] &+ 1)
            var end = Int(ends[i])
            if k == columns &- 1 && end > start && base[end &- 1] == 0x0D { end &-= 1 }
            guard end &- start <= maxFieldBytes else { return nil }
            guard quoted else { return UnsafeBufferPointer(start: base + start, count: end &- start) }
            return IndexedBlock.unquote(base, start, end, scratch)
        }
    }

    /// A field of a block that holds quotes: `"…"` unescaped, or the bytes if they hold no quote.
    private static func unquote(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int, _ scratch: ByteBlock)
        -> UnsafeBufferPointer<UInt8>?
    {
        guard start < end && base[start] == 0x22 else {
            return memchr(base + start, 0x22, end - start) == nil
                ? UnsafeBufferPointer(start: base + start, count: end - start) : nil
        }
        guard end - start >= 2 && base[end - 1] == 0x22 else { return nil }
        scratch.count = 0
        var i = start + 1
        while i < end - 1 {
            if base[i] == 0x22 {
                // Inside a quoted field a quote is half of a doubled one.
                guard i + 1 < end - 1 && base[i + 1] == 0x22 else { return nil }
                i += 1
            }
            scratch.append(base[i])
            i += 1
        }
        return scratch.bytes
    }
}
