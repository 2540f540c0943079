import Foundation

/// Every request, in order of completion; tests read it to count what a client really sent.
public final class Journal: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [JournalEntry] = []
    /// Entries dropped from the front, so that marks stay valid when old entries go.
    private var dropped = 0
    private let limit: Int

    init(limit: Int = 1_000_000) { self.limit = limit }

    func record(_ entry: JournalEntry) {
        lock.lock()
        if items.count >= limit {
            dropped += items.count / 2
            items.removeFirst(items.count / 2)
        }
        items.append(entry)
        lock.unlock()
    }

    public var entries: [JournalEntry] {
        lock.lock()
        defer { lock.unlock() }
        return items
    }

    public func entries(operation: String) -> [JournalEntry] { entries.filter { $0.operation == operation } }

    /// How many requests have been recorded since the last `clear()`: a mark for `entries(since:)`.
    public var mark: Int {
        lock.lock()
        defer { lock.unlock() }
        return dropped + items.count
    }

    /// The requests recorded after `mark` was read (those still kept), without copying the rest:
    /// a test that counts one step's requests stays linear however long the run.
    public func entries(since mark: Int) -> [JournalEntry] {
        lock.lock()
        defer { lock.unlock() }
        return Array(items[min(items.count, max(0, mark - dropped))...])
    }

    public func clear() {
        lock.lock()
        items.removeAll()
        dropped = 0
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
