import CCurl
import Foundation
import S3Wire

/// HTTP over libcurl's easy interface. Each connection is a thread that owns one easy handle and runs
/// blocking transfers; reusing the handle keeps its connection alive between requests.
public final class CurlTransport: HTTPTransport, @unchecked Sendable {
    public let options: TransportOptions
    private let condition = NSCondition()
    /// Waiting transfers; a taken slot is emptied at once so a finished transfer is not kept alive.
    private var queue: [Transfer?] = []
    private var queueHead = 0
    private var threads = 0
    private var idle = 0
    private var shuttingDown = false

    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_ALL)) }()

    public init(options: TransportOptions = TransportOptions()) {
        _ = Self.globalInit
        self.options = options
    }

    deinit { shutdown() }

    /// Transfer threads running now (connection threads of `withConnection` not counted).
    var transferThreadCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return threads
    }

    /// Ends the idle connection threads; later requests start new ones.
    public func shutdown() {
        condition.lock()
        shuttingDown = true
        condition.broadcast()
        condition.unlock()
    }

    public func execute(_ request: HTTPRequest, streamBody: Bool) async throws -> HTTPResponse {
        let transfer = Transfer(request: request, streamBody: streamBody, options: options)
        // A streamed body must go through a transfer thread: its consumer is this task.
        if !streamBody, let connection = ConnectionThread.current, connection.transport == ObjectIdentifier(self),
            connection.isCurrentThread
        {
            return try await withTaskCancellationHandler {
                try connection.perform(transfer)
            } onCancel: {
                transfer.cancel()
            }
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                transfer.setContinuation(continuation)
                enqueue(transfer)
            }
        } onCancel: {
            transfer.cancel()
        }
    }

    /// Runs `body` on a thread with a connection of its own, from which its requests are sent as they
    /// come, with no hand-off to a transfer thread and back: for a loop of small requests, one at a
    /// time, whose latency matters (a client thread, in benchmark terms). Streamed downloads still go
    /// through the transfer threads. Child tasks started inside run on the same thread, so their
    /// requests go one at a time; concurrent work belongs outside. Other tasks are unaffected.
    public func withConnection<T>(_ body: () async throws -> T) async rethrows -> T {
        let connection = ConnectionThread(transport: self)
        defer { connection.stop() }
        return try await ConnectionThread.$current.withValue(connection) {
            try await withTaskExecutorPreference(connection) { try await body() }
        }
    }

    private func enqueue(_ transfer: Transfer) {
        condition.lock()
        shuttingDown = false
        queue.append(transfer)
        let spawn = idle == 0 && threads < options.maxConnections
        if spawn { threads += 1 }
        condition.signal()
        condition.unlock()
        if spawn {
            let thread = Thread { [weak self] in self?.workerLoop() }
            thread.name = "racedata-curl"
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    private func nextTransfer() -> Transfer? {
        condition.lock()
        defer { condition.unlock() }
        while queueHead == queue.count {
            if shuttingDown {
                threads -= 1
                return nil
            }
            idle += 1
            let woke = condition.wait(until: Date().addingTimeInterval(60))
            idle -= 1
            if !woke && queueHead == queue.count {
                threads -= 1
                return nil
            }
        }
        let transfer = queue[queueHead]
        queue[queueHead] = nil
        queueHead += 1
        if queueHead > 64 && queueHead * 2 > queue.count {
            queue.removeFirst(queueHead)
            queueHead = 0
        }
        return transfer!
    }

    private func workerLoop() {
        let handle = curl_easy_init()
        defer { curl_easy_cleanup(handle) }
        while let transfer = nextTransfer() {
            guard let handle else {
                // Out of memory in libcurl: each waiting request fails rather than waits for ever.
                transfer.fail(TransportError(.other, endpoint: transfer.endpoint, detail: "curl_easy_init failed"))
                continue
            }
            curl_easy_reset(handle)
            transfer.run(on: handle)
        }
    }
}
