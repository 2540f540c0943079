import Foundation
import NIOCore
import S3Wire

/// An answer before it is written: status, headers, and a body from memory or from storage.
struct S3Response {
    var status: Int
    var headers: [(String, String)] = []
    var body: Body = .empty

    enum Body {
        case empty
        case bytes(ByteBuffer)
        /// `range` of a stored blob; for HEAD only its length is announced.
        case blob(Blob, Range<UInt64>)
    }

    static func xml(_ text: String, status: Int = 200) -> S3Response {
        S3Response(
            status: status, headers: [("Content-Type", "application/xml")], body: .bytes(ByteBuffer(string: text)))
    }

    /// With `x-amz-version-id` when the object has a version of its own (not `null`).
    func with(versionOf object: StoredObject) -> S3Response {
        guard object.versionId != "null" else { return self }
        var copy = self
        copy.headers.append(("x-amz-version-id", object.versionId))
        return copy
    }
}

/// What arrived as the request body, already verified.
enum ReceivedBody {
    case none
    case stored(Blob, BodyVerifier.Result)
    case small([UInt8], BodyVerifier.Result)

    var bytes: [UInt8] {
        if case .small(let b, _) = self { return b }
        return []
    }
}

/// S3's semantics over an `ObjectStore`: one function per operation, each returning S3's answer
/// or throwing S3's error.
struct S3Service: Sendable {
    let store: any ObjectStore
    let region: String
    let extraLocationConstraints: [String]
    let defaultOwnership: ObjectOwnership
    /// The accounts grants may name.
    let accounts: AccountDirectory
    /// For what is signed inside a body (a browser upload's form).
    let authenticator: Authenticator
    static let xmlns = "http://s3.amazonaws.com/doc/2006-03-01/"

    /// Where an arriving body is stored while it is verified (before the operation runs).
    func makeBodyWriter(expectedSize: UInt64?) throws(S3ServerError) -> any BlobWriter {
        try store.blobs.makeWriter(expectedSize: expectedSize)
    }

