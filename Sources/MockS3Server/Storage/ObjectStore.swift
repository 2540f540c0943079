import Foundation
import S3Wire
import NIOCore

public enum CannedACL: String, Sendable, CaseIterable {
    case `private` = "private"
    case publicRead = "public-read"
    case publicReadWrite = "public-read-write"
    case authenticatedRead = "authenticated-read"
    case awsExecRead = "aws-exec-read"
    case bucketOwnerRead = "bucket-owner-read"
    case bucketOwnerFullControl = "bucket-owner-full-control"

    var allowsAnonymousRead: Bool { self == .publicRead || self == .publicReadWrite }
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
    public var acl: CannedACL
    /// `x-amz-checksum-*` values given at upload, by algorithm name (`crc32`, `sha256`, ...).
    public var checksums: [String: String]
    /// Cache-Control, Content-Disposition, Content-Language and Expires as sent, returned on GET and HEAD.
    public var standardHeaders: [(String, String)] = []
    /// The object's tags, in the order given.
    public var tags: [(String, String)] = []
    public var size: UInt64 { blob.size }
}

public struct ObjectAttributes: Sendable {
    public var contentType: String?
    public var contentEncoding: String?
    public var metadata: [(String, String)] = []
    public var acl: CannedACL = .private
    public var checksums: [String: String] = [:]
    public var standardHeaders: [(String, String)] = []
    public var tags: [(String, String)] = []
}

public struct StoredPart: Sendable {
    public var number: Int
    public var blob: Blob
    public var etag: String
    public var lastModified: Date
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
    public init(ifNoneMatch: Bool = false, ifMatch: String? = nil) { self.ifNoneMatch = ifNoneMatch; self.ifMatch = ifMatch }

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
    func createBucket(_ name: String) throws(S3ServerError)
    func deleteBucket(_ name: String) throws(S3ServerError)
    func bucketExists(_ name: String) -> Bool
    func listBuckets() -> [(name: String, created: Date)]
    func ownership(_ bucket: String) throws(S3ServerError) -> ObjectOwnership
    func setOwnership(_ bucket: String, _ ownership: ObjectOwnership) throws(S3ServerError)
    func put(_ bucket: String, _ object: StoredObject, precondition: WritePrecondition?) throws(S3ServerError)
    func get(_ bucket: String, _ key: String) throws(S3ServerError) -> StoredObject
    func delete(_ bucket: String, _ key: String) throws(S3ServerError)
    func setACL(_ bucket: String, _ key: String, _ acl: CannedACL) throws(S3ServerError)
    func setTags(_ bucket: String, _ key: String, _ tags: [(String, String)]) throws(S3ServerError)
    func list(_ bucket: String, prefix: String, delimiter: String?, after: String?, maxKeys: Int) throws(S3ServerError) -> ListResult
    func createUpload(_ bucket: String, key: String, attributes: ObjectAttributes) throws(S3ServerError) -> String
    func upload(_ bucket: String, id: String, key: String) throws(S3ServerError) -> MultipartUpload
    func putPart(_ bucket: String, id: String, key: String, part: StoredPart) throws(S3ServerError)
    func completeUpload(_ bucket: String, id: String, key: String, parts: [(number: Int, etag: String)],
                        precondition: WritePrecondition?) throws(S3ServerError) -> StoredObject
    func abortUpload(_ bucket: String, id: String, key: String) throws(S3ServerError)
    func listUploads(_ bucket: String, prefix: String) throws(S3ServerError) -> [MultipartUpload]
    /// Every bucket, object and upload gone (their bytes freed).
    func removeAll()
    /// Objects and the bytes they hold, across buckets.
    func totals() -> (buckets: Int, objects: Int, bytes: UInt64, uploads: Int)
}

