import Foundation
import NIOCore
import S3Wire

public enum CannedACL: String, Sendable, CaseIterable {
    case `private` = "private"
    case publicRead = "public-read"
    case publicReadWrite = "public-read-write"
    case authenticatedRead = "authenticated-read"
    case awsExecRead = "aws-exec-read"
    case bucketOwnerRead = "bucket-owner-read"
    case bucketOwnerFullControl = "bucket-owner-full-control"
    case logDeliveryWrite = "log-delivery-write"
}

/// S3's Object Ownership setting; `bucketOwnerEnforced` disables ACLs.
public enum ObjectOwnership: String, Sendable {
    case bucketOwnerEnforced = "BucketOwnerEnforced"
    case bucketOwnerPreferred = "BucketOwnerPreferred"
    case objectWriter = "ObjectWriter"
}

public struct StoredObject: Sendable {
    public var key: String
    public var blob: Blob
    public var etag: String
    public var lastModified: Date
    public var contentType: String?
    public var contentEncoding: String?
    public var metadata: [(String, String)]
    public var acl: AccessControlList
    /// `x-amz-checksum-*` values given at upload, by algorithm name (`crc32`, `sha256`, ...).
    public var checksums: [String: String]
    /// Cache-Control, Content-Disposition, Content-Language and Expires as sent, returned on GET and HEAD.
    public var standardHeaders: [(String, String)] = []
    /// The object's tags, in the order given.
    public var tags: [(String, String)] = []
    /// `null` for an object written while the bucket's versioning was off or suspended.
    public var versionId = "null"
    /// A delete marker: the version a DELETE leaves in a versioned bucket (no bytes, never served).
    public var isDeleteMarker = false
    public var owner = Account.mock
    /// Object Lock: kept from deletion until `retention.until` (GOVERNANCE can be bypassed) or while held.
    public var retention: Retention?
    public var legalHold = false
    /// A multipart object's parts, in order (nil for an object PUT whole).
    public var parts: [PartSummary]?
    /// `COMPOSITE` (a checksum of the parts' checksums) or `FULL_OBJECT`, when the object has a checksum.
    public var checksumType: String?
    public var size: UInt64 { blob.size }

    /// Whether deleting this version is refused now: a legal hold, or a retention not yet over
    /// (COMPLIANCE for anyone, GOVERNANCE unless the request bypasses it).
    func isLocked(now: Date, bypassGovernance: Bool) -> Bool {
        guard !legalHold else { return true }
        guard let retention, retention.until > now else { return false }
        return retention.mode == .compliance || !bypassGovernance
    }

    static func deleteMarker(_ key: String, versionId: String) -> StoredObject {
        StoredObject(
            key: key, blob: .composite([]), etag: "", lastModified: Date(), metadata: [], acl: .private(.mock),
            checksums: [:],
            versionId: versionId, isDeleteMarker: true)
    }
}

/// What a multipart object keeps of each part: its size and checksums (for `partNumber` reads and
/// GetObjectAttributes).
public struct PartSummary: Sendable, Codable, Equatable {
    public var size: UInt64
    public var checksums: [String: String]
}

public struct Retention: Sendable, Codable, Equatable {
    public enum Mode: String, Sendable, Codable {
        case governance = "GOVERNANCE"
        case compliance = "COMPLIANCE"
    }
    public var mode: Mode
    public var until: Date
}

/// A bucket's Object Lock configuration (only buckets created with Object Lock have one): the
/// retention new objects get unless they name their own.
public struct ObjectLockConfiguration: Sendable, Codable, Equatable {
    public var mode: Retention.Mode?
    public var days: Int?
    public var years: Int?

    func defaultRetention(from now: Date) -> Retention? {
        guard let mode else { return nil }
        let day: TimeInterval = 86_400
        return Retention(mode: mode, until: now + TimeInterval(days ?? 0) * day + TimeInterval(years ?? 0) * 365 * day)
    }
}

/// A bucket's versioning state. Once enabled, a bucket can be suspended but never unversioned again.
public enum Versioning: String, Sendable {
    case unversioned = ""
    case enabled = "Enabled"
    case suspended = "Suspended"
}

/// What a DELETE did: the version it removed or the delete marker it left.
public struct DeleteOutcome: Sendable {
    public var versionId: String?
    public var deleteMarker: Bool
}

/// One page of ListObjectVersions: every version of each key, newest first.
public struct VersionListResult: Sendable {
    public var versions: [(object: StoredObject, isLatest: Bool)] = []
    public var commonPrefixes: [String] = []
    public var isTruncated = false
    public var nextKeyMarker: String?
    public var nextVersionIdMarker: String?
}

public struct ObjectAttributes: Sendable {
    public var contentType: String?
    public var contentEncoding: String?
    public var metadata: [(String, String)] = []
    public var acl = AccessControlList.private(.mock)
    public var owner = Account.mock
    public var retention: Retention?
    public var legalHold = false
    public var checksums: [String: String] = [:]
    public var standardHeaders: [(String, String)] = []
    public var tags: [(String, String)] = []
    /// A multipart upload's `x-amz-checksum-algorithm` and `x-amz-checksum-type`.
    public var checksumAlgorithm: String?
    public var checksumType: String?
}

