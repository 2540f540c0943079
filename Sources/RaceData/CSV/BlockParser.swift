import Foundation

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
