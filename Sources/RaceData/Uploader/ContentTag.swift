import Foundation
import S3Kit
import S3Wire

/// What a file's bytes hash to, spelled as S3's ETag for the way the uploader sends it: the hex MD5
/// for a single PUT, `md5(part MD5s)-N` for a multipart upload of `partSize` parts. An object whose
/// ETag equals the local file's tag holds the same bytes (with SSE-KMS, where ETags are not MD5s,
/// nothing matches and files are uploaded again: slower, never wrong).
public enum ContentTag {
    public static func of(path: String, size: UInt64, multipartThreshold: UInt64, partSize: UInt64) throws(DataError)
        -> String
    {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .file(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        func md5(_ length: UInt64) throws(DataError) -> [UInt8] {
            let digest = Digest(.md5)
            var left = length
            while left > 0 {
                let n = read(fd, buffer.baseAddress, Int(min(left, UInt64(buffer.count))))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else {
                    throw .file(
                        path: path,
                        reason: n == 0 ? "it became shorter while it was read" : String(cString: strerror(errno)))
                }
                digest.update(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
                left -= UInt64(n)
            }
            return digest.finalize()
        }
        guard size >= multipartThreshold else { return try md5(size).hexString }
        var partDigests: [UInt8] = []
        var parts = 0
        var offset: UInt64 = 0
        while offset < size {
            let length = min(partSize, size - offset)
            partDigests += try md5(length)
            parts += 1
            offset += length
        }
        return "\(Digest.md5(partDigests).hexString)-\(parts)"
    }

    /// Whether an ETag has the shape an MD5-based tag takes (32 hex digits, optionally `-N`).
    static func isMD5Shaped(_ etag: String) -> Bool {
        let parts = etag.splitting("-", omittingEmpty: false)
        guard (1...2).contains(parts.count), parts[0].utf8.count == 32,
            parts[0].utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) })
        else { return false }
        return parts.count == 1 || Int(parts[1]).map { $0 >= 1 } == true
    }
}

/// Content tags of local files remembered between runs, keyed by path and trusted only while the
/// file's size, modification time (nanoseconds), inode and the upload's part layout are the same:
/// an unchanged re-run then reads no file at all, and any change to a file makes it hashed again.
public final class ContentTagCache: @unchecked Sendable {
    struct Entry: Codable, Equatable {
        var size: UInt64
        var modifiedNanoseconds: Int64
        var inode: UInt64
        var multipartThreshold: UInt64
        var partSize: UInt64
        var tag: String
    }

    private struct Stored: Codable {
        var version = 1
        var entries: [String: Entry]
    }

    public let url: URL
    private let lock = NSLock()
    private var entries: [String: Entry]
    private var changed = false
    /// Old entries beyond this are dropped when saving (one per file ever uploaded otherwise).
    private let limit = 200_000

    /// Loads `url` if it is there; a missing or unreadable cache is an empty one (it is only a cache).
    public init(url: URL) {
        self.url = url
        entries =
            (try? Data(contentsOf: url)).flatMap { try? JSONDecoder().decode(Stored.self, from: $0) }
            .flatMap { $0.version == 1 ? $0.entries : nil } ?? [:]
    }

    /// `$XDG_CACHE_HOME/racedata/content-tags.json`, else `~/.cache/racedata/content-tags.json`.
    public static func defaultURL(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        let base =
            environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache")
        return base.appendingPathComponent("racedata/content-tags.json")
    }

    static func entry(path: String, multipartThreshold: UInt64, partSize: UInt64, tag: String) -> Entry? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Entry(
            size: UInt64(info.st_size),
            modifiedNanoseconds: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec),
            inode: UInt64(info.st_ino), multipartThreshold: multipartThreshold, partSize: partSize, tag: tag)
    }

    func tag(path: String, multipartThreshold: UInt64, partSize: UInt64) -> String? {
        guard let now = Self.entry(path: path, multipartThreshold: multipartThreshold, partSize: partSize, tag: "")
        else { return nil }
        lock.lock()
        defer { lock.unlock() }
        guard var known = entries[path] else { return nil }
        let tag = known.tag
        known.tag = ""
        return known == now ? tag : nil
    }

    func remember(path: String, multipartThreshold: UInt64, partSize: UInt64, tag: String) {
        guard let entry = Self.entry(path: path, multipartThreshold: multipartThreshold, partSize: partSize, tag: tag)
        else { return }
        lock.lock()
        if entries[path] != entry {
            entries[path] = entry
            changed = true
        }
        lock.unlock()
    }

    /// Writes the cache (to a temporary file, then renamed over the old one); failures are returned,
    /// not thrown, since a cache that cannot be written only costs a slower next run.
    @discardableResult
    public func save() -> String? {
        lock.lock()
        defer { lock.unlock() }
        guard changed else { return nil }
        if entries.count > limit {
            for key in entries.keys.sorted().prefix(entries.count - limit) { entries[key] = nil }
        }
        do {
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            let temporary = url.deletingLastPathComponent().appendingPathComponent(
                ".\(url.lastPathComponent).\(getpid())")
            try JSONEncoder().encode(Stored(entries: entries)).write(to: temporary)
            guard rename(temporary.path, url.path) == 0 else {
                return "cannot replace \(url.path): \(String(cString: strerror(errno)))"
            }
            changed = false
            return nil
        } catch {
            return "cannot write \(url.path): \(error.localizedDescription)"
        }
    }
}
