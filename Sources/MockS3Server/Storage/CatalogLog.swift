import Foundation

/// With `--data-dir`, the catalog (buckets, objects, their metadata and ACLs, pending multipart
/// uploads) as a write-ahead log beside the blobs: one JSON line per change, fsynced before the
/// change is answered. A restart replays it; a line cut short by a crash is dropped (its request
/// was never answered), then the log is rewritten as a snapshot of what it holds (temporary file,
/// fsync, rename). Blob files no line refers to (an upload that was cut off) are removed.
final class CatalogLog: @unchecked Sendable {
    indirect enum BlobRecord: Codable, Equatable {
        case file(name: String, size: UInt64)
        case composite([BlobRecord])
    }

    struct ObjectRecord: Codable {
        var key: String
        var blob: BlobRecord
        var etag: String
        var lastModified: Double
        var contentType: String?
        var contentEncoding: String?
        var metadata: [[String]]
        /// A canned ACL's name (logs from before grants were kept), when `grants` is nil.
        var acl: String
        var checksums: [String: String]
        var standardHeaders: [[String]]?
        var tags: [[String]]?
        var versionId: String?
        var deleteMarker: Bool?
        var owner: Account?
        var grants: [GrantRecord]?
        var retention: Retention?
        var legalHold: Bool?
        var parts: [PartSummary]?
        var checksumType: String?
        var checksumAlgorithm: String?
    }

    /// One grant: to an account (`id`, `displayName`, `email`) or a group (`uri`).
    struct GrantRecord: Codable {
        var permission: String
        var id: String?
        var displayName: String?
        var email: String?
        var uri: String?
    }

    struct PartRecord: Codable {
        var number: Int
        var blob: BlobRecord
        var etag: String
        var lastModified: Double
        var checksums: [String: String]?
    }

    struct UploadRecord: Codable {
        var id: String
        var key: String
        var initiated: Double
        var object: ObjectRecord  // the attributes the object will have (its blob is a placeholder)
    }

    enum Record: Codable {
        case bucket(name: String, created: Double, ownership: String, owner: Account?, grants: [GrantRecord]?)
        case bucketACL(bucket: String, grants: [GrantRecord])
        case dropBucket(name: String)
        case ownership(bucket: String, value: String)
        case put(bucket: String, object: ObjectRecord)
        case delete(bucket: String, key: String)
        case acl(bucket: String, key: String, acl: String)
        case tags(bucket: String, key: String, tags: [[String]])
        case upload(bucket: String, upload: UploadRecord)
        case part(bucket: String, id: String, part: PartRecord)
        case dropUpload(bucket: String, id: String)
        case versioning(bucket: String, value: String)
        case objectLock(bucket: String, configuration: ObjectLockConfiguration)
        case configuration(bucket: String, name: String, document: String?)
        /// Every version of a key, newest first (a versioned bucket's keys are logged whole).
        case chain(bucket: String, key: String, versions: [ObjectRecord])
        case clear
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

    // MARK: between records and the catalog's values

    func record(_ blob: Blob) -> BlobRecord {
        switch blob {
        case .memory: .composite([])  // never with a data directory
        case .file(let path, let size): .file(name: (path as NSString).lastPathComponent, size: size)
        case .composite(let parts): .composite(parts.map(record))
        }
    }

    func blob(_ record: BlobRecord) -> Blob {
        switch record {
        case .file(let name, let size): .file(path: "\(directory)/\(name)", size: size)
        case .composite(let parts): .composite(parts.map(blob))
        }
    }

    func record(_ acl: AccessControlList) -> [GrantRecord] {
        acl.grants.map { grant in
            switch grant.grantee {
            case .account(let a):
                GrantRecord(permission: grant.permission.rawValue, id: a.id, displayName: a.displayName, email: a.email)
            case .group(let uri): GrantRecord(permission: grant.permission.rawValue, uri: uri)
            }
        }
    }

    func acl(_ records: [GrantRecord]) -> AccessControlList {
        AccessControlList(
            grants: records.compactMap { r in
                guard let permission = Permission(rawValue: r.permission) else { return nil }
                if let uri = r.uri { return Grant(grantee: .group(uri), permission: permission) }
                guard let id = r.id else { return nil }
                return Grant(
                    grantee: .account(Account(id: id, displayName: r.displayName ?? "", email: r.email)),
                    permission: permission)
            })
    }

