import CCurl
import Foundation
import S3Wire

/// A thread with a connection of its own that a task runs on (`CurlTransport.withConnection`): the
/// task's collected-body requests go out from this thread as the task reaches them. The usual path
/// hands each request to a transfer thread and the answer back to the task, two thread wake-ups that
/// on loopback cost as much as the request itself.
final class ConnectionThread: TaskExecutor, @unchecked Sendable {
    /// The connection the current task runs on, if any.
    @TaskLocal static var current: ConnectionThread?

    /// The transport whose requests this thread may send.
    let transport: ObjectIdentifier
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var stopped = false
    private var thread: pthread_t?
    /// Only the thread touches it.
    private var handle: UnsafeMutableRawPointer?

    init(transport: CurlTransport) {
        self.transport = ObjectIdentifier(transport)
        let thread = Thread { [self] in main() }
        thread.name = "racedata-connection"
        thread.stackSize = 1 << 20
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        condition.lock()
        guard !stopped else {
            // A job of a task that outlived `withConnection` (it cannot, structurally, but a late one
            // must not be lost): the shared pool runs it.
            condition.unlock()
            globalConcurrentExecutor.enqueue(job)
            return
        }
        jobs.append(UnownedJob(job))
        condition.signal()
        condition.unlock()
    }

    /// Ends the thread once the jobs it has are run.
    func stop() {
        condition.lock()
        stopped = true
        condition.signal()
        condition.unlock()
    }

    var isCurrentThread: Bool {
        condition.lock()
        defer { condition.unlock() }
        guard let thread else { return false }
        return pthread_equal(thread, pthread_self()) != 0
    }

    /// Sends a request from this thread; call it only on this thread (`isCurrentThread`).
    func perform(_ transfer: Transfer) throws -> HTTPResponse {
        guard let handle else {
            throw TransportError(.other, endpoint: transfer.endpoint, detail: "curl_easy_init failed")
        }
        curl_easy_reset(handle)
        return try transfer.runHere(on: handle)
    }

    private func main() {
        handle = curl_easy_init()
        condition.lock()
        thread = pthread_self()
        condition.unlock()
        defer { curl_easy_cleanup(handle) }
        var batch: [UnownedJob] = []
        while true {
            condition.lock()
            while jobs.isEmpty && !stopped { condition.wait() }
            if jobs.isEmpty {
                condition.unlock()
                return
            }
            swap(&batch, &jobs)
            condition.unlock()
            for job in batch { job.runSynchronously(on: asUnownedTaskExecutor()) }
            batch.removeAll(keepingCapacity: true)
        }
    }
}
