import Foundation

/// What a write says about the object it makes (PutObject, CopyObject, CreateMultipartUpload):
/// headers, metadata, tags, owner, ACL and Object Lock state, before there are bytes.
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
    public var tags: [Tag] = []
    /// A multipart upload's `x-amz-checksum-algorithm` and `x-amz-checksum-type`.
    public var checksumAlgorithm: String?
    public var checksumType: String?
}
