import Foundation
import RaceDataTesting
import TestSupport
import Testing

@testable import RaceData

/// Generated cases on both sides of the CSV engine's limits: the integer rule's 18 digits against
/// Int64's 19, the 1 MiB block and 256 KiB read, and the column cap. The values are judged by the
/// standard library's parsers (`Int64(_:)`, `Double(_:)`), not by ours.
@Suite("CSV at its boundaries", .quietLogs)
struct BoundaryTests {
    /// Texts at the edges of Int64 and of what reads as a number.
    static let edges = [
        "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
        "999999999999999999", "-999999999999999999", "1000000000000000000", "9999999999999999999",
        "99999999999999999999", "18446744073709551616", "-0", "0", "00", "-00", "+1", "1e5", "1E-3", "-2.5e+300",
        "1e400", "NaN", "nan", "inf", "-inf", "Infinity", "0x10", "1_000", " 1", "1 ", "", "-", ".", "1.", ".5",
    ]

    func table(_ csv: [UInt8], pieces: [Int], limits: LoadLimits = .standard) async throws -> Table {
        try await TableAssembler.assemble(source: "t.csv", kind: .lap(.lapTime), filter: .all, limits: limits) {
            (assembler: inout TableAssembler) throws(DataError) in
            var start = 0
            for size in pieces where start < csv.count {
                try assembler.feed(Array(csv[start..<min(start + size, csv.count)]))
                start += size
            }
            if start < csv.count { try assembler.feed(Array(csv[start...])) }
        }
    }

    /// Random piece sizes: single bytes, numbers cut in half, whole blocks.
    static func pieces(_ total: Int, _ random: inout SeededGenerator) -> [Int] {
        var sizes: [Int] = []
        var left = total
        while left > 0 {
            let size = min(left, random.pick([1, 2, 7, random.int(1...64), random.int(1...300_000)]))
            sizes.append(size)
            left -= size
        }
        return sizes
    }

    /// Whatever type a column gets, each value is what the standard library reads from its text: an
    /// integer column holds only texts Int64 reads exactly (and only the rule's 1 to 18 digits), a double
    /// column the doubles Double reads (integers among them exact; an integer `-0` widens to 0, equal
    /// but for its sign), and a text column the texts.
    @Test(arguments: 0..<40)
    func boundaryNumbersReadAsTheirValue(seed: Int) async throws {
        var random = SeededGenerator(seed: UInt64(seed) &+ 0xB0)
        let columns = random.int(1...4)
        let rows = random.int(1...30)
        var cells: [[String]] = Array(repeating: [], count: columns)
        for c in 0..<columns {
            // A lone empty cell would be a blank line, which is no row.
            let edges = columns == 1 ? Self.edges.filter { !$0.isEmpty } : Self.edges
            let pool = random.chance(0.5) ? edges.filter { Int64($0) != nil || Double($0) != nil } : edges
            for _ in 0..<rows {
                cells[c].append(
                    random.chance(0.6) ? random.pick(pool) : String(random.int(-999_999...999_999)))
            }
        }
        var csv = (0..<columns).map { "c\($0)" }.joined(separator: ",") + "\n"
        for r in 0..<rows { csv += (0..<columns).map { cells[$0][r] }.joined(separator: ",") + "\n" }
        let bytes = Array(csv.utf8)
        let table = try await table(bytes, pieces: Self.pieces(bytes.count, &random))
        #expect(table.rowCount == rows)
        for c in 0..<columns {
            let texts = cells[c]
            let what = "seed \(seed) column \(c): \(texts)"
            switch table.columns[c] {
            case .integer(let values):
                for (text, value) in zip(texts, values) {
                    if text.isEmpty {
                        #expect(value == nil, "\(what)")
                        continue
                    }
                    #expect(
                        value != nil && value == Int64(text), "\(text) read as \(String(describing: value)); \(what)")
                    #expect(text.drop { $0 == "-" }.count <= 18, "\(text) typed integer; \(what)")
                }
            case .double(let values):
                for (text, value) in zip(texts, values) {
                    if text.isEmpty {
                        #expect(value == nil, "\(what)")
                        continue
                    }
                    let standard = Double(text)
                    #expect(
                        value == standard || (value?.isNaN == true && standard?.isNaN == true),
                        "\(text) read as \(String(describing: value)), Double says \(String(describing: standard)); \(what)"
                    )
                }
            case .text(let values):
                #expect(values.map { $0 ?? "" } == texts.map { $0 }, "\(what)")
            case .timestamp:
                Issue.record("numbers typed as timestamps: \(what)")
            }
        }
    }

    /// Tables a few bytes either side of the 1 MiB block (and a multiple of the 256 KiB read), fed in
    /// random pieces: every row is there, in order, with its values, whichever block it fell in.
    @Test(arguments: [-3, -1, 0, 1, 2, 1 << 18])
    func recordsAroundTheBlockSizeKeepEveryRow(offset: Int) async throws {
        var random = SeededGenerator(seed: UInt64(bitPattern: Int64(offset)) &+ 0xB1)
        let target = TableAssembler.blockSize + offset
        var csv = "lap,value,vehicle_id\n"
        var expected: [(Int64, Double, String)] = []
        while csv.utf8.count < target - 40 {
            let row = (Int64(random.int(0...99)), Double(random.int(0...99_999)) / 8, "GR86-\(random.int(0...999))")
            expected.append(row)
            csv += "\(row.0),\(row.1),\(row.2)\n"
        }
        // The last row is padded so that the text ends exactly at the target size.
        let padding = target - csv.utf8.count - "1,0.5,\n".utf8.count
        expected.append((1, 0.5, String(repeating: "x", count: max(1, padding))))
        csv += "1,0.5,\(expected.last!.2)\n"
        let bytes = Array(csv.utf8)
        let table = try await table(bytes, pieces: Self.pieces(bytes.count, &random))
        #expect(table.rowCount == expected.count)
        #expect(table.column("lap") == .integer(IntegerValues(expected.map { $0.0 })))
        #expect(table.column("value") == .double(NullableValues(expected.map { $0.1 })))
        #expect(table.column("vehicle_id") == .text(TextValues(expected.map { $0.2 })))
    }

    /// The column cap, at it and one over, the default one and a small one.
    @Test(arguments: [3, 16_384])
    func aHeaderAtTheColumnCapLoadsAndOneMoreIsRefused(cap: Int) async throws {
        var limits = LoadLimits.standard
        limits.maxColumns = cap
        for count in [cap - 1, cap, cap + 1] {
            let header = (0..<count).map { "c\($0)" }.joined(separator: ",")
            let row = (0..<count).map { String($0) }.joined(separator: ",")
            let bytes = Array("\(header)\n\(row)\n".utf8)
            if count <= cap {
                let table = try await table(bytes, pieces: [bytes.count], limits: limits)
                #expect(table.names.count == count && table.rowCount == 1)
                #expect(table.column("c\(count - 1)") == .integer([Int64(count - 1)]))
            } else {
                await #expect(throws: DataError.self, "\(count) columns over a cap of \(cap)") {
                    _ = try await table(bytes, pieces: [bytes.count], limits: limits)
                }
            }
        }
    }
}