public struct StoredPart: Sendable {
    public var number: Int
    public var blob: Blob
    public var etag: String
    public var lastModified: Date
    public var checksums: [String: String] = [:]
}

public struct MultipartUpload: Sendable {
    public var id: String
    public var key: String
    public var initiated: Date
    public var attributes: ObjectAttributes
    public var parts: [Int: StoredPart] = [:]
}

/// A conditional write's terms, checked against the key's current object under the store's lock,
/// so two conditional writers cannot both win: `If-None-Match: *` (only if there is none) and
/// `If-Match: ETag` (only if it is that one).
public struct WritePrecondition: Sendable {
    public var ifNoneMatch = false
    public var ifMatch: String?
    public init(ifNoneMatch: Bool = false, ifMatch: String? = nil) {
        self.ifNoneMatch = ifNoneMatch
        self.ifMatch = ifMatch
    }

    func check(_ current: StoredObject?, key: String) throws(S3ServerError) {
        if ifNoneMatch && current != nil { throw .preconditionFailed }
        if let ifMatch {
            guard let current else { throw .noSuchKey(key) }
            if ifMatch != "*" && ifMatch != current.etag { throw .preconditionFailed }
        }
    }
}

public struct ListResult: Sendable {
    public var objects: [StoredObject] = []
    public var commonPrefixes: [String] = []
    public var isTruncated = false
    /// The last key or common prefix returned, for the next page's marker.
    public var lastReturned: String?
}

/// The server's storage: buckets, objects and multipart uploads. The seam where another backend fits.
public protocol ObjectStore: Sendable {
    var blobs: any BlobStore { get }
    /// A new bucket owned by `owner`; BucketAlreadyExists if another account has it.
    func createBucket(_ name: String, owner: Account, acl: AccessControlList?) throws(S3ServerError)
    /// Who owns the bucket, its ACL and Object Ownership: what every request to it is checked against.
    func bucketAccess(_ name: String) throws(S3ServerError) -> BucketAccess
    func setBucketACL(_ name: String, _ acl: AccessControlList) throws(S3ServerError)
    func deleteBucket(_ name: String) throws(S3ServerError)
    func bucketExists(_ name: String) -> Bool
    func listBuckets() -> [(name: String, created: Date, owner: Account)]
    func ownership(_ bucket: String) throws(S3ServerError) -> ObjectOwnership
    func setOwnership(_ bucket: String, _ ownership: ObjectOwnership) throws(S3ServerError)
    func versioning(_ bucket: String) throws(S3ServerError) -> Versioning
    func setVersioning(_ bucket: String, _ state: Versioning) throws(S3ServerError)
    /// Stores the object as the key's current version; returns it with the version id it was given.
    @discardableResult
    func put(_ bucket: String, _ object: StoredObject, precondition: WritePrecondition?) throws(S3ServerError)
        -> StoredObject
    /// The version and the bucket's access under one lock (what every read asks): the version, or
    /// why there is none, beside who may see that.
    func lookup(_ bucket: String, _ key: String, versionId: String?) throws(S3ServerError)
        -> (version: Result<StoredObject, S3ServerError>, access: BucketAccess)
    /// The current version (nil) or the one named; a delete marker is never returned.
    func get(_ bucket: String, _ key: String, versionId: String?) throws(S3ServerError) -> StoredObject
    /// Removes a version, or leaves a delete marker; a version Object Lock keeps is AccessDenied.
    @discardableResult
    func delete(_ bucket: String, _ key: String, versionId: String?, bypassGovernance: Bool) throws(S3ServerError)
        -> DeleteOutcome
    /// Changes one version (the current one when `versionId` is nil) in place: ACL, tags, retention, hold.
    func modify(
        _ bucket: String, _ key: String, versionId: String?,
        _ change: (inout StoredObject) throws(S3ServerError) -> Void) throws(S3ServerError)
    /// A bucket configuration kept as sent (its CORS rules, tags, policy, public access block),
    /// by sub-resource name; nil when there is none.
    func configuration(_ bucket: String, _ name: String) throws(S3ServerError) -> String?
    func setConfiguration(_ bucket: String, _ name: String, _ document: String?) throws(S3ServerError)
    func objectLock(_ bucket: String) throws(S3ServerError) -> ObjectLockConfiguration?
    func setObjectLock(_ bucket: String, _ configuration: ObjectLockConfiguration) throws(S3ServerError)
    func list(_ bucket: String, prefix: String, delimiter: String?, after: String?, maxKeys: Int) throws(S3ServerError)
        -> ListResult
    func listVersions(
        _ bucket: String, prefix: String, delimiter: String?, keyMarker: String?, versionIdMarker: String?,
        maxKeys: Int
    ) throws(S3ServerError) -> VersionListResult
    func createUpload(_ bucket: String, key: String, attributes: ObjectAttributes) throws(S3ServerError) -> String
    func upload(_ bucket: String, id: String, key: String) throws(S3ServerError) -> MultipartUpload
    func putPart(_ bucket: String, id: String, key: String, part: StoredPart) throws(S3ServerError)
    /// Makes the object of the parts named; `finish` gives it its checksum from the parts chosen
    /// (under the store's lock, so the parts cannot change meanwhile).
    func completeUpload(
        _ bucket: String, id: String, key: String, parts: [(number: Int, etag: String)],
        precondition: WritePrecondition?,
        finish: ([StoredPart], inout StoredObject) throws(S3ServerError) -> Void
    ) throws(S3ServerError) -> StoredObject
    func abortUpload(_ bucket: String, id: String, key: String) throws(S3ServerError)
    func listUploads(_ bucket: String, prefix: String) throws(S3ServerError) -> [MultipartUpload]
    /// Every bucket, object and upload gone (their bytes freed).
    func removeAll()
    /// Objects and the bytes they hold, across buckets.
    func totals() -> (buckets: Int, objects: Int, bytes: UInt64, uploads: Int)
}

