import CCSVIndex
import Foundation
import RaceDataTesting
import TestSupport
import Testing

@testable import RaceData

/// The structural index (64 bytes at a time) is a fast path: on every block it takes, it must give
/// exactly what the record scanner gives, and it must be the path regular telemetry takes.
@Suite("Indexed blocks", .quietLogs)
struct IndexedBlockTests {
    nonisolated(unsafe) static let cells: [(inout SeededGenerator) -> String] = [
        { "\(Int.random(in: -5...40000, using: &$0))" },
        { String(format: "%.3f", Double.random(in: -1...300, using: &$0)) },
        { _ in "" }, { _ in "GR86-004-7" }, { _ in "2025-09-07T14:03:21.5Z" }, { _ in "12345678901234567890" },
        { _ in "-99999999999999999999" }, { _ in "\"a,b\"" }, { _ in "\"two\nlines\"" }, { _ in "\"say \"\"hi\"\"\"" },
        { _ in "é" },
        // Quoted cells long enough to straddle 64-byte chunks, with separators and quotes inside.
        { g in "\"" + String(repeating: "x,\n\"\"", count: Int.random(in: 10...40, using: &g)) + "\"" },
        { g in String(repeating: "y", count: Int.random(in: 50...130, using: &g)) },
    ]

    /// Whole records of `columns` fields, seeded; CRLF or LF; some blocks damaged.
    static func block(_ g: inout SeededGenerator, columns: Int, rows: Int, damage: Bool) -> [UInt8] {
        let end = Bool.random(using: &g) ? "\r\n" : "\n"
        var text = ""
        for _ in 0..<rows {
            text += (0..<columns).map { _ in cells.randomElement(using: &g)!(&g) }.joined(separator: ",") + end
        }
        var bytes = Array(text.utf8)
        if damage && !bytes.isEmpty {
            let at = Int.random(in: 0..<bytes.count, using: &g)
            switch Int.random(in: 0..<5, using: &g) {
            case 0: bytes.insert(0x22, at: at)
            case 1: bytes.insert(0xFF, at: at)
            case 2: bytes.insert(0x2C, at: at)
            case 3: bytes.insert(0x0D, at: at)
            default: bytes.insert(contentsOf: [0x0A, 0x0A], at: at)
            }
        }
        return bytes
    }

