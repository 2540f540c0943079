import Foundation
import S3Wire

/// One version of an object: its bytes, the headers and metadata it was written with, its owner
/// and ACL, tags, checksums and Object Lock state.
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
    public var tags: [Tag] = []
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
            checksums: [:], versionId: versionId, isDeleteMarker: true)
    }
}

/// What a multipart object keeps of each part: its size and checksums (for `partNumber` reads and
/// GetObjectAttributes).
public struct PartSummary: Sendable, Codable, Equatable {
    public var size: UInt64
    public var checksums: [String: String]
}
