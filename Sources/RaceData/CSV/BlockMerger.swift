import Foundation

/// The table's columns so far. The thread that finishes the block next in order joins it (and any
/// after it already finished), so the reading thread only reads and cuts blocks: a reading thread
/// that also joins leaves the workers without blocks while it joins.
final class BlockMerger: @unchecked Sendable {
    private let source: String
    private let headerLines: Int
    private let limits: LoadLimits
    private let expectedBytes: Int?

    /// Blocks started and not joined yet: enough to keep every core busy, few enough to bound
    /// memory (a block waiting for an earlier, slower one holds its result).
    private let room = DispatchSemaphore(value: max(2, ProcessInfo.processInfo.activeProcessorCount + 1))
    /// Guards `finished` and what the reading thread asks (`failure`, `retype`, `lines`).
    private let lock = NSLock()
    /// Held by the one thread joining blocks; guards `columns` and the counts.
    private let joining = NSLock()
    private var finished: [Int: BlockResult] = [:]
    private var next = 0
    private var columns: [ColumnAccumulator]
    private var joinedLines = 0, rows = 0, bytes = 0
    private var reserved = false
    private var joinedFailure: CSVError?
    private var joinedRetype = Set<Int>()

    init(source: String, headerLines: Int, limits: LoadLimits, expectedBytes: Int?, columns: [ColumnAccumulator]) {
        self.source = source
        self.headerLines = headerLines
        self.limits = limits
        self.expectedBytes = expectedBytes
        self.columns = columns
    }

    /// A block's problem, or the rows' limit passed.
    var failure: CSVError? {
        lock.lock()
        defer { lock.unlock() }
        return joinedFailure
    }
    /// Columns that held numbers or timestamps and then text.
    var retype: Set<Int> {
        lock.lock()
        defer { lock.unlock() }
        return joinedRetype
    }
    /// Lines of the blocks joined so far.
    var lines: Int {
        lock.lock()
        defer { lock.unlock() }
        return joinedLines
    }

    /// Before a block is started on a worker; each join makes room for one.
    func waitForRoom() { room.wait() }

    func add(_ result: BlockResult, at index: Int) {
        lock.lock()
        finished[index] = result
        lock.unlock()
        // Another thread joining will look again before it stops, so nothing is left waiting.
        while joining.try() {
            while let result = takeNext() { join(result) }
            joining.unlock()
            guard hasNext() else { return }
        }
    }

    /// Waits for a thread joining to stop, then joins what is left (every block has finished).
    func joinAll() {
        joining.lock()
        while let result = takeNext() { join(result) }
        joining.unlock()
    }

    /// The columns, once `joinAll` has run.
    func build() -> [Table.Column] { columns.map { $0.build() } }

    private func takeNext() -> BlockResult? {
        lock.lock()
        defer { lock.unlock() }
        guard let result = finished.removeValue(forKey: next) else { return nil }
        next += 1
        return result
    }

    private func hasNext() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return finished[next] != nil
    }

    /// Called with `joining` held.
    private func join(_ result: BlockResult) {
        // Every block taken makes room, the last one (parsed on the reading thread, which did not
        // wait) too: the count may end above where it started, never below.
        defer { room.signal() }
        lock.lock()
        let settled = joinedFailure != nil || !joinedRetype.isEmpty
        lock.unlock()
        // After a column turned to text the input is read again: the blocks after it count no
        // lines, and a problem in them is found again, on its right line, by that read.
        guard !settled else { return }
        var failure: CSVError?
        var retype = Set<Int>()
        if let problem = result.problem {
            failure = CSVError(
                source: source, line: 1 + headerLines + joinedLines + problem.line, column: problem.column,
                reason: problem.reason)
        } else if let column = result.retype {
            retype.insert(column)
        } else {
            for k in columns.indices where !columns[k].append(contentsOf: result.columns[k]) { retype.insert(k) }
            rows += result.rows
            bytes += result.bytes
            if rows > limits.maxRows {
                failure = CSVError(
                    source: source, line: 1 + headerLines + joinedLines + result.lines, column: 1,
                    reason:
                        "more than \(limits.maxRows) rows, the most a loaded table keeps (MAX_TABLE_ROWS); load it filtered"
                )
            } else if !reserved, let expectedBytes, bytes >= 2 * TableAssembler.blockSize, expectedBytes > bytes {
                reserved = true
                let estimate = Int(Double(rows) * Double(expectedBytes) / Double(bytes) * 1.02) + 1024
                for k in columns.indices { columns[k].reserve(estimate) }
            }
        }
        lock.lock()
        if result.problem == nil && result.retype == nil { joinedLines += result.lines }
        if joinedFailure == nil { joinedFailure = failure }
        joinedRetype.formUnion(retype)
        lock.unlock()
    }
}
