import RaceDataTesting

/// Caps on what a generated case holds; every generator draws its numbers as usual and then caps
/// them, so a smaller budget gives a smaller version of the same case. Shrinking lowers them.
public struct CaseBudget: Sendable, Equatable, CustomStringConvertible {
    public enum Dimension: CaseIterable, Sendable { case items, nameParts, rows }
    /// Tracks, folders, files, sessions, cars, laps: each count is capped at this.
    public var items = Int.max
    /// Words in a generated name.
    public var nameParts = Int.max
    /// Rows of a table, bytes of a file.
    public var rows = Int.max

    public init() {}
    public static let unlimited = CaseBudget()
    static let caps = [0, 1, 2, 4, 8, 16, 64, 256]

    subscript(_ dimension: Dimension) -> Int {
        get {
            switch dimension {
            case .items: items
            case .nameParts: nameParts
            case .rows: rows
            }
        }
        set {
            switch dimension {
            case .items: items = newValue
            case .nameParts: nameParts = newValue
            case .rows: rows = newValue
            }
        }
    }

    /// A count drawn from `range`, capped (never below the range's least).
    func count(_ dimension: Dimension, _ range: ClosedRange<Int>, using random: inout SeededGenerator) -> Int {
        max(range.lowerBound, min(random.int(range), self[dimension]))
    }

    public var description: String {
        let parts = [("items", items), ("name parts", nameParts), ("rows", rows)].filter { $0.1 != Int.max }
        return parts.isEmpty ? "full size" : parts.map { "\($0.0) ≤ \($0.1)" }.joined(separator: ", ")
    }
}
