import Foundation
import S3Wire

/// Copies: CopyObject, and the source both it and UploadPartCopy read (bytes always copied).
extension S3Semantics {
    /// The object `x-amz-copy-source` names (`/bucket/key`, optionally `?versionId=`), once the
    /// caller may read it and its conditions hold.
    func copySource(_ r: IncomingRequest) throws(S3ServerError) -> (
        bucket: String, key: String, version: String?, object: StoredObject
    ) {
        var source = r.headers.first(name: "x-amz-copy-source") ?? ""
        var sourceVersion: String?
        if let q = source.firstIndex(of: "?") {
            let query = source[source.index(after: q)...]
            guard query.hasPrefix("versionId=") else {
                throw .invalidArgument(
                    "The copy source may carry only ?versionId=", name: "x-amz-copy-source", value: source)
            }
            sourceVersion = URIEncoding.decode(String(query.dropFirst("versionId=".count)))
            source = String(source[..<q])
        }
        guard let decoded = URIEncoding.decode(source) else {
            throw .invalidArgument("Invalid copy source encoding", name: "x-amz-copy-source")
        }
        let trimmed = decoded.hasPrefix("/") ? String(decoded.dropFirst()) : decoded
        guard let slash = trimmed.firstIndex(of: "/") else {
            throw .invalidArgument(
                "Copy Source must mention the source bucket and key: sourcebucket/sourcekey", name: "x-amz-copy-source")
        }
        let sourceBucket = String(trimmed[..<slash])
        let sourceKey = String(trimmed[trimmed.index(after: slash)...])
        let sourceAccess = try store.bucketAccess(sourceBucket)
        let sourceObject: StoredObject
        do { sourceObject = try store.get(sourceBucket, sourceKey, versionId: sourceVersion) } catch
            where error.code == "NoSuchKey"
        {
            // x-amz-delete-marker describes the object a request names, not its copy source (CopyObject's
            // answer has no such header).
            throw .noSuchKey(sourceKey)
        }
        let read = sourceVersion == nil ? "s3:getobject" : "s3:getobjectversion"
        guard permits(r, read, "arn:aws:s3:::\(sourceBucket)/\(sourceKey)", .object(sourceObject, .read), sourceAccess)
        else { throw .accessDenied }
        try checkConditions(r, sourceObject, copySource: true)
        return (sourceBucket, sourceKey, sourceVersion, sourceObject)
    }

    func copyObject(_ bucket: String, _ key: String, _ r: IncomingRequest, caller: Account?) throws(S3ServerError)
        -> S3Response
    {
        let (sourceBucket, sourceKey, sourceVersion, sourceObject) = try copySource(r)
        let replace = r.headers.first(name: "x-amz-metadata-directive") == "REPLACE"
        if sourceBucket == bucket && sourceKey == key && sourceVersion == nil && !replace
            && r.headers.first(name: "x-amz-tagging-directive") != "REPLACE"
        {
            throw .invalidRequest(
                "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes."
            )
        }
        let attributes = try attributes(r, bucket: bucket, caller: caller)
        let object = StoredObject(
            key: key, blob: try copyBytes(sourceObject.blob, 0..<sourceObject.size).blob, etag: sourceObject.etag,
            lastModified: Date(),
            contentType: replace ? attributes.contentType : sourceObject.contentType,
            contentEncoding: replace ? attributes.contentEncoding : sourceObject.contentEncoding,
            metadata: replace ? attributes.metadata : sourceObject.metadata,
            acl: attributes.acl, checksums: sourceObject.checksums,
            standardHeaders: replace ? attributes.standardHeaders : sourceObject.standardHeaders,
            tags: r.headers.first(name: "x-amz-tagging-directive") == "REPLACE" ? attributes.tags : sourceObject.tags,
            owner: attributes.owner, retention: attributes.retention, legalHold: attributes.legalHold)
        let stored = try store.put(bucket, object)
        var response = S3Response.xml(Self.copyResult(object.lastModified, etag: object.etag)).with(versionOf: stored)
        if sourceObject.versionId != "null" {
            response.headers.append(("x-amz-copy-source-version-id", sourceObject.versionId))
        }
        return response
    }

    /// A copy of `range` of a blob, and its MD5. The bytes are copied: objects never share a file,
    /// so deleting one cannot hurt the other.
    func copyBytes(_ blob: Blob, _ range: Range<UInt64>) throws(S3ServerError) -> (blob: Blob, md5: [UInt8]) {
        let writer = try store.blobs.makeWriter(expectedSize: UInt64(range.count))
        let md5 = Digest(.md5)
        do {
            // 8 MiB at a time, so copying a large object never holds it whole in memory.
            for start in stride(from: range.lowerBound, to: range.upperBound, by: 8 << 20) {
                for slice in blob.slices(start..<min(start + (8 << 20), range.upperBound)) {
                    let bytes = try slice.load()
                    bytes.withUnsafeReadableBytes { md5.update($0) }
                    try writer.write(bytes)
                }
            }
            return (try writer.finish(), md5.finalize())
        } catch {
            writer.abandon()
            throw error
        }
    }

    /// `CopyObjectResult` or `CopyPartResult`: when the copy was made and its ETag.
    static func copyResult(_ lastModified: Date, etag: String, root: String = "CopyObjectResult") -> String {
        var document = XMLWriter(root: root)
        document.element("LastModified", UTCDate(lastModified).s3Timestamp)
        document.element("ETag", "\"\(etag)\"")
        return document.finish()
    }
}