    func expectSame(_ fast: BlockResult, _ careful: BlockResult, _ context: String) {
        #expect(
            fast.problem?.line == careful.problem?.line && fast.problem?.column == careful.problem?.column
                && fast.problem?.reason == careful.problem?.reason, "\(context): problems differ")
        // A block with several columns to retype may name any of them first (columns are read in a
        // different order); each read names one more until none is left.
        #expect((fast.retype == nil) == (careful.retype == nil), "\(context): retype differs")
        #expect(
            fast.rows == careful.rows && fast.lines == careful.lines && fast.bytes == careful.bytes,
            "\(context): counts differ")
        #expect(fast.columns.map { $0.build() } == careful.columns.map { $0.build() }, "\(context): values differ")
    }

    @Test(arguments: [false, true])
    func indexedBlocksReadWhatTheScannerReads(allText: Bool) {
        var g = SeededGenerator(seed: allText ? 7 : 8)
        var indexed = 0
        for round in 0..<300 {
            let columns = Int.random(in: 2...7, using: &g)
            let damage = round % 3 == 0
            let bytes = Self.block(&g, columns: columns, rows: Int.random(in: 1...60, using: &g), damage: damage)
            let parser = BlockParser(
                delimiter: 0x2C, columns: columns, maxFieldBytes: 1 << 20, textColumns: [], allText: allText,
                filter: nil)
            bytes.withUnsafeBufferPointer { b in
                if !damage, let block = IndexedBlock(b, delimiter: 0x2C, columns: columns, maxFieldBytes: 1 << 20),
                    block.rows > 0
                {
                    indexed += 1
                }
                expectSame(parser.parse(b), parser.scan(b), "round \(round)")
            }
        }
        // Undamaged blocks are regular: nearly all of them must have taken the fast path.
        #expect(indexed > 180, "only \(indexed) of 200 regular blocks were indexed")
    }

    /// A quote opened in one 64-byte chunk and closed in a later one hides the separators between.
    @Test func aQuoteStraddlingChunksHidesItsSeparators() throws {
        for padding in 55...70 {
            let text = "a,b\n" + String(repeating: "p", count: padding) + ",\"x,y\nz\"\"w\"\n"
            let bytes = Array(text.utf8).dropFirst(4)
            try Array(bytes).withUnsafeBufferPointer { b in
                guard let block = IndexedBlock(b, delimiter: 0x2C, columns: 2, maxFieldBytes: 1 << 20) else {
                    Issue.record("padding \(padding): not indexed")
                    return
                }
                let (rows, lines) = (block.rows, block.lines)
                #expect(rows == 1 && lines == 2)
                let scratch = ByteBlock(capacity: 16)  // the unescaped cell lives here
                let field = block.field(0, 1, scratch: scratch)
                let cell = try #require(field)
                #expect(String(decoding: cell, as: UTF8.self) == "x,y\nz\"w", "padding \(padding)")
                withExtendedLifetime(scratch) {}
            }
        }
    }

    /// The AVX2 classifier (where the CPU has it) finds what the portable one finds, on byte soup
    /// heavy in CSV's special bytes, at every length around the 64-byte chunk.
    @Test func everyClassifierFindsTheSameStructure() {
        var g = SeededGenerator(seed: 21)
        let alphabet: [UInt8] = Array(",,,;\"\"\r\n\nab1".utf8) + [0xC3, 0xA9, 0x00]
        for round in 0..<2000 {
            let bytes = (0..<Int.random(in: 0...300, using: &g)).map { _ in alphabet.randomElement(using: &g)! }
            let delimiter: UInt8 = round % 2 == 0 ? 0x2C : 0x3B
            var fast = [UInt32](repeating: 0, count: bytes.count + Int(RACEDATA_CSV_INDEX_SLACK))
            var portable = fast
            var a = racedata_csv_summary()
            var b = racedata_csv_summary()
            let n = bytes.withUnsafeBufferPointer { racedata_csv_index($0.baseAddress, $0.count, delimiter, &fast, &a) }
            let m = bytes.withUnsafeBufferPointer {
                racedata_csv_index_portable($0.baseAddress, $0.count, delimiter, &portable, &b)
            }
            #expect(n == m && fast[..<n] == portable[..<m], "round \(round)")
            #expect(
                a.line_feeds == b.line_feeds && a.all_line_feeds == b.all_line_feeds && a.quotes == b.quotes
                    && a.lone_carriage_return == b.lone_carriage_return && a.ends_inside_quotes == b.ends_inside_quotes
                    && a.non_ascii == b.non_ascii, "round \(round)")
        }
    }

    /// Twenty digits are no integer (over 18) but a double, as `Double(String)` reads them.
    @Test func twentyDigitNumbersAreDoubles() throws {
        let text = "v,w\n12345678901234567890,1\n-99999999999999999999,2\n"
        let table = try #require(try? parseTable(text))
        #expect(table.column("v") == .double([12345678901234567890.0, -99999999999999999999.0]))
        #expect(table.column("w") == .integer([1, 2]))
    }

    func parseTable(_ text: String) throws -> Table {
        var assembler = TableAssembler(source: "t.csv", kind: .telemetry, filter: .all)
        try assembler.feed(Array(text.utf8))
        guard case .table(let table) = try assembler.finish() else {
            throw CSVError(source: "t", line: 0, column: 0, reason: "retype")
        }
        return table
    }

    /// Filtered loads take the fast path too, and keep the rows the scanner keeps.
    @Test func filteredBlocksKeepTheSameRows() {
        var g = SeededGenerator(seed: 11)
        let header = ["vehicle_id", "lap", "telemetry_name", "telemetry_value"]
        let filter = RowFilter(
            TelemetryFilter(vehicles: ["GR86-004-7"], laps: 2...5, parameters: ["speed"]), kind: .telemetry,
            header: header)
        let parser = BlockParser(
            delimiter: 0x2C, columns: 4, maxFieldBytes: 1 << 20, textColumns: [], allText: false, filter: filter)
        var text = ""
        for _ in 0..<5000 {
            text +=
                "GR86-004-\(Int.random(in: 6...8, using: &g)),\(Int.random(in: 0...7, using: &g)),"
                + "\(["speed", "gear"].randomElement(using: &g)!),\(Double.random(in: 0...200, using: &g))\n"
        }
        Array(text.utf8).withUnsafeBufferPointer { b in
            let fast = parser.parse(b)
            let careful = parser.scan(b)
            #expect(fast.rows > 100)
            expectSame(fast, careful, "filtered")
        }
    }
}