    func record(_ object: StoredObject) -> ObjectRecord {
        ObjectRecord(
            key: object.key, blob: record(object.blob), etag: object.etag,
            lastModified: object.lastModified.timeIntervalSince1970,
            contentType: object.contentType, contentEncoding: object.contentEncoding,
            metadata: object.metadata.map { [$0.0, $0.1] },
            acl: "", checksums: object.checksums, standardHeaders: object.standardHeaders.map { [$0.0, $0.1] },
            tags: object.tags.map { [$0.0, $0.1] }, versionId: object.versionId == "null" ? nil : object.versionId,
            deleteMarker: object.isDeleteMarker ? true : nil, owner: object.owner == .mock ? nil : object.owner,
            grants: record(object.acl), retention: object.retention, legalHold: object.legalHold ? true : nil,
            parts: object.parts, checksumType: object.checksumType)
    }

    func object(_ record: ObjectRecord) -> StoredObject {
        StoredObject(
            key: record.key, blob: blob(record.blob), etag: record.etag,
            lastModified: Date(timeIntervalSince1970: record.lastModified),
            contentType: record.contentType, contentEncoding: record.contentEncoding,
            metadata: record.metadata.compactMap { $0.count == 2 ? ($0[0], $0[1]) : nil },
            acl: record.grants.map(acl)
                ?? .canned(
                    CannedACL(rawValue: record.acl) ?? .private, owner: record.owner ?? .mock,
                    bucketOwner: .mock), checksums: record.checksums,
            standardHeaders: (record.standardHeaders ?? []).compactMap { $0.count == 2 ? ($0[0], $0[1]) : nil },
            tags: (record.tags ?? []).compactMap { $0.count == 2 ? ($0[0], $0[1]) : nil },
            versionId: record.versionId ?? "null", isDeleteMarker: record.deleteMarker ?? false,
            owner: record.owner ?? .mock,
            retention: record.retention, legalHold: record.legalHold ?? false, parts: record.parts,
            checksumType: record.checksumType)
    }

    func record(_ upload: MultipartUpload) -> UploadRecord {
        let a = upload.attributes
        let placeholder = StoredObject(
            key: upload.key, blob: .composite([]), etag: "", lastModified: upload.initiated,
            contentType: a.contentType, contentEncoding: a.contentEncoding, metadata: a.metadata, acl: a.acl,
            checksums: a.checksums, standardHeaders: a.standardHeaders, tags: a.tags, owner: a.owner,
            retention: a.retention, legalHold: a.legalHold)
        var object = record(placeholder)
        object.checksumAlgorithm = a.checksumAlgorithm
        object.checksumType = a.checksumType
        return UploadRecord(
            id: upload.id, key: upload.key, initiated: upload.initiated.timeIntervalSince1970, object: object)
    }

    func upload(_ record: UploadRecord) -> MultipartUpload {
        let o = object(record.object)
        let attributes = ObjectAttributes(
            contentType: o.contentType, contentEncoding: o.contentEncoding, metadata: o.metadata, acl: o.acl,
            owner: o.owner, retention: o.retention, legalHold: o.legalHold, checksums: o.checksums,
            standardHeaders: o.standardHeaders, tags: o.tags, checksumAlgorithm: record.object.checksumAlgorithm,
            checksumType: o.checksumType)
        return MultipartUpload(
            id: record.id, key: record.key, initiated: Date(timeIntervalSince1970: record.initiated),
            attributes: attributes)
    }

    func record(_ part: StoredPart) -> PartRecord {
        PartRecord(
            number: part.number, blob: record(part.blob), etag: part.etag,
            lastModified: part.lastModified.timeIntervalSince1970,
            checksums: part.checksums.isEmpty ? nil : part.checksums)
    }

    func part(_ record: PartRecord) -> StoredPart {
        StoredPart(
            number: record.number, blob: blob(record.blob), etag: record.etag,
            lastModified: Date(timeIntervalSince1970: record.lastModified),
            checksums: record.checksums ?? [:])
    }
}
