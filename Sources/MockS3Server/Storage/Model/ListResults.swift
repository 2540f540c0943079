/// One page of ListObjects: current versions and common prefixes, in key order.
public struct ListResult: Sendable {
    public var objects: [StoredObject] = []
    public var commonPrefixes: [String] = []
    public var isTruncated = false
    /// The last key or common prefix returned, for the next page's marker.
    public var lastReturned: String?
}

/// One page of ListObjectVersions: every version of each key, newest first.
public struct VersionListResult: Sendable {
    public var versions: [(object: StoredObject, isLatest: Bool)] = []
    public var commonPrefixes: [String] = []
    public var isTruncated = false
    public var nextKeyMarker: String?
    public var nextVersionIdMarker: String?
}

/// One page of ListMultipartUploads: uploads by key, then by when they began, and common prefixes.
public struct UploadListResult: Sendable {
    public var uploads: [MultipartUpload] = []
    public var commonPrefixes: [String] = []
    public var isTruncated = false
    public var nextKeyMarker: String?
    public var nextUploadIdMarker: String?
}

/// What a DELETE did: the version it removed or the delete marker it left.
public struct DeleteOutcome: Sendable {
    public var versionId: String?
    public var deleteMarker: Bool
}
