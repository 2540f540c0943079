/// A conditional write's terms, checked against the key's current object under the store's lock,
/// so two conditional writers cannot both win: `If-None-Match: *` (only if there is none) and
/// `If-Match: ETag` (only if it is that one).
public struct WritePrecondition: Sendable {
    public var ifNoneMatch = false
    public var ifMatch: String?

    public init(ifNoneMatch: Bool = false, ifMatch: String? = nil) {
        self.ifNoneMatch = ifNoneMatch
        self.ifMatch = ifMatch
    }

    func check(_ current: StoredObject?, key: String) throws(S3ServerError) {
        if ifNoneMatch && current != nil { throw .preconditionFailed }
        if let ifMatch {
            guard let current else { throw .noSuchKey(key) }
            if ifMatch != "*" && ifMatch != current.etag { throw .preconditionFailed }
        }
    }
}
