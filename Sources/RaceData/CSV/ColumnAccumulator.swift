import Foundation

/// A column's blocks joined in order, packed as they arrive (`IntegerValues`, `TextValues`): the
/// table's column once the load ends. Integers widen to doubles when a block holds decimals; text or
/// timestamps against anything else cannot join, which makes the load read again with text.
struct ColumnAccumulator {
    private(set) var kind: ColumnBuilder.Kind
    /// Rows while no block has had a value.
    private var nulls = 0
    private var integers = IntegerValues()  // integer and timestamp
    private var doubles = NullableValues<Double>()
    /// The distinct strings (interned by bytes); `codes` point into it, -1 for null.
    private var dictionary = TextBuilder()
    private var codes = PackedIntegers(base: 0)
    private var reserved = 0

    init(text: Bool) { kind = text ? .text : .empty }

    var count: Int {
        switch kind {
        case .empty: nulls
        case .integer, .timestamp: integers.count
        case .double: doubles.count
        case .text: codes.count
        }
    }

    /// Room for this many rows in all (the loader's estimate from the bytes still to come).
    mutating func reserve(_ rows: Int) {
        reserved = rows
        switch kind {
        case .empty: break
        case .integer, .timestamp: integers.reserve(rows)
        case .double: doubles.reserve(rows)
        case .text: codes.reserve(rows)
        }
    }

    /// false if the block's type cannot join this column's.
    mutating func append(contentsOf block: ColumnBuilder) -> Bool {
        if block.kind == .empty {
            appendNulls(block.count)
            return true
        }
        if kind == .empty {
            kind = block.kind
            reserve(reserved)
            let leading = nulls
            nulls = 0
            appendNulls(leading)
        }
        if kind == .integer && block.kind == .double {
            doubles = integers.doubles()
            integers = IntegerValues()
            kind = .double
            doubles.reserve(reserved)
        }
        switch (kind, block.kind) {
        case (.integer, .integer), (.timestamp, .timestamp): integers.append(contentsOf: block.integers)
        case (.double, .double): doubles.append(contentsOf: block.doubles)
        case (.double, .integer): doubles.append(contentsOf: block.integers.map { Double($0) })
        case (.text, .text): appendText(block.text)
        default: return false
        }
        return true
    }

    /// The block's codes translated into this column's dictionary.
    private mutating func appendText(_ block: TextBuilder) {
        var translation = [Int64](repeating: 0, count: block.dictionary.count)
        block.forEachEntry { code, bytes in translation[code] = Int64(dictionary.intern(bytes)) }
        let high = Int64(dictionary.dictionary.count) - 1
        block.codes.withUnsafeBufferPointer { blockCodes in
            translation.withUnsafeBufferPointer { translation in
                codes.appendAll(count: blockCodes.count, low: -1, high: high) { i in
                    let code = blockCodes[i]
                    return code == TextBuilder.null ? -1 : translation[Int(code)]
                }
            }
        }
    }

    private mutating func appendNulls(_ n: Int) {
        switch kind {
        case .empty: nulls += n
        case .integer, .timestamp: integers.append(contentsOf: NullableValues(repeatElement(nil, count: n)))
        case .double: for _ in 0..<n { doubles.append(nil) }
        case .text: codes.appendAll(count: n, low: -1, high: -1) { _ in -1 }
        }
    }

    func build() -> Table.Column {
        switch kind {
        case .empty:
            var none = PackedIntegers(base: 0)
            none.appendAll(count: nulls, low: -1, high: -1) { _ in -1 }
            return .text(TextValues(codes: none, dictionary: []))
        case .integer: return .integer(integers)
        case .timestamp: return .timestamp(integers)
        case .double: return .double(doubles)
        case .text: return .text(TextValues(codes: codes, dictionary: dictionary.dictionary))
        }
    }
}
