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
            var packed = PackedIntegers(), expected: [Int64] = []
            for _ in 0..<Int.random(in: 1...6, using: &g) {
                let scale = [Int64(100), 30_000, 2_000_000_000, 999_999_999_999_999_999].randomElement(using: &g)!
                let run = (0..<Int.random(in: 0...50, using: &g)).map { _ in Int64.random(in: -scale...scale, using: &g) }
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
}
