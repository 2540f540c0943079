import Foundation

/// With `--data-dir`, the catalog (buckets, objects, their metadata and ACLs, pending multipart
/// uploads) as a write-ahead log beside the blobs: one JSON line per change, fsynced before the
/// change is answered. A restart replays it; a line cut short by a crash is dropped (its request
/// was never answered), then the log is rewritten as a snapshot of what it holds (temporary file,
/// fsync, rename). Blob files no line refers to (an upload that was cut off) are removed.
final class CatalogLog: @unchecked Sendable {
    enum Record: Codable {
        /// A new bucket; `ownership` is only in records of earlier versions (`configuration` now).
        case bucket(
            name: String, created: Double, ownership: String?, owner: Account?, grants: [GrantRecord]?,
            configuration: BucketConfiguration?)
        case bucketConfiguration(bucket: String, configuration: BucketConfiguration)
        case bucketACL(bucket: String, grants: [GrantRecord])
        case dropBucket(name: String)
        case put(bucket: String, object: ObjectRecord)
        case delete(bucket: String, key: String)
        /// Every version of a key, newest first (a versioned bucket's keys are logged whole).
        case chain(bucket: String, key: String, versions: [ObjectRecord])
        case upload(bucket: String, upload: UploadRecord)
        case part(bucket: String, id: String, part: PartRecord)
        case dropUpload(bucket: String, id: String)
        case clear
        // Written by earlier versions, still replayed.
        case acl(bucket: String, key: String, acl: String)
        case tags(bucket: String, key: String, tags: [[String]])
        case ownership(bucket: String, value: String)
        case versioning(bucket: String, value: String)
        case objectLock(bucket: String, configuration: ObjectLockConfiguration)
        case configuration(bucket: String, name: String, document: String?)
    }

    let directory: String
    private var fd: Int32 = -1
    private var path: String { "\(directory)/catalog.log" }

    init(directory: String) { self.directory = directory }

    /// The records of the log, up to the first line that is not whole.
    func replay() -> [Record] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        var records: [Record] = []
        let decoder = JSONDecoder()
        for line in data.split(separator: 0x0A, omittingEmptySubsequences: true) {
            guard let record = try? decoder.decode(Record.self, from: Data(line)) else { break }
            records.append(record)
        }
        return records
    }

    /// Replaces the log with these records (a snapshot), then appends to it.
    func rewrite(_ records: [Record]) throws {
        let temporary = path + ".tmp"
        let encoder = JSONEncoder()
        var data = Data()
        for record in records {
            data += try encoder.encode(record)
            data.append(0x0A)
        }
        let out = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard out >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        let written = data.withUnsafeBytes { Self.writeAll(out, $0) }
        fsync(out)
        close(out)
        guard written, rename(temporary, path) == 0 else { throw POSIXError(.EIO) }
        if fd >= 0 { close(fd) }
        fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        let dir = open(directory, O_RDONLY | O_CLOEXEC)
        if dir >= 0 {
            fsync(dir)
            close(dir)
        }
    }

    /// One change, durable before it returns.
    func append(_ record: Record) {
        guard fd >= 0, var data = try? JSONEncoder().encode(record) else { return }
        data.append(0x0A)
        _ = data.withUnsafeBytes { Self.writeAll(fd, $0) }
        fsync(fd)
    }

    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        var done = 0
        while done < bytes.count {
            let n = write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            done += n
        }
        return true
    }
}