    /// `caller` has passed `authorize` for the bucket; what an object allows is checked here.
    func execute(_ op: Operation, _ r: IncomingRequest, caller: Account?, body: ReceivedBody) throws(S3ServerError)
        -> S3Response
    {
        let bucket = r.bucket ?? ""
        let key = r.key ?? ""
        switch op {
        case .listBuckets: return try listBuckets(r, caller: caller)
        case .createBucket: return try createBucket(bucket, r, caller: caller, body: body)
        case .deleteBucket:
            try store.deleteBucket(bucket)
            return S3Response(status: 204)
        case .headBucket:
            guard store.bucketExists(bucket) else { throw .noSuchBucket(bucket) }
            return S3Response(status: 200, headers: [("x-amz-bucket-region", region)])
        case .getBucketLocation:
            let constraint = try store.configuration(bucket, "location") ?? (region == "us-east-1" ? "" : region)
            return .xml(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<LocationConstraint xmlns=\"\(Self.xmlns)\">\(XML.escape(constraint))</LocationConstraint>"
            )
        case .getBucketVersioning:
            let state = try store.versioning(bucket)
            let status = state == .unversioned ? "" : "<Status>\(state.rawValue)</Status>"
            return .xml(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<VersioningConfiguration xmlns=\"\(Self.xmlns)\">\(status)</VersioningConfiguration>"
            )
        case .putBucketVersioning:
            let root = try parseXML(body.bytes)
            guard root.name == "VersioningConfiguration", let status = root.value("Status"),
                let state = Versioning(rawValue: status), state != .unversioned
            else { throw .malformedXML }
            if root.value("MfaDelete") == "Enabled" {
                throw .init(
                    "NotImplemented", 501,
                    "MFA delete is not implemented by this server: leave MfaDelete out or Disabled.")
            }
            if state == .suspended, try store.objectLock(bucket) != nil {
                throw .invalidBucketState(
                    "An Object Lock configuration is present on this bucket, so the versioning state cannot be changed."
                )
            }
            try store.setVersioning(bucket, state)
            return S3Response(status: 200)
        case .preflight: return try preflight(r)
        case .postObject: return try postObject(bucket, r, body: body.bytes)
        case .putBucketCors: return try putBucketCors(bucket, body: body.bytes)
        case .getBucketCors:
            return try storedConfiguration(
                bucket, "cors",
                missing: .init(
                    "NoSuchCORSConfiguration", 404, "The CORS configuration does not exist",
                    extra: [("BucketName", bucket)]))
        case .deleteBucketCors: return try deleteConfiguration(bucket, "cors")
        case .putBucketTagging:
            let tags = try parseTagging(body.bytes, limit: 50)
            try store.setConfiguration(bucket, "tagging", tagsXML(tags))
            return S3Response(status: 204)
        case .getBucketTagging:
            return try storedConfiguration(
                bucket, "tagging",
                missing: .init(
                    "NoSuchTagSet", 404, "The TagSet does not exist",
                    extra: [("BucketName", bucket)]))
        case .deleteBucketTagging: return try deleteConfiguration(bucket, "tagging")
        case .putObjectLockConfiguration: return try putObjectLockConfiguration(bucket, body: body.bytes)
        case .getObjectLockConfiguration: return try getObjectLockConfiguration(bucket)
        case .putObjectRetention: return try putObjectRetention(bucket, key, r, body: body.bytes)
        case .getObjectRetention: return try getObjectRetention(bucket, key, r, caller: caller)
        case .putObjectLegalHold: return try putObjectLegalHold(bucket, key, r, body: body.bytes)
        case .getObjectLegalHold: return try getObjectLegalHold(bucket, key, r, caller: caller)
        case .putBucketOwnershipControls:
            let root = try parseXML(body.bytes)
            guard let value = root.child("Rule")?.value("ObjectOwnership"),
                let ownership = ObjectOwnership(rawValue: value)
            else {
                throw .malformedXML
            }
            let access = try store.bucketAccess(bucket)
            if ownership == .bucketOwnerEnforced && access.acl != .private(access.owner) {
                throw .invalidBucketAclWithObjectOwnership
            }
            try store.setOwnership(bucket, ownership)
            try store.setConfiguration(bucket, "ownershipControls", nil)
            return S3Response(status: 200)
        case .getBucketOwnershipControls:
            let ownership = try store.ownership(bucket)
            // Deleted controls leave ACLs on (ObjectWriter), and no controls to read.
            if try store.configuration(bucket, "ownershipControls") == "deleted" {
                throw .init(
                    "OwnershipControlsNotFoundError", 404, "The bucket ownership controls were not found",
                    extra: [("BucketName", bucket)])
            }
            return .xml(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<OwnershipControls xmlns=\"\(Self.xmlns)\"><Rule><ObjectOwnership>\(ownership.rawValue)</ObjectOwnership></Rule></OwnershipControls>"
            )
        case .deleteBucketOwnershipControls:
            try store.setOwnership(bucket, .objectWriter)
            try store.setConfiguration(bucket, "ownershipControls", "deleted")
            return S3Response(status: 204)
        case .getBucketAcl:
            let access = try store.bucketAccess(bucket)
            return .xml(access.acl.xml(owner: access.owner))
        case .putBucketAcl: return try putBucketACL(bucket, r, body: body.bytes)
        case .listObjectsV2, .listObjects: return try list(bucket, r, v2: op == .listObjectsV2)
        case .listMultipartUploads: return try listUploads(bucket, r)
        case .listObjectVersions: return try listVersions(bucket, r)
        case .deleteObjects: return try deleteObjects(bucket, r, body: body)
        case .getObjectAttributes: return try objectAttributes(bucket, key, r, caller: caller)
        case .getObject, .headObject: return try getObject(bucket, key, r, caller: caller, head: op == .headObject)
        case .putObject: return try putObject(bucket, key, r, caller: caller, body: body)
        case .copyObject: return try copyObject(bucket, key, r, caller: caller)
        case .deleteObject:
            let outcome = try store.delete(
                bucket, key, versionId: r.queryValue("versionId"), bypassGovernance: bypassesGovernance(r))
            var headers: [(String, String)] = []
            if outcome.deleteMarker { headers.append(("x-amz-delete-marker", "true")) }
            if let id = outcome.versionId, id != "null" || outcome.deleteMarker || r.queryValue("versionId") != nil {
                headers.append(("x-amz-version-id", id))
            }
            return S3Response(status: 204, headers: headers)
        case .getObjectTagging:
            let (object, _) = try authorizedObject(bucket, key, r, .read, caller: caller)
            return S3Response.xml(tagsXML(object.tags)).with(versionOf: object)
        case .putObjectTagging:
            try store.setTags(bucket, key, versionId: r.queryValue("versionId"), try parseTagging(body.bytes))
            return S3Response(status: 200)
        case .deleteObjectTagging:
            try store.setTags(bucket, key, versionId: r.queryValue("versionId"), [])
            return S3Response(status: 204)
        case .getObjectAcl:
            let (object, _) = try authorizedObject(bucket, key, r, .readACP, caller: caller)
            return S3Response.xml(object.acl.xml(owner: object.owner)).with(versionOf: object)
        case .putObjectAcl: return try putObjectACL(bucket, key, r, caller: caller, body: body.bytes)
        case .createMultipartUpload: return try createUpload(bucket, key, r, caller: caller)
        case .uploadPart: return try uploadPart(bucket, key, r, body: body)
        case .uploadPartCopy: return try uploadPartCopy(bucket, key, r, caller: caller)
        case .completeMultipartUpload: return try complete(bucket, key, r, body: body)
        case .abortMultipartUpload:
            try store.abortUpload(bucket, id: r.queryValue("uploadId") ?? "", key: key)
            return S3Response(status: 204)
        case .listParts: return try listParts(bucket, key, r)
        case .unsupported: throw .notImplemented
        }
    }

    // MARK: helpers

    /// A bucket configuration kept as sent, or `missing` when there is none.
    func storedConfiguration(_ bucket: String, _ name: String, missing: S3ServerError) throws(S3ServerError)
        -> S3Response
    {
        guard let document = try store.configuration(bucket, name) else { throw missing }
        return .xml(document)
    }

    func deleteConfiguration(_ bucket: String, _ name: String) throws(S3ServerError) -> S3Response {
        try store.setConfiguration(bucket, name, nil)
        return S3Response(status: 204)
    }

    func parseXML(_ bytes: [UInt8]) throws(S3ServerError) -> XMLElement {
        do { return try XML.parse(bytes) } catch { throw .malformedXML }
    }

}

extension BlobSlice {
    /// The slice's bytes in memory (for copies, which are small in tests).
    func load() throws(S3ServerError) -> ByteBuffer {
        switch self {
        case .memory(let buffer): return buffer
        case .file(let path, let range):
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw .internalError }
            defer { close(fd) }
            var buffer = ByteBufferAllocator().buffer(capacity: Int(range.count))
            let n = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: Int(range.count)) { raw in
                max(0, pread(fd, raw.baseAddress, Int(range.count), off_t(range.lowerBound)))
            }
            guard n == Int(range.count) else { throw .internalError }
            return buffer
        }
    }
}
