import Foundation

/// The catalog in memory, the bytes in a `BlobStore` (memory, or files with `--data-dir`, where
/// every change is also written to a `CatalogLog` before it is answered). One lock over the
/// catalog: what S3 does atomically (a conditional write, a completion) is atomic here.
public final class CatalogStore: S3Storage, @unchecked Sendable {
    public let blobs: any BlobStore
    let lock = NSLock()
    var buckets: [String: CatalogBucket] = [:]
    var uploadCounter = 0
    /// The write-ahead log of every change, with a data directory.
    let log: CatalogLog?
    /// How long every access waits before taking the lock, as on a busy server: the mock's own race
    /// tests set it, so that a check and a write made as two steps instead of one are seen to race.
    var contention: TimeInterval = 0

    public init(blobs: any BlobStore = MemoryBlobStore()) {
        self.blobs = blobs
        log = nil
    }

    /// Over a data directory: the catalog as the log left it (see `CatalogStore+Recovery`), then logged.
    init(disk: DiskBlobStore) throws {
        blobs = disk
        log = CatalogLog(directory: disk.directory)
        try recover(disk)
    }

    func withBucket<T>(_ name: String, _ body: (CatalogBucket) throws(S3ServerError) -> T) throws(S3ServerError) -> T {
        if contention > 0 { Thread.sleep(forTimeInterval: contention) }
        lock.lock()
        defer { lock.unlock() }
        guard let bucket = buckets[name] else { throw .noSuchBucket(name) }
        return try body(bucket)
    }

    func locked<T>(_ body: () throws(S3ServerError) -> T) throws(S3ServerError) -> T {
        if contention > 0 { Thread.sleep(forTimeInterval: contention) }
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    /// Frees the bytes of versions gone for good.
    func discard(_ versions: [StoredObject]) {
        for version in versions where !version.isDeleteMarker { blobs.discard(version.blob) }
    }

    func discard(_ parts: some Sequence<StoredPart>) {
        for part in parts { blobs.discard(part.blob) }
    }

    // MARK: BucketStore

    public func createBucket(
        _ name: String, owner: Account, acl: AccessControlList?, configuration: BucketConfiguration
    ) throws(S3ServerError) {
        try locked { () throws(S3ServerError) in
            if let existing = buckets[name] {
                throw existing.owner == owner ? .bucketAlreadyOwnedByYou : .bucketAlreadyExists
            }
            let bucket = CatalogBucket(owner: owner, acl: acl, configuration: configuration)
            buckets[name] = bucket
            if let log { log.append(log.bucketRecord(name, bucket)) }
        }
    }

    public func deleteBucket(_ name: String) throws(S3ServerError) {
        let parts: [StoredPart] = try locked { () throws(S3ServerError) in
            guard let bucket = buckets[name] else { throw .noSuchBucket(name) }
            guard bucket.isEmpty else { throw .bucketNotEmpty }
            buckets[name] = nil
            log?.append(.dropBucket(name: name))
            return bucket.allParts
        }
        discard(parts)
    }

    public func bucketExists(_ name: String) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return buckets[name] != nil
    }

    public func listBuckets() -> [BucketSummary] {
        lock.lock()
        defer { lock.unlock() }
        return buckets.map { BucketSummary(name: $0.key, created: $0.value.created, owner: $0.value.owner) }
            .sorted { KeyOrder.precedes($0.name, $1.name) }
    }

    public func bucketAccess(_ name: String) throws(S3ServerError) -> BucketAccess {
        try withBucket(name) { $0.access }
    }

    public func setBucketACL(_ name: String, _ acl: AccessControlList) throws(S3ServerError) {
        try withBucket(name) {
            $0.acl = acl
            if let log { log.append(.bucketACL(bucket: name, grants: log.record(acl))) }
        }
    }

    public func removeAll() {
        lock.lock()
        let everything = buckets.values
        buckets = [:]
        log?.append(.clear)
        lock.unlock()
        for bucket in everything {
            discard(bucket.allVersions)
            discard(bucket.allParts)
        }
    }

    public func totals() -> StoreTotals {
        lock.lock()
        defer { lock.unlock() }
        var totals = StoreTotals(buckets: buckets.count)
        for bucket in buckets.values {
            totals.objects += bucket.objects.count
            totals.bytes += bucket.objects.values.reduce(0) { $0 + $1.size }
            totals.uploads += bucket.uploads.count
        }
        return totals
    }

    // MARK: BucketConfigurationStore

    public func configuration(_ bucket: String) throws(S3ServerError) -> BucketConfiguration {
        try withBucket(bucket) { $0.configuration }
    }

    public func configure(_ bucket: String, _ change: (inout BucketConfiguration) throws(S3ServerError) -> Void)
        throws(S3ServerError)
    {
        try withBucket(bucket) { b throws(S3ServerError) in
            var configuration = b.configuration
            try change(&configuration)
            guard configuration != b.configuration else { return }
            b.configuration = configuration
            log?.append(.bucketConfiguration(bucket: bucket, configuration: configuration))
        }
    }
}
