import Foundation

/// A multipart upload in progress: the attributes its object will have, and the parts so far.
public struct MultipartUpload: Sendable {
    public var id: String
    public var key: String
    public var initiated: Date
    public var attributes: ObjectAttributes
    public var parts: [Int: StoredPart] = [:]
}

/// One uploaded part, kept until the upload is completed or aborted.
public struct StoredPart: Sendable {
    public var number: Int
    public var blob: Blob
    public var etag: String
    public var lastModified: Date
    public var checksums: [String: String] = [:]
}
