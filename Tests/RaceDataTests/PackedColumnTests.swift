import Foundation
import RaceDataTesting
import Testing

@testable import RaceData

/// Packed columns hold exactly the values given, in as few bytes as those values allow.
@Suite("Packed columns")
struct PackedColumnTests {
    @Test func valuesWidenAsTheyNeedAndReadBackExactly() {
        var g = SeededGenerator(seed: 5)
        for _ in 0..<200 {
            var packed = PackedIntegers()
            var expected: [Int64] = []
            for _ in 0..<Int.random(in: 1...6, using: &g) {
                let scale = [Int64(100), 30_000, 2_000_000_000, 999_999_999_999_999_999].randomElement(using: &g)!
                let run = (0..<Int.random(in: 0...50, using: &g)).map { _ in Int64.random(in: -scale...scale, using: &g)
                }
                packed.appendAll(count: run.count, low: run.min() ?? 0, high: run.max() ?? 0) { run[$0] }
                expected += run
            }
            #expect((0..<packed.count).map { packed[$0] } == expected)
            let spread = (expected.max() ?? 0) - (expected.min() ?? 0)
            #expect(packed.width <= (spread < 127 ? 1 : spread < 32_767 ? 2 : spread < 2_147_483_647 ? 4 : 8))
        }
    }

    @Test func aSessionsTimestampsTakeFourBytesAndNullsNeverWiden() {
        var block = NullableValues<Int64>()
        for i in 0..<1000 { block.append(i % 7 == 0 ? nil : 1_757_253_801_123 + Int64(i) * 50) }
        var column = IntegerValues()
        column.append(contentsOf: block)
        column.append(contentsOf: block)
        #expect(column.packed.width == 4)
        #expect(Array(column) == Array(block) + Array(block))
        #expect(column == IntegerValues(Array(block) + Array(block)))
    }

    /// A column whose first blocks hold only nulls still packs by its first values.
    @Test func leadingNullBlocksDoNotSetTheBase() {
        var column = IntegerValues()
        column.append(contentsOf: NullableValues(repeatElement(nil, count: 300)))
        var block = NullableValues<Int64>()
        for i in 0..<300 { block.append(1_757_253_801_123 + Int64(i) * 1000) }
        column.append(contentsOf: block)
        #expect(column.packed.width == 4)
        #expect(Array(column) == Array(repeating: nil, count: 300) + Array(block))
    }

    @Test func fewDistinctStringsAreOneByteCodes() {
        let values: [String?] = (0..<500).map { $0 % 9 == 0 ? nil : "GR86-004-\($0 % 20)" }
        let text = TextValues(values)
        #expect(Array(text) == values && text.codes.width == 1)
        let many = TextValues((0..<300).map { "v\($0)" })
        #expect(many.codes.width == 2 && many[299] == "v299")
    }

    /// Interning gives equal bytes one code and different bytes different codes, whichever way a value
    /// is found (the previous row's, the cache of recent short values, the hash table): a pool of
    /// lengths 0-24 with neighbours that differ in one byte at the start, middle or end (two 8-byte
    /// loads overlap from 9 to 15 bytes), leading NUL bytes, more values than the cache has slots.
    @Test func internedTextReadsBackExactly() {
        var g = SeededGenerator(seed: 9)
        var pool: [[UInt8]] = [[], [0], [0, 0x61], [0x61], Array("GR86-004-1".utf8), Array("GR86-004-2".utf8)]
        for _ in 0..<700 {
            var bytes = (0..<Int.random(in: 1...24, using: &g)).map { _ in UInt8.random(in: 0x20...0x7A, using: &g) }
            pool.append(bytes)
            bytes[Int.random(in: 0..<bytes.count, using: &g)] ^= 1
            pool.append(bytes)
        }
        for round in 0..<20 {
            // Few distinct values in long runs, or many in short ones.
            let distinct = round % 2 == 0 ? 30 : pool.count
            let rows = (0..<3000).map { _ in pool[Int.random(in: 0..<distinct, using: &g)] }
                .flatMap { value in repeatElement(value, count: Int.random(in: 1...(round % 3 == 0 ? 1 : 4), using: &g))
                }
            let bytes = rows.flatMap { $0 }
            let ends = rows.reduce(into: [0]) { ends, row in ends.append(ends.last! + row.count) }
            var builder = TextBuilder()
            bytes.withUnsafeBufferPointer { all in
                let cells = Rows(bytes: all, ends: ends)
                var i = 0
                while i < rows.count {
                    // Runs (the indexed path) and single appends (the scanner's).
                    let end = min(rows.count, i + Int.random(in: 1...200, using: &g))
                    if round % 4 == 1 {
                        for row in i..<end { builder.append(cells[row]!) }
                        i = end
                    } else {
                        i = builder.appendWhile(cells, from: i, to: end)
                    }
                }
            }
            let decoded = builder.codes.map { $0 == TextBuilder.null ? [] : Array(builder.dictionary[Int($0)].utf8) }
            let wrong = decoded.indices.first { $0 < rows.count && decoded[$0] != rows[$0] }.map {
                "row \($0) reads \(decoded[$0]), was \(rows[$0])"
            }
            #expect(decoded.count == rows.count && wrong == nil, "round \(round): \(wrong ?? "row count")")
            #expect(Set(builder.dictionary).count == builder.dictionary.count, "round \(round): a value interned twice")
        }
    }

    /// Rows of bytes one after another, as a block's column gives them.
    private struct Rows: CellSource {
        let bytes: UnsafeBufferPointer<UInt8>
        let ends: [Int]
        subscript(_ row: Int) -> UnsafeBufferPointer<UInt8>? {
            UnsafeBufferPointer(rebasing: bytes[ends[row]..<ends[row + 1]])
        }
    }
}
