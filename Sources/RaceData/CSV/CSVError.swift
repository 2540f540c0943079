import Foundation

/// A CSV error that says where: the object or file, the line and the field.
public struct CSVError: Error, Sendable, Equatable, CustomStringConvertible {
    public var source: String
    public var line: Int
    public var column: Int
    public var reason: String

    public var description: String {
        "\(source), line \(line), field \(column): \(reason). The file is not valid CSV; re-export or repair it."
    }
}

/// Where a problem is inside one block (lines counted from the block's start); made a `CSVError`
/// once the lines before the block are known.
struct BlockProblem: Error {
    var line: Int
    var column: Int
    var reason: String
}
