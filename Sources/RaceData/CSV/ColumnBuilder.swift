import Foundation

/// One column being filled: its type so far and its values. The type starts from the first value and
/// only widens integer to double (exactly: the integers' text parses to the same doubles, but for an
/// integer written `-0`, which widens to 0); a value that
/// needs text after numbers or timestamps makes `append` return false, and the load is read again with
/// that column as text (the earlier values' bytes are gone by then).
struct ColumnBuilder {
    enum Kind: Equatable { case empty, integer, double, timestamp, text }

    private(set) var kind: Kind
    /// Nulls before the first value (while the type is still open).
    private var leadingNulls = 0
    private(set) var integers = NullableValues<Int64>()  // integer and timestamp
    private(set) var doubles = NullableValues<Double>()
    private(set) var text = TextBuilder()
    private var dates = Timestamp.MinuteCache()
    /// Rows the storage is made ready for when the type is known (a block's estimate).
    private let expectedRows: Int

    init(text: Bool, expectedRows: Int = 0) {
        kind = text ? .text : .empty
        self.expectedRows = expectedRows
        if text { self.text.reserve(expectedRows) }
    }

    var count: Int {
        switch kind {
        case .empty: leadingNulls
        case .integer, .timestamp: integers.count
        case .double: doubles.count
        case .text: text.count
        }
    }

    mutating func append(_ cell: UnsafeBufferPointer<UInt8>) -> Bool {
        switch kind {
        case .text:
            text.append(cell)
            return true
        case .empty:
            if cell.isEmpty {
                leadingNulls += 1
                return true
            }
            if let v = Cell.integer(cell) {
                start(.integer)
                integers.append(v)
            } else if let v = Cell.double(cell) {
                start(.double)
                doubles.append(v)
            } else if let v = Timestamp.parse(cell, cache: &dates) {
                start(.timestamp)
                integers.append(v)
            } else {
                start(.text)
                text.append(cell)
            }
            return true
        case _ where cell.isEmpty:
            appendNull()
            return true
        case .integer:
            if let v = Cell.integer(cell) {
                integers.append(v)
                return true
            }
            guard let v = Cell.double(cell) else { return false }
            widenToDouble()
            doubles.append(v)
            return true
        case .double:
            guard let v = Cell.double(cell) else { return false }
            doubles.append(v)
            return true
        case .timestamp:
            guard let v = Timestamp.parse(cell, cache: &dates) else { return false }
            integers.append(v)
            return true
        }
    }

    enum RunOutcome { case appended, retype, irregular }

    /// Appends these rows' cells of this column (`cell` nil: the block is not regular after all). Runs
    /// of the column's settled type go through a loop of their own, without a type switch per cell.
    mutating func append(_ cell: IndexedBlock.Cells, rows: Range<Int>) -> RunOutcome {
        var i = rows.lowerBound
        let count = rows.upperBound
        while i < count {
            switch kind {
            case .integer: i = Self.run(&integers, from: i, count, cell, Cell.integer)
            case .double: i = Self.run(&doubles, from: i, count, cell, Cell.double)
            case .timestamp:
                var dates = self.dates
                i = Self.run(&integers, from: i, count, cell) { Timestamp.parse($0, cache: &dates) }
                self.dates = dates
            case .text: i = text.appendWhile(cell, from: i, to: count)
            case .empty:
                while i < count, let c = cell[i], c.isEmpty {
                    leadingNulls += 1
                    i += 1
                }
            }
            guard i < count else { break }
            // The cell the run stopped at: a null, a new type, the end of regularity.
            guard let c = cell[i] else { return .irregular }
            guard append(c) else { return .retype }
            i += 1
        }
        return .appended
    }

    /// Appends cells from `i` on while `parse` reads them; returns the first it did not.
    @inline(__always)
    private static func run<V>(
        _ values: inout NullableValues<V>, from i: Int, _ count: Int,
        _ cell: IndexedBlock.Cells, _ parse: (UnsafeBufferPointer<UInt8>) -> V?
    ) -> Int {
        values.appendWhile(from: i, to: count) { cell[$0].flatMap(parse) }
    }

    /// Room for this many rows in all (the loader's estimate from the bytes still to come).
    mutating func reserve(_ rows: Int) {
        switch kind {
        case .empty: break
        case .integer, .timestamp: integers.reserve(rows)
        case .double: doubles.reserve(rows)
        case .text: text.reserve(rows)
        }
    }

    private mutating func appendNull() {
        switch kind {
        case .empty: leadingNulls += 1
        case .integer, .timestamp: integers.append(nil)
        case .double: doubles.append(nil)
        case .text: text.appendNull()
        }
    }

    private mutating func start(_ kind: Kind) {
        self.kind = kind
        reserve(expectedRows)
        for _ in 0..<leadingNulls { appendNull() }
        leadingNulls = 0
    }

    private mutating func widenToDouble() {
        doubles = integers.map { Double($0) }
        integers = NullableValues()
        kind = .double
    }

    /// This block alone as a table column.
    func build() -> Table.Column {
        var column = ColumnAccumulator(text: kind == .text)
        _ = column.append(contentsOf: self)
        return column.build()
    }
}
