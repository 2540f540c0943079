import Foundation
import NIOCore

/// An object's (or a part's) bytes: in memory, in a file under the data directory, or the parts
/// of a completed multipart upload side by side (so completing copies nothing).
public indirect enum Blob: Sendable {
    case memory(ByteBuffer)
    case file(path: String, size: UInt64)
    case composite([Blob])

    public var size: UInt64 {
        switch self {
        case .memory(let b): UInt64(b.readableBytes)
        case .file(_, let size): size
        case .composite(let parts): parts.reduce(0) { $0 + $1.size }
        }
    }

    /// The pieces covering `range` of this blob, in order.
    func slices(_ range: Range<UInt64>) -> [BlobSlice] {
        switch self {
        case .memory(let buffer):
            return [.memory(buffer.getSlice(at: buffer.readerIndex + Int(range.lowerBound), length: Int(range.count))!)]
        case .file(let path, _):
            return [.file(path: path, range: range)]
        case .composite(let parts):
            var result: [BlobSlice] = []
            var start: UInt64 = 0
            for part in parts {
                let end = start + part.size
                let lo = max(range.lowerBound, start)
                let hi = min(range.upperBound, end)
                if lo < hi { result += part.slices((lo - start)..<(hi - start)) }
                start = end
            }
            return result
        }
    }

    /// Every file this blob lives in (to delete them when the object goes).
    var files: [String] {
        switch self {
        case .memory: []
        case .file(let path, _): [path]
        case .composite(let parts): parts.flatMap(\.files)
        }
    }
}

enum BlobSlice: Sendable {
    case memory(ByteBuffer)
    case file(path: String, range: Range<UInt64>)
}

/// Receives a request body as it arrives and becomes a `Blob` at the end.
public protocol BlobWriter: AnyObject {
    func write(_ bytes: ByteBuffer) throws(S3ServerError)
    func finish() throws(S3ServerError) -> Blob
    func abandon()
}

/// Where bodies are kept: the seam between the server and its storage medium.
public protocol BlobStore: Sendable {
    func makeWriter(expectedSize: UInt64?) throws(S3ServerError) -> any BlobWriter
    func discard(_ blob: Blob)
}

extension BlobStore {
    /// Bytes already in memory as a blob (a writer's partial output abandoned if it fails).
    public func blob(of bytes: [UInt8]) throws(S3ServerError) -> Blob {
        let writer = try makeWriter(expectedSize: UInt64(bytes.count))
        do {
            try writer.write(ByteBuffer(bytes: bytes))
            return try writer.finish()
        } catch {
            writer.abandon()
            throw error
        }
    }
}

public struct MemoryBlobStore: BlobStore {
    public init() {}

    public func makeWriter(expectedSize: UInt64?) throws(S3ServerError) -> any BlobWriter {
        MemoryWriter(expectedSize: expectedSize ?? 0)
    }

    public func discard(_ blob: Blob) {}

    /// Copies the body once, into buffers of at most 8 MiB: a large object never has to be
    /// moved to a bigger buffer as it grows.
    final class MemoryWriter: BlobWriter {
        static let segment = 8 << 20
        var full: [Blob] = []
        var buffer: ByteBuffer
        var remaining: UInt64
        init(expectedSize: UInt64) {
            remaining = expectedSize
            buffer = ByteBufferAllocator().buffer(capacity: Int(min(expectedSize, UInt64(Self.segment))))
        }
        func write(_ bytes: ByteBuffer) throws(S3ServerError) {
            var bytes = bytes
            while bytes.readableBytes > 0 {
                if buffer.writableBytes == 0 && buffer.readableBytes >= Self.segment {
                    full.append(.memory(buffer))
                    buffer = ByteBufferAllocator().buffer(capacity: Self.segment)
                }
                let n = min(bytes.readableBytes, max(buffer.writableBytes, Self.segment - buffer.readableBytes))
                var slice = bytes.readSlice(length: n)!
                buffer.writeBuffer(&slice)
            }
        }
        func finish() throws(S3ServerError) -> Blob {
            full.isEmpty ? .memory(buffer) : .composite(full + [.memory(buffer)])
        }
        func abandon() {
            full = []
            buffer = ByteBuffer()
        }
    }
}

/// Bodies in files named by a counter under `directory` (never by the key, so no key can escape it).
/// The name also carries a random token drawn when the store opens: a process id is reused (always 1
/// in a container, the same one for a server restarted in-process), and a name from an earlier run
/// would overwrite that run's object, or be unlinked with a later one.
public final class DiskBlobStore: BlobStore, @unchecked Sendable {
    let directory: String
    private let lock = NSLock()
    private var counter = 0
    private let run = String(UInt64.random(in: 0...UInt64.max), radix: 36)

    public init(directory: String) throws {
        self.directory = directory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    public func makeWriter(expectedSize: UInt64?) throws(S3ServerError) -> any BlobWriter {
        lock.lock()
        counter += 1
        let path = "\(directory)/blob-\(run)-\(counter)"
        lock.unlock()
        // Written under a temporary name and renamed once whole and synced: a crash leaves a
        // `.partial` file (removed at the next start), never a blob cut short.
        let fd = open(path + ".partial", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .internalError }
        return DiskWriter(path: path, fd: fd)
    }

    public func discard(_ blob: Blob) {
        for path in blob.files { unlink(path) }
    }

    final class DiskWriter: BlobWriter {
        let path: String
        var fd: Int32
        var size: UInt64 = 0
        init(path: String, fd: Int32) {
            self.path = path
            self.fd = fd
        }
        func write(_ bytes: ByteBuffer) throws(S3ServerError) {
            let ok = bytes.withUnsafeReadableBytes { raw -> Bool in
                var done = 0
                while done < raw.count {
                    let n = Foundation.write(fd, raw.baseAddress! + done, raw.count - done)
                    if n <= 0 { return false }
                    done += n
                }
                return true
            }
            guard ok else { throw .internalError }
            size += UInt64(bytes.readableBytes)
        }
        func finish() throws(S3ServerError) -> Blob {
            fsync(fd)
            close(fd)
            fd = -1
            guard rename(path + ".partial", path) == 0 else { throw .internalError }
            return .file(path: path, size: size)
        }
        func abandon() {
            if fd >= 0 {
                close(fd)
                fd = -1
            }
            unlink(path + ".partial")
        }
        deinit {
            if fd >= 0 {
                close(fd)
                unlink(path + ".partial")
            }
        }
    }
}

extension BlobSlice {
    /// The slice's bytes in memory (for copies, which are small in tests).
    func load() throws(S3ServerError) -> ByteBuffer {
        switch self {
        case .memory(let buffer): return buffer
        case .file(let path, let range):
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw .internalError }
            defer { close(fd) }
            var buffer = ByteBufferAllocator().buffer(capacity: Int(range.count))
            let n = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: Int(range.count)) { raw in
                max(0, pread(fd, raw.baseAddress, Int(range.count), off_t(range.lowerBound)))
            }
            guard n == Int(range.count) else { throw .internalError }
            return buffer
        }
    }
}
