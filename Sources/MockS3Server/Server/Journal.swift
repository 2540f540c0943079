import Foundation

/// Every request, in order of completion; tests read it to count what a client really sent.
public final class Journal: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [JournalEntry] = []
    private let limit: Int

    init(limit: Int = 1_000_000) { self.limit = limit }

    func record(_ entry: JournalEntry) {
        lock.lock()
        if items.count >= limit { items.removeFirst(items.count / 2) }
        items.append(entry)
        lock.unlock()
    }

    public var entries: [JournalEntry] {
        lock.lock()
        defer { lock.unlock() }
        return items
    }

    public func entries(operation: String) -> [JournalEntry] { entries.filter { $0.operation == operation } }

    public func clear() {
        lock.lock()
        items.removeAll()
        lock.unlock()
    }
}

/// One request as the server saw it.
public struct JournalEntry: Sendable, CustomStringConvertible {
    public var time: Date
    public var method: String
    public var bucket: String?
    public var key: String?
    public var operation: String
    public var status: Int
    public var errorCode: String?
    public var principal: Principal
    public var fault: String?

    public var description: String {
        "\(method) \(bucket ?? "-")/\(key ?? "") \(operation) → \(status)\(errorCode.map { " \($0)" } ?? "") [\(principal)]\(fault.map { " fault=\($0)" } ?? "")"
    }
}
