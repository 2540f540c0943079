/// What every request to a bucket is checked against: its owner, its ACL, its Object Ownership,
/// its policy and Block Public Access settings, and what a write must know of its Object Lock.
public struct BucketAccess: Sendable {
    public var owner: Account
    public var acl: AccessControlList
    public var ownership: ObjectOwnership
    /// nil: the bucket has no Object Lock.
    public var objectLock: ObjectLockConfiguration?
    public var policy: PolicyDocument?
    public var publicAccessBlock: PublicAccessBlock?
}
