/// One S3 request of a generated sequence, named symbolically: buckets, keys, versions and uploads by
/// index, so the same step means the same thing on every server (each maps indexes to its own ids).
public enum Step: Sendable, Equatable {
    case createBucket(Int, location: String?)
    case deleteBucket(Int)
    case headBucket(Int)
    case putVersioning(Int, enabled: Bool)
    case putObject(Int, key: Int, body: Body, metadata: [Pair], contentType: String?, ifNoneMatch: Bool)
    case getObject(Int, key: Int, range: String?, condition: Condition?, version: Int?)
    case headObject(Int, key: Int, condition: Condition?, version: Int?)
    case copyObject(Int, from: Int, to: Int, replacing: [Pair]?)
    case deleteObject(Int, key: Int, version: Int?)
    case deleteObjects(Int, keys: [Int], quiet: Bool)
    case listV1(Int, Listing)
    case listV2(Int, Listing, continueLast: Bool)
    case listVersions(Int, prefix: String?, maxKeys: Int?)
    case createUpload(Int, key: Int)
    case uploadPart(upload: Int, part: Int, size: Int)
    case listParts(upload: Int)
    case listUploads(Int, prefix: String?)
    case completeUpload(upload: Int, Completion)
    case abortUpload(upload: Int)
    case putTagging(Int, key: Int, tags: [Pair])
    case getTagging(Int, key: Int)
    case deleteTagging(Int, key: Int)
    case putACL(Int, key: Int, canned: String)
    case getACL(Int, key: Int)

    public struct Pair: Sendable, Equatable {
        public var name: String
        public var value: String
    }

    /// A body of `size` bytes drawn from `seed`.
    public struct Body: Sendable, Equatable {
        public var size: Int
        public var seed: UInt64
    }

    public struct Listing: Sendable, Equatable {
        public var prefix: String?
        public var delimiter: String?
        public var maxKeys: Int?
        /// ListObjects' marker or ListObjectsV2's start-after: a key of the pool.
        public var after: Int?
        public var urlEncoding: Bool
    }

    public enum Condition: Sendable, Equatable {
        /// The ETag of the last PUT of this key on that server, or a made-up one.
        case ifMatch(current: Bool)
        case ifNoneMatch(current: Bool)
        case ifModifiedSince(hoursFromNow: Int)
        case ifUnmodifiedSince(hoursFromNow: Int)
    }

    /// Which parts a CompleteMultipartUpload names.
    public enum Completion: Sendable, Equatable {
        case asUploaded, wrongETag, reversed, missingPart, noParts
    }

    /// What S3 calls this request.
    public var operation: String {
        switch self {
        case .createBucket: "CreateBucket"
        case .deleteBucket: "DeleteBucket"
        case .headBucket: "HeadBucket"
        case .putVersioning: "PutBucketVersioning"
        case .putObject: "PutObject"
        case .getObject: "GetObject"
        case .headObject: "HeadObject"
        case .copyObject: "CopyObject"
        case .deleteObject: "DeleteObject"
        case .deleteObjects: "DeleteObjects"
        case .listV1: "ListObjects"
        case .listV2: "ListObjectsV2"
        case .listVersions: "ListObjectVersions"
        case .createUpload: "CreateMultipartUpload"
        case .uploadPart: "UploadPart"
        case .listParts: "ListParts"
        case .listUploads: "ListMultipartUploads"
        case .completeUpload: "CompleteMultipartUpload"
        case .abortUpload: "AbortMultipartUpload"
        case .putTagging: "PutObjectTagging"
        case .getTagging: "GetObjectTagging"
        case .deleteTagging: "DeleteObjectTagging"
        case .putACL: "PutObjectAcl"
        case .getACL: "GetObjectAcl"
        }
    }
}
