import Foundation

/// The per-cell parsers behind column types. Each accepts exactly what the type rules accept, so a
/// column's type depends on its bytes alone: integer if every value is `-?[0-9]{1,18}`, double if every
/// value is an integer or decimal text `Double` accepts, timestamp if every value is ISO-8601, else text.
enum Cell {
    static func integer(_ c: UnsafeBufferPointer<UInt8>) -> Int64? {
        var i = 0
        let negative = c.first == UInt8(ascii: "-")
        if negative { i = 1 }
        guard c.count > i, c.count - i <= 18 else { return nil }
        var value: Int64 = 0
        while i < c.count {
            let digit = c[i] &- 48
            guard digit < 10 else { return nil }
            value = value &* 10 &+ Int64(digit)
            i += 1
        }
        return negative ? -value : value
    }

    /// Written out (exact doubles), so the table is laid down at compile time: computed, it would be
    /// a lazy global behind a `swift_once` check on every call.
    private static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12,
        1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// What `Double(String)` gives for text of digits, `.`, signs and exponents; nil for anything else.
    static func double(_ c: UnsafeBufferPointer<UInt8>) -> Double? {
        // Plain decimals with at most 19 digits, whose digits fit 2^53 and whose fraction is at most 22
        // digits, are one correctly rounded division of two exact doubles (Clinger's fast path): the same
        // double strtod gives. Everything else numeric goes to the standard library.
        let n = c.count
        var i = 0
        var negative = false
        if i < n, c[i] == UInt8(ascii: "-") || c[i] == UInt8(ascii: "+") {
            negative = c[i] == UInt8(ascii: "-")
            i += 1
        }
        // Digits, a dot, digits: one tight loop each (the mantissa wraps past 19 digits, which the
        // check below sends to the standard library anyway).
        var mantissa: UInt64 = 0
        let start = i
        while i < n, c[i] &- 48 < 10 {
            mantissa = mantissa &* 10 &+ UInt64(c[i] &- 48)
            i += 1
        }
        var fraction = 0
        var dot = 0
        if i < n, c[i] == UInt8(ascii: ".") {
            dot = 1
            i += 1
            let first = i
            while i < n, c[i] &- 48 < 10 {
                mantissa = mantissa &* 10 &+ UInt64(c[i] &- 48)
                i += 1
            }
            fraction = i - first
        }
        let digits = i - start - dot
        if i == n && digits > 0 && digits <= 19 && mantissa < (1 << 53) && fraction <= 22 {
            let value = fraction == 0 ? Double(mantissa) : Double(mantissa) / powersOfTen[fraction]
            return negative ? -value : value
        }
        guard c.contains(where: { $0 &- 48 < 10 }),
            c.allSatisfy({ $0 &- 48 < 10 || $0 == 46 || $0 == 45 || $0 == 43 || $0 == 101 || $0 == 69 })
        else { return nil }
        return Double(String(decoding: c, as: UTF8.self))
    }
}

/// A column's cells by row; nil where a cell is not regular (the block must be read another way).
protocol CellSource {
    subscript(_ row: Int) -> UnsafeBufferPointer<UInt8>? { get }
}

extension IndexedBlock.Cells: CellSource {}