/// Keys in S3's order: by UTF-8 bytes (compared with memcmp: listings binary-search the sorted keys
/// and the generic sequence comparison was most of a listing's cost).
extension ObjectStore {
    public func put(_ bucket: String, _ object: StoredObject) throws(S3ServerError) { try put(bucket, object, precondition: nil) }
}

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
        init(created: Date = Date()) { self.created = created }
        var ownership = ObjectOwnership.bucketOwnerEnforced
        var objects: [String: StoredObject] = [:]
        var sortedKeys: [String] = []
        var uploads: [String: MultipartUpload] = [:]

        /// First index whose key is not before `key`.
        func lowerBound(_ key: String) -> Int {
            let keys = sortedKeys   // one reference for the whole search, not one per probe
            var lo = 0, hi = keys.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if keyPrecedes(keys[mid], key) { lo = mid + 1 } else { hi = mid }
            }
            return lo
        }
    }

    /// The write-ahead log of every change, with a data directory.
    private let log: CatalogLog?

    public init(blobs: any BlobStore = MemoryBlobStore()) { self.blobs = blobs; log = nil }

    /// Over a data directory: the catalog as the log left it (see `CatalogLog`), then logged.
    init(disk: DiskBlobStore) throws {
        blobs = disk
        let log = CatalogLog(directory: disk.directory)
        self.log = log
        for record in log.replay() { apply(record, log) }
        try log.rewrite(snapshot(log))
        // Bytes no record refers to belong to requests that were never answered.
        let kept = Set(buckets.values.flatMap { b in
            b.objects.values.flatMap(\.blob.files) + b.uploads.values.flatMap { $0.parts.values.flatMap(\.blob.files) }
        }.map { ($0 as NSString).lastPathComponent })
        for name in (try? FileManager.default.contentsOfDirectory(atPath: disk.directory)) ?? []
        where name.hasPrefix("blob-") && !kept.contains(name) {
            unlink("\(disk.directory)/\(name)")
        }
    }

    private func apply(_ record: CatalogLog.Record, _ log: CatalogLog) {
        switch record {
        case .bucket(let name, let created, let ownership):
            let bucket = Bucket(created: Date(timeIntervalSince1970: created))
            bucket.ownership = ObjectOwnership(rawValue: ownership) ?? .bucketOwnerEnforced
            buckets[name] = bucket
        case .dropBucket(let name): buckets[name] = nil
        case .ownership(let name, let value): buckets[name]?.ownership = ObjectOwnership(rawValue: value) ?? .bucketOwnerEnforced
        case .put(let name, let record):
            guard let b = buckets[name] else { return }
            if b.objects.updateValue(log.object(record), forKey: record.key) == nil { b.sortedKeys.insert(record.key, at: b.lowerBound(record.key)) }
        case .delete(let name, let key):
            guard let b = buckets[name], b.objects.removeValue(forKey: key) != nil else { return }
            let i = b.lowerBound(key)
            if i < b.sortedKeys.count && b.sortedKeys[i] == key { b.sortedKeys.remove(at: i) }
        case .acl(let name, let key, let acl): buckets[name]?.objects[key]?.acl = CannedACL(rawValue: acl) ?? .private
        case .tags(let name, let key, let tags): buckets[name]?.objects[key]?.tags = tags.compactMap { $0.count == 2 ? ($0[0], $0[1]) : nil }
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
            records.append(.bucket(name: name, created: b.created.timeIntervalSince1970, ownership: b.ownership.rawValue))
            for key in b.sortedKeys { records.append(.put(bucket: name, object: log.record(b.objects[key]!))) }
            for upload in b.uploads.values {
                records.append(.upload(bucket: name, upload: log.record(upload)))
                for part in upload.parts.values { records.append(.part(bucket: name, id: upload.id, part: log.record(part))) }
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

    public func createBucket(_ name: String) throws(S3ServerError) {
        lock.lock()
        defer { lock.unlock() }
        guard buckets[name] == nil else { throw .bucketAlreadyOwnedByYou }
        let bucket = Bucket()
        buckets[name] = bucket
        log?.append(.bucket(name: name, created: bucket.created.timeIntervalSince1970, ownership: bucket.ownership.rawValue))
    }

    public func deleteBucket(_ name: String) throws(S3ServerError) {
        lock.lock()
        defer { lock.unlock() }
        guard let bucket = buckets[name] else { throw .noSuchBucket(name) }
        guard bucket.objects.isEmpty else { throw .bucketNotEmpty }
        for upload in bucket.uploads.values { for part in upload.parts.values { blobs.discard(part.blob) } }
        buckets[name] = nil
        log?.append(.dropBucket(name: name))
    }

    public func removeAll() {
        lock.lock()
        defer { lock.unlock() }
        for bucket in buckets.values {
            for object in bucket.objects.values { blobs.discard(object.blob) }
            for upload in bucket.uploads.values { for part in upload.parts.values { blobs.discard(part.blob) } }
        }
        buckets = [:]
        log?.append(.clear)
    }

    public func totals() -> (buckets: Int, objects: Int, bytes: UInt64, uploads: Int) {
        lock.lock()
        defer { lock.unlock() }
        var objects = 0, bytes: UInt64 = 0, uploads = 0
        for bucket in buckets.values {
            objects += bucket.objects.count
            bytes += bucket.objects.values.reduce(0) { $0 + $1.size }
            uploads += bucket.uploads.count
        }
        return (buckets.count, objects, bytes, uploads)
    }

    public func bucketExists(_ name: String) -> Bool {
        lock.lock(); defer { lock.unlock() }
        return buckets[name] != nil
    }

    public func listBuckets() -> [(name: String, created: Date)] {
        lock.lock(); defer { lock.unlock() }
        return buckets.map { ($0.key, $0.value.created) }.sorted { keyPrecedes($0.name, $1.name) }
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

    public func put(_ bucket: String, _ object: StoredObject, precondition: WritePrecondition?) throws(S3ServerError) {
        let replaced: StoredObject? = try withBucket(bucket) { b throws(S3ServerError) in
            try precondition?.check(b.objects[object.key], key: object.key)
            let old = b.objects.updateValue(object, forKey: object.key)
            if old == nil { b.sortedKeys.insert(object.key, at: b.lowerBound(object.key)) }
            if let log { log.append(.put(bucket: bucket, object: log.record(object))) }
            return old
        }
        if let replaced { blobs.discard(replaced.blob) }
    }

    public func get(_ bucket: String, _ key: String) throws(S3ServerError) -> StoredObject {
        try withBucket(bucket) { b throws(S3ServerError) in
            guard let object = b.objects[key] else { throw .noSuchKey(key) }
            return object
        }
    }

    public func delete(_ bucket: String, _ key: String) throws(S3ServerError) {
        let removed: StoredObject? = try withBucket(bucket) { b in
            guard let old = b.objects.removeValue(forKey: key) else { return nil }
            let i = b.lowerBound(key)
            if i < b.sortedKeys.count && b.sortedKeys[i] == key { b.sortedKeys.remove(at: i) }
            log?.append(.delete(bucket: bucket, key: key))
            return old
        }
        if let removed { blobs.discard(removed.blob) }
    }

    public func setACL(_ bucket: String, _ key: String, _ acl: CannedACL) throws(S3ServerError) {
        try withBucket(bucket) { b throws(S3ServerError) in
            guard b.objects[key] != nil else { throw .noSuchKey(key) }
            b.objects[key]!.acl = acl
            log?.append(.acl(bucket: bucket, key: key, acl: acl.rawValue))
        }
    }

    public func setTags(_ bucket: String, _ key: String, _ tags: [(String, String)]) throws(S3ServerError) {
        try withBucket(bucket) { b throws(S3ServerError) in
            guard b.objects[key] != nil else { throw .noSuchKey(key) }
            b.objects[key]!.tags = tags
            log?.append(.tags(bucket: bucket, key: key, tags: tags.map { [$0.0, $0.1] }))
        }
    }

    public func list(_ bucket: String, prefix: String, delimiter: String?, after: String?, maxKeys: Int) throws(S3ServerError) -> ListResult {
        try withBucket(bucket) { b in
            var result = ListResult()
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
                if count == maxKeys { result.isTruncated = true; break }
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
            if last < 0x7F { bytes[bytes.count - 1] = last + 1; return String(decoding: bytes, as: UTF8.self) }
            bytes.removeLast()
        }
        return String(repeating: "\u{10FFFF}", count: 64)
    }

    public func createUpload(_ bucket: String, key: String, attributes: ObjectAttributes) throws(S3ServerError) -> String {
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

    public func completeUpload(_ bucket: String, id: String, key: String, parts: [(number: Int, etag: String)],
                               precondition: WritePrecondition?) throws(S3ServerError) -> StoredObject {
        let (object, unused, replaced): (StoredObject, [StoredPart], StoredObject?) = try withBucket(bucket) { b throws(S3ServerError) in
            guard let upload = b.uploads[id], upload.key == key else { throw .noSuchUpload(id) }
            try precondition?.check(b.objects[key], key: key)
            guard !parts.isEmpty else { throw .malformedXML }
            var previous = 0
            var chosen: [StoredPart] = []
            for (number, etag) in parts {
                guard number > previous else { throw .invalidPartOrder }
                previous = number
                guard let part = upload.parts[number], part.etag == etag.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) else {
                    throw .invalidPart
                }
                chosen.append(part)
            }
            for part in chosen.dropLast() where part.blob.size < 5 << 20 { _ = part; throw .entityTooSmall }
            let md5s = chosen.flatMap { hexBytes($0.etag) }
            let etag = Digest.md5(md5s).hexString + "-\(chosen.count)"
            let object = StoredObject(key: key, blob: .composite(chosen.map(\.blob)), etag: etag, lastModified: Date(),
                                      contentType: upload.attributes.contentType, contentEncoding: upload.attributes.contentEncoding,
                                      metadata: upload.attributes.metadata, acl: upload.attributes.acl, checksums: [:],
                                      standardHeaders: upload.attributes.standardHeaders, tags: upload.attributes.tags)
            let used = Set(chosen.map(\.number))
            let unused = upload.parts.values.filter { !used.contains($0.number) }
            b.uploads[id] = nil
            let old = b.objects.updateValue(object, forKey: key)
            if old == nil { b.sortedKeys.insert(key, at: b.lowerBound(key)) }
            if let log {
                log.append(.put(bucket: bucket, object: log.record(object)))
                log.append(.dropUpload(bucket: bucket, id: id))
            }
            return (object, unused, old)
        }
        for part in unused { blobs.discard(part.blob) }
        if let replaced { blobs.discard(replaced.blob) }
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