public struct BucketAccess: Sendable {
    public var owner: Account
    public var acl: AccessControlList
    public var ownership: ObjectOwnership
    /// What a write must know of Object Lock (nil: the bucket has none).
    public var objectLock: ObjectLockConfiguration?
}

extension ObjectStore {
    public func createBucket(_ name: String) throws(S3ServerError) { try createBucket(name, owner: .mock, acl: nil) }
    @discardableResult
    public func put(_ bucket: String, _ object: StoredObject) throws(S3ServerError) -> StoredObject {
        try put(bucket, object, precondition: nil)
    }
    public func get(_ bucket: String, _ key: String) throws(S3ServerError) -> StoredObject {
        try get(bucket, key, versionId: nil)
    }
    public func delete(_ bucket: String, _ key: String) throws(S3ServerError) {
        try delete(bucket, key, versionId: nil, bypassGovernance: false)
    }
    public func setACL(_ bucket: String, _ key: String, versionId: String?, _ acl: AccessControlList)
        throws(S3ServerError)
    {
        try modify(bucket, key, versionId: versionId) { $0.acl = acl }
    }
    public func setTags(_ bucket: String, _ key: String, versionId: String?, _ tags: [(String, String)])
        throws(S3ServerError)
    {
        try modify(bucket, key, versionId: versionId) { $0.tags = tags }
    }
}

/// Keys in S3's order: by UTF-8 bytes (compared with memcmp: listings binary-search the sorted keys
/// and the generic sequence comparison was most of a listing's cost).
func keyPrecedes(_ a: String, _ b: String) -> Bool {
    let fast = a.utf8.withContiguousStorageIfAvailable { x in
        b.utf8.withContiguousStorageIfAvailable { y in
            let n = min(x.count, y.count)
            let order = n == 0 ? 0 : memcmp(x.baseAddress!, y.baseAddress!, n)
            return order != 0 ? order < 0 : x.count < y.count
        }
    }
    return (fast ?? nil) ?? a.utf8.lexicographicallyPrecedes(b.utf8)
}

/// The catalog in memory, the bytes in a `BlobStore` (memory, or files with `--data-dir`).
public final class CatalogStore: ObjectStore, @unchecked Sendable {
    public let blobs: any BlobStore
    private let lock = NSLock()
    private var buckets: [String: Bucket] = [:]
    private var uploadCounter = 0

    final class Bucket {
        let created: Date
        let owner: Account
        var acl: AccessControlList
        init(created: Date = Date(), owner: Account, acl: AccessControlList? = nil) {
            self.created = created
            self.owner = owner
            self.acl = acl ?? .private(owner)
        }
        var ownership = ObjectOwnership.bucketOwnerEnforced
        var versioning = Versioning.unversioned
        var objectLock: ObjectLockConfiguration?
        var configurations: [String: String] = [:]
        /// Each key's current version, unless that is a delete marker (what GET and listings see).
        var objects: [String: StoredObject] = [:]
        var sortedKeys: [String] = []
        /// The versions after `objects[key]`, newest first, or all of them when the newest is a delete marker.
        var older: [String: [StoredObject]] = [:]
        var uploads: [String: MultipartUpload] = [:]
        /// Uploads completed since start, without their bytes: S3 answers a repeated
        /// CompleteMultipartUpload with the object it made.
        var completed: [String: StoredObject] = [:]

        var isEmpty: Bool { objects.isEmpty && older.isEmpty }

        /// Every version of `key`, newest first.
        func chain(_ key: String) -> [StoredObject] {
            guard let rest = older[key] else { return objects[key].map { [$0] } ?? [] }
            return (objects[key].map { [$0] } ?? []) + rest
        }

        /// Makes `chain` (newest first) every version of `key`.
        func setChain(_ key: String, _ chain: [StoredObject]) {
            if let first = chain.first, !first.isDeleteMarker {
                if objects.updateValue(first, forKey: key) == nil { sortedKeys.insert(key, at: lowerBound(key)) }
                older[key] = chain.count > 1 ? Array(chain.dropFirst()) : nil
            } else {
                if objects.removeValue(forKey: key) != nil {
                    let i = lowerBound(key)
                    if i < sortedKeys.count && sortedKeys[i] == key { sortedKeys.remove(at: i) }
                }
                older[key] = chain.isEmpty ? nil : chain
            }
        }

