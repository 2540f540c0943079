/// What a bucket is set to besides its objects and its ACL, each part as its sub-resource sets it
/// (`?ownershipControls`, `?versioning`, `?object-lock`, `?cors`, `?tagging`, `?policy`,
/// `?publicAccessBlock`, CreateBucket's location).
public struct BucketConfiguration: Sendable, Codable, Equatable {
    /// The Object Ownership controls; nil once DeleteBucketOwnershipControls removed them, which
    /// leaves ACLs on as under ObjectWriter and nothing for GetBucketOwnershipControls to show.
    public var ownershipControls: ObjectOwnership? = .bucketOwnerEnforced
    public var versioning = Versioning.unversioned
    /// Only buckets created with Object Lock, or given it once versioned, have one.
    public var objectLock: ObjectLockConfiguration?
    public var cors: [CORSRule]?
    public var tags: [Tag]?
    public var policy: PolicyDocument?
    /// nil: none set (GetPublicAccessBlock answers NoSuchPublicAccessBlockConfiguration).
    public var publicAccessBlock: PublicAccessBlock?
    /// The location constraint the bucket was created with, when it is not the region's own.
    public var location: String?

    /// The Object Ownership in force.
    public var ownership: ObjectOwnership { ownershipControls ?? .objectWriter }

    public init(ownership: ObjectOwnership = .bucketOwnerEnforced) { ownershipControls = ownership }

    /// A new bucket as S3 makes it: since April 2023 with ACLs disabled and every public access
    /// blocked; a server set to make buckets with ACLs on (`ObjectWriter`, S3's old default)
    /// makes them as S3 did then, with no block.
    public static func new(ownership: ObjectOwnership) -> BucketConfiguration {
        var configuration = BucketConfiguration(ownership: ownership)
        if ownership == .bucketOwnerEnforced { configuration.publicAccessBlock = .all }
        return configuration
    }
}

/// S3's Object Ownership setting; `bucketOwnerEnforced` disables ACLs.
public enum ObjectOwnership: String, Sendable, Codable {
    case bucketOwnerEnforced = "BucketOwnerEnforced"
    case bucketOwnerPreferred = "BucketOwnerPreferred"
    case objectWriter = "ObjectWriter"
}

/// A bucket's versioning state. Once enabled, a bucket can be suspended but never unversioned again.
public enum Versioning: String, Sendable, Codable {
    case unversioned = ""
    case enabled = "Enabled"
    case suspended = "Suspended"
}
