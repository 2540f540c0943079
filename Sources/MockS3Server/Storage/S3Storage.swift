import Foundation
import S3Wire

/// The storage seam, by capability (as gofakes3's `Backend`, `VersionedBackend` and
/// `MultipartBackend`): what `S3Semantics` asks of a backend. `CatalogStore` provides all of it.
public typealias S3Storage = BucketStore & BucketConfigurationStore & ObjectStore & VersionStore & MultipartStore

/// Buckets: who owns them and their ACL, and the store as a whole.
public protocol BucketStore: Sendable {
    /// A new bucket owned by `owner`; BucketAlreadyExists if another account has it.
    func createBucket(_ name: String, owner: Account, acl: AccessControlList?, configuration: BucketConfiguration)
        throws(S3ServerError)
    /// BucketNotEmpty while it holds a version; its pending uploads go with it.
    func deleteBucket(_ name: String) throws(S3ServerError)
    func bucketExists(_ name: String) -> Bool
    /// Every bucket, by name.
    func listBuckets() -> [BucketSummary]
    /// Who owns the bucket, its ACL and Object Ownership: what every request to it is checked against.
    func bucketAccess(_ name: String) throws(S3ServerError) -> BucketAccess
    func setBucketACL(_ name: String, _ acl: AccessControlList) throws(S3ServerError)
    /// Every bucket, object and upload gone (their bytes freed).
    func removeAll()
    /// What the store holds, across buckets.
    func totals() -> StoreTotals
}

/// A bucket's configuration, read and changed whole.
public protocol BucketConfigurationStore: Sendable {
    func configuration(_ bucket: String) throws(S3ServerError) -> BucketConfiguration
    /// Changes it in one step: `change` runs under the store's lock, and what it throws leaves the
    /// configuration as it was.
    func configure(_ bucket: String, _ change: (inout BucketConfiguration) throws(S3ServerError) -> Void)
        throws(S3ServerError)
}

/// Objects: each key's current version, and any version named by its id.
public protocol ObjectStore: Sendable {
    /// Where object bytes are written before they are stored here.
    var blobs: any BlobStore { get }
    /// Stores the object as the key's current version under the bucket's versioning; returns it
    /// with the version id it was given.
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
        _ change: (inout StoredObject) throws(S3ServerError) -> Void
    ) throws(S3ServerError)
    /// One page of current versions after `after`, keys sharing a prefix up to `delimiter` rolled up.
    func list(_ bucket: String, prefix: String, delimiter: String?, after: String?, maxKeys: Int)
        throws(S3ServerError) -> ListResult
}

/// Versions: every version of each key, delete markers included.
public protocol VersionStore: Sendable {
    func listVersions(
        _ bucket: String, prefix: String, delimiter: String?, keyMarker: String?, versionIdMarker: String?,
        maxKeys: Int
    ) throws(S3ServerError) -> VersionListResult
}

/// Multipart uploads: parts kept until an upload is completed into an object or aborted.
public protocol MultipartStore: Sendable {
    func createUpload(_ bucket: String, key: String, attributes: ObjectAttributes) throws(S3ServerError) -> String
    func upload(_ bucket: String, id: String, key: String) throws(S3ServerError) -> MultipartUpload
    /// Stores a part, replacing (and freeing) one of the same number.
    func putPart(_ bucket: String, id: String, key: String, part: StoredPart) throws(S3ServerError)
    /// Makes the object of the parts named; `finish` gives it its checksum from the parts chosen
    /// (under the store's lock, so the parts cannot change meanwhile). A repeated completion is
    /// answered with the object it made.
    func completeUpload(
        _ bucket: String, id: String, key: String, parts: [(number: Int, etag: String)],
        precondition: WritePrecondition?,
        finish: ([StoredPart], inout StoredObject) throws(S3ServerError) -> Void
    ) throws(S3ServerError) -> StoredObject
    func abortUpload(_ bucket: String, id: String, key: String) throws(S3ServerError)
    /// One page of the bucket's pending uploads under `prefix`, by key, then by when they began, rolled
    /// up at `delimiter`, after `keyMarker` (and, on that key, after `uploadIdMarker`).
    func listUploads(
        _ bucket: String, prefix: String, delimiter: String?, keyMarker: String?, uploadIdMarker: String?,
        maxUploads: Int
    ) throws(S3ServerError) -> UploadListResult
}

public struct BucketSummary: Sendable {
    public var name: String
    public var created: Date
    public var owner: Account
}

public struct StoreTotals: Sendable {
    public var buckets = 0
    public var objects = 0
    public var bytes: UInt64 = 0
    public var uploads = 0
}

// What tests and callers set up most often, in one call.
extension BucketStore {
    public func createBucket(_ name: String) throws(S3ServerError) {
        try createBucket(name, owner: .mock, acl: nil, configuration: BucketConfiguration())
    }
}

extension BucketConfigurationStore {
    public func setOwnership(_ bucket: String, _ ownership: ObjectOwnership) throws(S3ServerError) {
        try configure(bucket) { $0.ownershipControls = ownership }
    }
}

extension ObjectStore {
    @discardableResult
    public func put(_ bucket: String, _ object: StoredObject) throws(S3ServerError) -> StoredObject {
        try put(bucket, object, precondition: nil)
    }
    public func get(_ bucket: String, _ key: String) throws(S3ServerError) -> StoredObject {
        try get(bucket, key, versionId: nil)
    }
    /// `bytes` stored at `key` as a plain PUT by the bucket's owner would leave them (ETag the MD5,
    /// private): for tests that need data in place and are not about how it got there.
    @discardableResult
    public func put(_ bucket: String, key: String, bytes: [UInt8]) throws(S3ServerError) -> StoredObject {
        let blob = try blobs.blob(of: bytes)
        let object = StoredObject(
            key: key, blob: blob, etag: Digest.md5(bytes).hexString, lastModified: Date(), metadata: [],
            acl: .private(.mock), checksums: [:])
        do { return try put(bucket, object) } catch {
            blobs.discard(blob)
            throw error
        }
    }
    public func delete(_ bucket: String, _ key: String) throws(S3ServerError) {
        try delete(bucket, key, versionId: nil, bypassGovernance: false)
    }
}
