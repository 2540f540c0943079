import Foundation
import S3Wire

extension S3Client {
    /// The object's bytes in order, read in parts at once; nil if there is no such key. The first GET
    /// asks for the first part and learns the size and the ETag; every later part is pinned to that
    /// ETag with `If-Match`, so the parts are of one version or the read fails. A part whose connection
    /// drops is asked for again alone (from where it stopped, once its bytes had begun to arrive). At
    /// most `concurrency` parts are in flight, besides the one being read; the first streams to the
    /// caller as it arrives.
    public func getObjectInParts(bucket: String, key: String, options: DownloadOptions? = nil) async throws(S3Error)
        -> ObjectParts?
    {
        let options = options ?? configuration.download
        let first: S3Object?
        do {
            first = try await getObject(bucket: bucket, key: key, range: .closed(0, UInt64(options.partSize) - 1))
        } catch let error where error.code == "InvalidRange" {
            // Only an empty object has no byte 0.
            first = try await getObject(bucket: bucket, key: key)
        }
        guard let first else { return nil }
        return ObjectParts(client: self, bucket: bucket, key: key, first: first, options: options)
    }
}

/// An object's bytes as they arrive, part after part (`S3Client.getObjectInParts`).
public struct ObjectParts: AsyncSequence, Sendable {
    public typealias Element = [UInt8]
    /// The first answer's head, with `size` the whole object's.
    public let head: ObjectHead
    let client: S3Client
    let bucket: String
    let key: String
    let first: ObjectBody
    /// Bytes the first answer carries (all of them when the server ignored the range).
    let firstLength: UInt64
    let options: DownloadOptions

    init(client: S3Client, bucket: String, key: String, first: S3Object, options: DownloadOptions) {
        var head = first.head
        head.size = first.objectSize
        self.head = head
        self.client = client
        self.bucket = bucket
        self.key = key
        self.first = first.body
        self.firstLength = first.head.size
        self.options = options
    }

    /// GETs this read makes in all.
    public var requests: Int {
        guard head.size > firstLength else { return 1 }
        let size = UInt64(options.partSize)
        return 1 + Int((head.size - firstLength + size - 1) / size)
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var current: ObjectBody.AsyncIterator?
        let fetcher: PartFetcher
        let size: UInt64
        var received: UInt64 = 0

        public mutating func next() async throws -> [UInt8]? {
            var chunk: [UInt8]?
            if current != nil {
                chunk = try await current!.next()
                if chunk == nil { current = nil }
            }
            if chunk == nil { chunk = try await fetcher.next() }
            guard let chunk else {
                // Whatever went wrong in the parts, the bytes must add up to the object.
                guard received == size else {
                    throw S3Error.invalidResponse(
                        operation: .getObject,
                        detail: "\(fetcher.resource) ended after \(received) of its \(size) bytes")
                }
                return nil
            }
            received += UInt64(chunk.count)
            return chunk
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(current: first.makeAsyncIterator(), fetcher: PartFetcher(self), size: head.size)
    }
}

/// The parts after the first: fetched ahead, `concurrency` at a time, handed out in order. Parts not
/// taken when the reader is dropped are cancelled.
final class PartFetcher: @unchecked Sendable {
    private let object: ObjectParts
    private let partSize: UInt64
    private var started = 1
    /// Each part as the chunks it arrived in (joining them would copy every byte once more).
    private var window: [Task<[[UInt8]], Error>] = []
    private var chunks: [[UInt8]] = []

    init(_ object: ObjectParts) {
        self.object = object
        partSize = UInt64(object.options.partSize)
        fill(object.options.concurrency - 1)  // the first part is in flight already
    }

    var resource: String { S3Client.resource(bucket: object.bucket, key: object.key) }

    deinit { for task in window { task.cancel() } }

    private var parts: Int { object.requests }

    /// Keeps up to `limit` parts in flight.
    private func fill(_ limit: Int) {
        while started < parts && window.count < limit {
            let offset = object.firstLength + UInt64(started - 1) * partSize
            let last = min(offset + partSize, object.head.size) - 1
            let (client, bucket, key, etag) = (object.client, object.bucket, object.key, object.head.etag)
            window.append(
                Task {
                    // A server that sends no ETag cannot be pinned (S3 always sends one).
                    guard
                        let part = try await client.getObject(
                            bucket: bucket, key: key, range: .closed(offset, last),
                            ifMatch: etag.isEmpty ? nil : etag)
                    else {
                        throw S3Error.invalidResponse(
                            operation: .getObject,
                            detail:
                                "\(S3Client.resource(bucket: bucket, key: key)) disappeared while it was read; load it again"
                        )
                    }
                    var chunks: [[UInt8]] = []
                    for try await chunk in part.body { chunks.append(chunk) }
                    return chunks
                })
            started += 1
        }
    }

    func next() async throws -> [UInt8]? {
        while chunks.isEmpty {
            // Called once the first part is read: `concurrency` parts may be in flight now.
            fill(object.options.concurrency)
            guard !window.isEmpty else { return nil }
            let task = window.removeFirst()
            fill(object.options.concurrency)
            chunks = try await part(task).reversed()
        }
        return chunks.removeLast()
    }

    private func part(_ task: Task<[[UInt8]], Error>) async throws -> [[UInt8]] {
        do {
            return try await task.value
        } catch let error as S3Error where error.code == "PreconditionFailed" {
            throw S3Error.invalidResponse(
                operation: .getObject,
                detail: "\(resource) changed while it was read "
                    + "(it is no longer ETag \(object.head.etag)); load it again")
        }
    }
}
