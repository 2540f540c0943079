import Foundation
import S3Wire

/// Response bytes handed from the transfer thread to an async consumer through a bounded buffer:
/// the transfer blocks while `capacity` bytes wait, so memory is bounded whatever the object's size.
/// Dropping the stream (or cancelling the consuming task) aborts the transfer.
public final class ResponseBodyStream: AsyncSequence, @unchecked Sendable {
    public typealias Element = [UInt8]

    private let condition = NSCondition()
    private var chunks: [[UInt8]] = []
    private var head = 0
    private var buffered = 0
    private var finished = false
    private var failure: (any Error)?
    private var cancelled = false
    private var waiter: CheckedContinuation<[UInt8]?, any Error>?
    private let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    deinit { cancel() }

    // MARK: producer side (the transfer thread)

    /// Blocks while the buffer is full. Returns false when the consumer has gone: stop the transfer.
    func push(_ chunk: [UInt8]) -> Bool {
        condition.lock()
        if cancelled {
            condition.unlock()
            return false
        }
        if let waiter {
            self.waiter = nil
            condition.unlock()
            waiter.resume(returning: chunk)
            return true
        }
        chunks.append(chunk)
        buffered += chunk.count
        while buffered >= capacity && !cancelled { condition.wait() }
        let ok = !cancelled
        condition.unlock()
        return ok
    }

    func finish(throwing error: (any Error)? = nil) {
        condition.lock()
        guard !finished else {
            condition.unlock()
            return
        }
        finished = true
        failure = error
        let waiter = self.waiter
        self.waiter = nil
        condition.unlock()
        if let error { waiter?.resume(throwing: error) } else { waiter?.resume(returning: nil) }
    }

    // MARK: consumer side

    /// Stops the transfer and discards what is buffered.
    public func cancel() {
        condition.lock()
        cancelled = true
        chunks.removeAll()
        head = 0
        buffered = 0
        let waiter = self.waiter
        self.waiter = nil
        condition.broadcast()
        condition.unlock()
        waiter?.resume(throwing: CancellationError())
    }

    var isCancelled: Bool {
        condition.lock()
        defer { condition.unlock() }
        return cancelled
    }

    func next() async throws -> [UInt8]? {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[UInt8]?, any Error>) in
                condition.lock()
                if head < chunks.count {
                    let chunk = chunks[head]
                    chunks[head] = []
                    head += 1
                    if head == chunks.count {
                        chunks.removeAll(keepingCapacity: true)
                        head = 0
                    }
                    buffered -= chunk.count
                    condition.signal()
                    condition.unlock()
                    continuation.resume(returning: chunk)
                } else if cancelled {
                    condition.unlock()
                    continuation.resume(throwing: CancellationError())
                } else if finished {
                    let failure = self.failure
                    condition.unlock()
                    if let failure {
                        continuation.resume(throwing: failure)
                    } else {
                        continuation.resume(returning: nil)
                    }
                } else {
                    waiter = continuation
                    condition.unlock()
                }
            }
        } onCancel: {
            cancel()
        }
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let stream: ResponseBodyStream
        public mutating func next() async throws -> [UInt8]? { try await stream.next() }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(stream: self) }
}