        /// `object` as the key's newest version under the bucket's versioning; the versions it
        /// replaces for good (whose bytes can go).
        func install(_ object: StoredObject) -> (StoredObject, replaced: [StoredObject]) {
            var object = object
            let key = object.key
            switch versioning {
            case .unversioned:
                object.versionId = "null"
                if let old = objects.updateValue(object, forKey: key) { return (object, [old]) }
                sortedKeys.insert(key, at: lowerBound(key))
                return (object, [])
            case .enabled:
                object.versionId = Self.newVersionId()
                setChain(key, [object] + chain(key))
                return (object, [])
            case .suspended:
                // A suspended bucket writes the `null` version, replacing the one there was.
                object.versionId = "null"
                let versions = chain(key)
                setChain(key, [object] + versions.filter { $0.versionId != "null" })
                return (object, versions.filter { $0.versionId == "null" })
            }
        }

        static func newVersionId() -> String {
            let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
            return String((0..<32).map { _ in alphabet.randomElement()! })
        }

        /// First index whose key is not before `key`.
        func lowerBound(_ key: String) -> Int {
            let keys = sortedKeys  // one reference for the whole search, not one per probe
            var lo = 0
            var hi = keys.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if keyPrecedes(keys[mid], key) { lo = mid + 1 } else { hi = mid }
            }
            return lo
        }
    }

    /// The write-ahead log of every change, with a data directory.
    private let log: CatalogLog?

    public init(blobs: any BlobStore = MemoryBlobStore()) {
        self.blobs = blobs
        log = nil
    }

    /// Over a data directory: the catalog as the log left it (see `CatalogLog`), then logged.
    init(disk: DiskBlobStore) throws {
        blobs = disk
        let log = CatalogLog(directory: disk.directory)
        self.log = log
        for record in log.replay() { apply(record, log) }
        try log.rewrite(snapshot(log))
        // Bytes no record refers to belong to requests that were never answered.
        var kept = Set<String>()
        for b in buckets.values {
            let versions: [StoredObject] = Array(b.objects.values) + Array(b.older.values.joined())
            let parts: [StoredPart] = b.uploads.values.flatMap { Array($0.parts.values) }
            for file in versions.flatMap(\.blob.files) + parts.flatMap(\.blob.files) {
                kept.insert((file as NSString).lastPathComponent)
            }
        }
        for name in (try? FileManager.default.contentsOfDirectory(atPath: disk.directory)) ?? []
        where name.hasPrefix("blob-") && !kept.contains(name) {
            unlink("\(disk.directory)/\(name)")
        }
    }

    private func apply(_ record: CatalogLog.Record, _ log: CatalogLog) {
        switch record {
        case .bucket(let name, let created, let ownership, let owner, let grants):
            let owner = owner ?? .mock
            let bucket = Bucket(created: Date(timeIntervalSince1970: created), owner: owner, acl: grants.map(log.acl))
            bucket.ownership = ObjectOwnership(rawValue: ownership) ?? .bucketOwnerEnforced
            buckets[name] = bucket
        case .dropBucket(let name): buckets[name] = nil
        case .ownership(let name, let value):
            buckets[name]?.ownership = ObjectOwnership(rawValue: value) ?? .bucketOwnerEnforced
        case .put(let name, let record):
            guard let b = buckets[name] else { return }
            if b.objects.updateValue(log.object(record), forKey: record.key) == nil {
                b.sortedKeys.insert(record.key, at: b.lowerBound(record.key))
            }
        case .delete(let name, let key):
            guard let b = buckets[name], b.objects.removeValue(forKey: key) != nil else { return }
            let i = b.lowerBound(key)
            if i < b.sortedKeys.count && b.sortedKeys[i] == key { b.sortedKeys.remove(at: i) }
        case .acl(let name, let key, let acl):
            if let object = buckets[name]?.objects[key], let bucket = buckets[name] {
                buckets[name]?.objects[key]?.acl = .canned(
                    CannedACL(rawValue: acl) ?? .private, owner: object.owner, bucketOwner: bucket.owner)
            }
        case .bucketACL(let name, let grants): buckets[name]?.acl = log.acl(grants)
        case .tags(let name, let key, let tags):
            buckets[name]?.objects[key]?.tags = tags.compactMap { $0.count == 2 ? ($0[0], $0[1]) : nil }
        case .versioning(let name, let value): buckets[name]?.versioning = Versioning(rawValue: value) ?? .unversioned
        case .objectLock(let name, let configuration): buckets[name]?.objectLock = configuration
        case .configuration(let name, let key, let document): buckets[name]?.configurations[key] = document
        case .chain(let name, let key, let versions): buckets[name]?.setChain(key, versions.map(log.object))
        case .upload(let name, let upload): buckets[name]?.uploads[upload.id] = log.upload(upload)
        case .part(let name, let id, let part): buckets[name]?.uploads[id]?.parts[part.number] = log.part(part)
        case .dropUpload(let name, let id): buckets[name]?.uploads[id] = nil
        case .clear: buckets = [:]
        }
    }

    /// What the catalog holds, as the fewest records that make it again.
    private func snapshot(_ log: CatalogLog) -> [CatalogLog.Record] {
        var records: [CatalogLog.Record] = []
        for (name, b) in buckets.sorted(by: { $0.key < $1.key }) {
            records.append(
                .bucket(
                    name: name, created: b.created.timeIntervalSince1970, ownership: b.ownership.rawValue,
                    owner: b.owner,
                    grants: log.record(b.acl)))
            if b.versioning != .unversioned { records.append(.versioning(bucket: name, value: b.versioning.rawValue)) }
            if let lock = b.objectLock { records.append(.objectLock(bucket: name, configuration: lock)) }
            for (key, document) in b.configurations.sorted(by: { $0.key < $1.key }) {
                records.append(.configuration(bucket: name, name: key, document: document))
            }
            for key in b.sortedKeys where b.older[key] == nil {
                records.append(.put(bucket: name, object: log.record(b.objects[key]!)))
            }
            for key in b.older.keys.sorted() {
                records.append(.chain(bucket: name, key: key, versions: b.chain(key).map(log.record)))
            }
            for upload in b.uploads.values {
                records.append(.upload(bucket: name, upload: log.record(upload)))
                for part in upload.parts.values {
                    records.append(.part(bucket: name, id: upload.id, part: log.record(part)))
                }
            }
        }
        return records
    }

    private func withBucket<T>(_ name: String, _ body: (Bucket) throws(S3ServerError) -> T) throws(S3ServerError) -> T {
        lock.lock()
        defer { lock.unlock() }
        guard let bucket = buckets[name] else { throw .noSuchBucket(name) }
        return try body(bucket)
    }

    public func createBucket(_ name: String, owner: Account, acl: AccessControlList?) throws(S3ServerError) {
        lock.lock()
        defer { lock.unlock() }
        if let existing = buckets[name] {
            throw existing.owner == owner ? .bucketAlreadyOwnedByYou : .bucketAlreadyExists
        }
        let bucket = Bucket(owner: owner, acl: acl)
        buckets[name] = bucket
        log?.append(
            .bucket(
                name: name, created: bucket.created.timeIntervalSince1970, ownership: bucket.ownership.rawValue,
                owner: owner,
                grants: log?.record(bucket.acl)))
    }

    public func bucketAccess(_ name: String) throws(S3ServerError) -> BucketAccess {
        try withBucket(name) {
            BucketAccess(owner: $0.owner, acl: $0.acl, ownership: $0.ownership, objectLock: $0.objectLock)
        }
    }

    public func setBucketACL(_ name: String, _ acl: AccessControlList) throws(S3ServerError) {
        try withBucket(name) {
            $0.acl = acl
            if let log { log.append(.bucketACL(bucket: name, grants: log.record(acl))) }
        }
    }

    public func deleteBucket(_ name: String) throws(S3ServerError) {
        lock.lock()
        defer { lock.unlock() }
        guard let bucket = buckets[name] else { throw .noSuchBucket(name) }
        guard bucket.isEmpty else { throw .bucketNotEmpty }
        for upload in bucket.uploads.values { for part in upload.parts.values { blobs.discard(part.blob) } }
        buckets[name] = nil
        log?.append(.dropBucket(name: name))
    }

    public func removeAll() {
        lock.lock()
        defer { lock.unlock() }
        for bucket in buckets.values {
            for object in bucket.objects.values { blobs.discard(object.blob) }
            for object in bucket.older.values.joined() { blobs.discard(object.blob) }
            for upload in bucket.uploads.values { for part in upload.parts.values { blobs.discard(part.blob) } }
        }
        buckets = [:]
        log?.append(.clear)
    }

    public func totals() -> (buckets: Int, objects: Int, bytes: UInt64, uploads: Int) {
        lock.lock()
        defer { lock.unlock() }
        var objects = 0
        var bytes: UInt64 = 0
        var uploads = 0
        for bucket in buckets.values {
            objects += bucket.objects.count
            bytes += bucket.objects.values.reduce(0) { $0 + $1.size }
            uploads += bucket.uploads.count
        }
        return (buckets.count, objects, bytes, uploads)
    }

    public func bucketExists(_ name: String) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return buckets[name] != nil
    }

    public func listBuckets() -> [(name: String, created: Date, owner: Account)] {
        lock.lock()
        defer { lock.unlock() }
        return buckets.map { ($0.key, $0.value.created, $0.value.owner) }.sorted { keyPrecedes($0.name, $1.name) }
    }

    public func ownership(_ bucket: String) throws(S3ServerError) -> ObjectOwnership {
        try withBucket(bucket) { $0.ownership }
    }

    public func setOwnership(_ bucket: String, _ ownership: ObjectOwnership) throws(S3ServerError) {
        try withBucket(bucket) {
            $0.ownership = ownership
            log?.append(.ownership(bucket: bucket, value: ownership.rawValue))
        }
    }

    public func versioning(_ bucket: String) throws(S3ServerError) -> Versioning {
        try withBucket(bucket) { $0.versioning }
    }

    public func setVersioning(_ bucket: String, _ state: Versioning) throws(S3ServerError) {
        try withBucket(bucket) {
            $0.versioning = state
            log?.append(.versioning(bucket: bucket, value: state.rawValue))
        }
    }

    /// Logs what `key` holds now: one object in a bucket never versioned, all its versions otherwise.
    private func logKey(_ bucket: String, _ b: Bucket, _ key: String) {
        guard let log else { return }
        if b.versioning == .unversioned && b.older[key] == nil {
            if let object = b.objects[key] {
                log.append(.put(bucket: bucket, object: log.record(object)))
            } else {
                log.append(.delete(bucket: bucket, key: key))
            }
        } else {
            log.append(.chain(bucket: bucket, key: key, versions: b.chain(key).map(log.record)))
        }
    }

    private func discard(_ versions: [StoredObject]) {
        for version in versions where !version.isDeleteMarker { blobs.discard(version.blob) }
    }

    @discardableResult
    public func put(_ bucket: String, _ object: StoredObject, precondition: WritePrecondition?) throws(S3ServerError)
        -> StoredObject
    {
        let (stored, replaced): (StoredObject, [StoredObject]) = try withBucket(bucket) { b throws(S3ServerError) in
            try precondition?.check(b.objects[object.key], key: object.key)
            let installed = b.install(object)
            logKey(bucket, b, object.key)
            return installed
        }
        discard(replaced)
        return stored
    }

    public func lookup(_ bucket: String, _ key: String, versionId: String?) throws(S3ServerError)
        -> (version: Result<StoredObject, S3ServerError>, access: BucketAccess)
    {
        try withBucket(bucket) { b in
            let access = BucketAccess(owner: b.owner, acl: b.acl, ownership: b.ownership, objectLock: b.objectLock)
            do throws(S3ServerError) { return (.success(try Self.version(b, key, versionId)), access) } catch {
                return (.failure(error), access)
            }
        }
    }

    public func get(_ bucket: String, _ key: String, versionId: String?) throws(S3ServerError) -> StoredObject {
        try withBucket(bucket) { b throws(S3ServerError) in try Self.version(b, key, versionId) }
    }

    /// The version named (or the current one), as S3 refuses it: a current delete marker is
    /// NoSuchKey, a named one MethodNotAllowed, both saying it is a marker.
    private static func version(_ b: Bucket, _ key: String, _ versionId: String?) throws(S3ServerError) -> StoredObject
    {
        guard let versionId else {
            if let object = b.objects[key] { return object }
            if let marker = b.older[key]?.first, marker.isDeleteMarker {
                var error = S3ServerError.noSuchKey(key)
                error.headers = [("x-amz-delete-marker", "true"), ("x-amz-version-id", marker.versionId)]
                throw error
            }
            throw .noSuchKey(key)
        }
        guard let version = b.chain(key).first(where: { $0.versionId == versionId }) else {
            throw versionId == "null" ? .noSuchKey(key) : .noSuchVersion(key, versionId)
        }
        if version.isDeleteMarker {
            var error = S3ServerError.methodNotAllowed
            error.headers = [
                ("x-amz-delete-marker", "true"), ("x-amz-version-id", version.versionId), ("Allow", "DELETE"),
            ]
            throw error
        }
        return version
    }

    @discardableResult
    public func delete(_ bucket: String, _ key: String, versionId: String?, bypassGovernance: Bool)
        throws(S3ServerError) -> DeleteOutcome
    {
        let (outcome, removed): (DeleteOutcome, [StoredObject]) = try withBucket(bucket) { b throws(S3ServerError) in
            var versions = b.chain(key)
            var outcome = DeleteOutcome(versionId: nil, deleteMarker: false)
            var removed: [StoredObject] = []
            if let versionId {
                // A version that is not there is already gone: S3 answers 204 all the same.
                outcome.versionId = versionId
                guard let i = versions.firstIndex(where: { $0.versionId == versionId }) else { return (outcome, []) }
                if versions[i].isLocked(now: Date(), bypassGovernance: bypassGovernance) { throw .accessDenied }
                removed = [versions.remove(at: i)]
                outcome.deleteMarker = removed[0].isDeleteMarker
            } else {
                switch b.versioning {
                case .unversioned:
                    guard !versions.isEmpty else { return (outcome, []) }
                    removed = versions
                    versions = []
                case .enabled:
                    let marker = StoredObject.deleteMarker(key, versionId: Bucket.newVersionId())
                    versions.insert(marker, at: 0)
                    outcome = DeleteOutcome(versionId: marker.versionId, deleteMarker: true)
                case .suspended:
                    removed = versions.filter { $0.versionId == "null" }
                    versions = [.deleteMarker(key, versionId: "null")] + versions.filter { $0.versionId != "null" }
                    outcome = DeleteOutcome(versionId: "null", deleteMarker: true)
                }
            }
            b.setChain(key, versions)
            logKey(bucket, b, key)
            return (outcome, removed)
        }
        discard(removed)
        return outcome
    }

    public func modify(
        _ bucket: String, _ key: String, versionId: String?,
        _ change: (inout StoredObject) throws(S3ServerError) -> Void
    ) throws(S3ServerError) {
        try withBucket(bucket) { b throws(S3ServerError) in
            let target = try Self.version(b, key, versionId)
            var versions = b.chain(key)
            let i = versions.firstIndex { $0.versionId == target.versionId }!
            try change(&versions[i])
            b.setChain(key, versions)
            logKey(bucket, b, key)
        }
    }

    public func configuration(_ bucket: String, _ name: String) throws(S3ServerError) -> String? {
        try withBucket(bucket) { $0.configurations[name] }
    }

    public func setConfiguration(_ bucket: String, _ name: String, _ document: String?) throws(S3ServerError) {
        try withBucket(bucket) {
            $0.configurations[name] = document
            log?.append(.configuration(bucket: bucket, name: name, document: document))
        }
    }

    public func objectLock(_ bucket: String) throws(S3ServerError) -> ObjectLockConfiguration? {
        try withBucket(bucket) { $0.objectLock }
    }

    public func setObjectLock(_ bucket: String, _ configuration: ObjectLockConfiguration) throws(S3ServerError) {
        try withBucket(bucket) {
            $0.objectLock = configuration
            log?.append(.objectLock(bucket: bucket, configuration: configuration))
        }
    }

    public func list(_ bucket: String, prefix: String, delimiter: String?, after: String?, maxKeys: Int)
        throws(S3ServerError) -> ListResult
    {
        try withBucket(bucket) { b in
            var result = ListResult()
            guard maxKeys > 0 else { return result }  // S3: an empty page, not truncated
            var index = b.lowerBound(prefix)
            if let after, !after.isEmpty, !keyPrecedes(after, prefix) {
                index = b.lowerBound(after)
                if index < b.sortedKeys.count && b.sortedKeys[index] == after { index += 1 }
            }
            let prefixCount = prefix.utf8.count
            var count = 0
            while index < b.sortedKeys.count {
                let key = b.sortedKeys[index]
                guard key.utf8.starts(with: prefix.utf8) else { break }
                var commonPrefix: String?
                if let delimiter, !delimiter.isEmpty, let end = Self.end(of: delimiter, in: key, after: prefixCount) {
                    commonPrefix = String(decoding: key.utf8.prefix(end), as: UTF8.self)
                }
                if count == maxKeys {
                    result.isTruncated = true
                    break
                }
                if let commonPrefix {
                    // A marker inside this group (from the previous page) means the group was already given.
                    if after.map({ $0.utf8.starts(with: commonPrefix.utf8) }) != true {
                        result.commonPrefixes.append(commonPrefix)
                        result.lastReturned = commonPrefix
                        count += 1
                    }
                    index = b.lowerBound(Self.successor(commonPrefix))
                } else {
                    result.objects.append(b.objects[key]!)
                    result.lastReturned = key
                    count += 1
                    index += 1
                }
            }
            return result
        }
    }

    public func listVersions(
        _ bucket: String, prefix: String, delimiter: String?, keyMarker: String?, versionIdMarker: String?,
        maxKeys: Int
    ) throws(S3ServerError) -> VersionListResult {
        try withBucket(bucket) { b in
            var result = VersionListResult()
            guard maxKeys > 0 else { return result }
            // Keys with a version: the current objects', and those whose newest version is a marker.
            var keys = b.sortedKeys.filter { $0.utf8.starts(with: prefix.utf8) }
            let markedOnly = b.older.keys.filter { b.objects[$0] == nil && $0.utf8.starts(with: prefix.utf8) }
            if !markedOnly.isEmpty { keys = (keys + markedOnly).sorted(by: keyPrecedes) }
            let prefixCount = prefix.utf8.count
            var count = 0
            var lastPrefix: String?
            for key in keys {
                if let keyMarker, !keyMarker.isEmpty {
                    if keyPrecedes(key, keyMarker) { continue }
                    if key == keyMarker && (versionIdMarker ?? "").isEmpty { continue }
                }
                if let delimiter, !delimiter.isEmpty, let end = Self.end(of: delimiter, in: key, after: prefixCount) {
                    let commonPrefix = String(decoding: key.utf8.prefix(end), as: UTF8.self)
                    if commonPrefix == lastPrefix || keyMarker.map({ $0.utf8.starts(with: commonPrefix.utf8) }) == true
                    {
                        continue
                    }
                    if count == maxKeys {
                        result.isTruncated = true
                        break
                    }
                    result.commonPrefixes.append(commonPrefix)
                    lastPrefix = commonPrefix
                    result.nextKeyMarker = commonPrefix
                    result.nextVersionIdMarker = nil
                    count += 1
                    continue
                }
                var versions = b.chain(key)[...]
                let latest = versions.first?.versionId
                if key == keyMarker, let versionIdMarker, !versionIdMarker.isEmpty {
                    guard let i = versions.firstIndex(where: { $0.versionId == versionIdMarker }) else { continue }
                    versions = versions[(i + 1)...]
                }
                for version in versions {
                    if count == maxKeys {
                        result.isTruncated = true
                        break
                    }
                    result.versions.append((version, version.versionId == latest))
                    result.nextKeyMarker = key
                    result.nextVersionIdMarker = version.versionId
                    count += 1
                }
                if result.isTruncated { break }
            }
            return result
        }
    }

    /// The byte offset just past the first `delimiter` in `key` at or after byte `start`.
    static func end(of delimiter: String, in key: String, after start: Int) -> Int? {
        let d = Array(delimiter.utf8)
        return key.utf8.withContiguousStorageIfAvailable { k -> Int? in
            guard k.count >= d.count, start <= k.count - d.count else { return nil }
            var i = start
            while i <= k.count - d.count {
                if k[i] == d[0] && (d.count == 1 || Array(k[i..<(i + d.count)]) == d) { return i + d.count }
                i += 1
            }
            return nil
        } ?? nil
    }

    /// The smallest string after every string that starts with `prefix`.
    static func successor(_ prefix: String) -> String {
        var bytes = Array(prefix.utf8)
        while let last = bytes.last {
            if last < 0x7F {
                bytes[bytes.count - 1] = last + 1
                return String(decoding: bytes, as: UTF8.self)
            }
            bytes.removeLast()
        }
        return String(repeating: "\u{10FFFF}", count: 64)
    }

    public func createUpload(_ bucket: String, key: String, attributes: ObjectAttributes) throws(S3ServerError)
        -> String
    {
        try withBucket(bucket) { b in
            uploadCounter += 1
            let id = Data("upload-\(uploadCounter)-\(UInt64.random(in: 0...UInt64.max))".utf8).base64EncodedString()
                .replacingOccurrences(of: "=", with: "")
            let upload = MultipartUpload(id: id, key: key, initiated: Date(), attributes: attributes)
            b.uploads[id] = upload
            if let log { log.append(.upload(bucket: bucket, upload: log.record(upload))) }
            return id
        }
    }

    public func upload(_ bucket: String, id: String, key: String) throws(S3ServerError) -> MultipartUpload {
        try withBucket(bucket) { b throws(S3ServerError) in
            guard let upload = b.uploads[id], upload.key == key else { throw .noSuchUpload(id) }
            return upload
        }
    }

    public func putPart(_ bucket: String, id: String, key: String, part: StoredPart) throws(S3ServerError) {
        let replaced: StoredPart? = try withBucket(bucket) { b throws(S3ServerError) in
            guard b.uploads[id]?.key == key else { throw .noSuchUpload(id) }
            if let log { log.append(.part(bucket: bucket, id: id, part: log.record(part))) }
            return b.uploads[id]!.parts.updateValue(part, forKey: part.number)
        }
        if let replaced { blobs.discard(replaced.blob) }
    }

    public func completeUpload(
        _ bucket: String, id: String, key: String, parts: [(number: Int, etag: String)],
        precondition: WritePrecondition?,
        finish: ([StoredPart], inout StoredObject) throws(S3ServerError) -> Void
    ) throws(S3ServerError) -> StoredObject {
        let (object, unused, replaced): (StoredObject, [StoredPart], [StoredObject]) = try withBucket(bucket) {
            b throws(S3ServerError) in
            if b.uploads[id] == nil, let done = b.completed[id], done.key == key { return (done, [], []) }
            guard let upload = b.uploads[id], upload.key == key else { throw .noSuchUpload(id) }
            try precondition?.check(b.objects[key], key: key)
            guard !parts.isEmpty else { throw .malformedXML }
            var previous = 0
            var chosen: [StoredPart] = []
            for (number, etag) in parts {
                guard number > previous else { throw .invalidPartOrder }
                previous = number
                guard let part = upload.parts[number],
                    part.etag == etag.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                else {
                    throw .invalidPart
                }
                chosen.append(part)
            }
            for part in chosen.dropLast() where part.blob.size < 5 << 20 {
                _ = part
                throw .entityTooSmall
            }
            let md5s = chosen.flatMap { hexBytes($0.etag) }
            let etag = Digest.md5(md5s).hexString + "-\(chosen.count)"
            var object = StoredObject(
                key: key, blob: .composite(chosen.map(\.blob)), etag: etag, lastModified: Date(),
                contentType: upload.attributes.contentType, contentEncoding: upload.attributes.contentEncoding,
                metadata: upload.attributes.metadata, acl: upload.attributes.acl, checksums: [:],
                standardHeaders: upload.attributes.standardHeaders, tags: upload.attributes.tags,
                owner: upload.attributes.owner,
                retention: upload.attributes.retention, legalHold: upload.attributes.legalHold,
                parts: chosen.map { PartSummary(size: $0.blob.size, checksums: $0.checksums) })
            try finish(chosen, &object)
            let used = Set(chosen.map(\.number))
            let unused = upload.parts.values.filter { !used.contains($0.number) }
            b.uploads[id] = nil
            let (stored, replaced) = b.install(object)
            var done = stored
            done.blob = .composite([])
            b.completed[id] = done
            logKey(bucket, b, key)
            log?.append(.dropUpload(bucket: bucket, id: id))
            return (stored, unused, replaced)
        }
        for part in unused { blobs.discard(part.blob) }
        discard(replaced)
        return object
    }

    public func abortUpload(_ bucket: String, id: String, key: String) throws(S3ServerError) {
        let upload: MultipartUpload = try withBucket(bucket) { b throws(S3ServerError) in
            guard let upload = b.uploads[id], upload.key == key else { throw .noSuchUpload(id) }
            b.uploads[id] = nil
            log?.append(.dropUpload(bucket: bucket, id: id))
            return upload
        }
        for part in upload.parts.values { blobs.discard(part.blob) }
    }

    public func listUploads(_ bucket: String, prefix: String) throws(S3ServerError) -> [MultipartUpload] {
        try withBucket(bucket) { b in
            b.uploads.values.filter { $0.key.utf8.starts(with: prefix.utf8) }
                .sorted { $0.key == $1.key ? $0.initiated < $1.initiated : keyPrecedes($0.key, $1.key) }
        }
    }
}

func hexBytes(_ hex: String) -> [UInt8] {
    var out: [UInt8] = []
    var iterator = hex.utf8.makeIterator()
    while let h = iterator.next(), let l = iterator.next() {
        func v(_ c: UInt8) -> UInt8 { c <= 57 ? c - 48 : (c | 0x20) - 87 }
        out.append(v(h) << 4 | v(l))
    }
    return out
}
