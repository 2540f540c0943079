import Foundation
import S3Wire

/// S3's semantics over `S3Storage`: one function per operation (in the extensions beside this
/// file, by area), each returning S3's answer or throwing S3's error.
struct S3Semantics: Sendable {
    let store: any S3Storage
    let region: String
    let extraLocationConstraints: [String]
    let defaultOwnership: ObjectOwnership
    /// The accounts grants may name.
    let accounts: AccountDirectory
    /// For what is signed inside a body (a browser upload's form).
    let authenticator: Authenticator

    /// Where an arriving body is stored while it is verified (before the operation runs).
    func makeBodyWriter(expectedSize: UInt64?) throws(S3ServerError) -> any BlobWriter {
        try store.blobs.makeWriter(expectedSize: expectedSize)
    }

    /// `caller` has passed `authorize` for the bucket; what an object allows is checked by the
    /// operation. Every operation is answered here: the switch has no default.
    func execute(_ op: APIOperation, _ r: IncomingRequest, caller: Account?, body: ReceivedBody) throws(S3ServerError)
        -> S3Response
    {
        let bucket = r.bucket ?? ""
        let key = r.key ?? ""
        switch op {
        case .listBuckets: return try listBuckets(r, caller: caller)
        case .createBucket: return try createBucket(bucket, r, caller: caller, body: body)
        case .deleteBucket: return try deleteBucket(bucket)
        case .headBucket: return try headBucket(bucket)
        case .getBucketLocation: return try getBucketLocation(bucket)
        case .getBucketVersioning: return try getBucketVersioning(bucket)
        case .putBucketVersioning: return try putBucketVersioning(bucket, body: body.bytes)
        case .preflight: return try preflight(r)
        case .postObject: return try postObject(bucket, r, body: body.bytes)
        case .putBucketCors: return try putBucketCors(bucket, body: body.bytes)
        case .getBucketCors: return try getBucketCors(bucket)
        case .deleteBucketCors: return try deleteBucketCors(bucket)
        case .putBucketTagging: return try putBucketTagging(bucket, body: body.bytes)
        case .getBucketTagging: return try getBucketTagging(bucket)
        case .deleteBucketTagging: return try deleteBucketTagging(bucket)
        case .putObjectLockConfiguration: return try putObjectLockConfiguration(bucket, body: body.bytes)
        case .getObjectLockConfiguration: return try getObjectLockConfiguration(bucket)
        case .putObjectRetention: return try putObjectRetention(bucket, key, r, body: body.bytes)
        case .getObjectRetention: return try getObjectRetention(bucket, key, r)
        case .putObjectLegalHold: return try putObjectLegalHold(bucket, key, r, body: body.bytes)
        case .getObjectLegalHold: return try getObjectLegalHold(bucket, key, r)
        case .putBucketOwnershipControls: return try putBucketOwnershipControls(bucket, body: body.bytes)
        case .getBucketOwnershipControls: return try getBucketOwnershipControls(bucket)
        case .deleteBucketOwnershipControls: return try deleteBucketOwnershipControls(bucket)
        case .getBucketAcl: return try getBucketACL(bucket)
        case .putBucketAcl: return try putBucketACL(bucket, r, body: body.bytes)
        case .putBucketPolicy: return try putBucketPolicy(bucket, body: body.bytes)
        case .getBucketPolicy: return try getBucketPolicy(bucket)
        case .deleteBucketPolicy: return try deleteBucketPolicy(bucket)
        case .getBucketPolicyStatus: return try getBucketPolicyStatus(bucket)
        case .putPublicAccessBlock: return try putPublicAccessBlock(bucket, body: body.bytes)
        case .getPublicAccessBlock: return try getPublicAccessBlock(bucket)
        case .deletePublicAccessBlock: return try deletePublicAccessBlock(bucket)
        case .listObjects: return try list(bucket, r, v2: false)
        case .listObjectsV2: return try list(bucket, r, v2: true)
        case .listMultipartUploads: return try listUploads(bucket, r)
        case .listObjectVersions: return try listVersions(bucket, r)
        case .deleteObjects: return try deleteObjects(bucket, r, body: body)
        case .getObjectAttributes: return try objectAttributes(bucket, key, r)
        case .getObject: return try getObject(bucket, key, r, head: false)
        case .headObject: return try getObject(bucket, key, r, head: true)
        case .putObject: return try putObject(bucket, key, r, caller: caller, body: body)
        case .copyObject: return try copyObject(bucket, key, r, caller: caller)
        case .deleteObject: return try deleteObject(bucket, key, r)
        case .getObjectTagging: return try getObjectTagging(bucket, key, r)
        case .putObjectTagging: return try putObjectTagging(bucket, key, r, body: body.bytes)
        case .deleteObjectTagging: return try deleteObjectTagging(bucket, key, r)
        case .getObjectAcl: return try getObjectACL(bucket, key, r)
        case .putObjectAcl: return try putObjectACL(bucket, key, r, body: body.bytes)
        case .createMultipartUpload: return try createUpload(bucket, key, r, caller: caller)
        case .uploadPart: return try uploadPart(bucket, key, r, body: body)
        case .uploadPartCopy: return try uploadPartCopy(bucket, key, r)
        case .completeMultipartUpload: return try complete(bucket, key, r, body: body)
        case .abortMultipartUpload: return try abortUpload(bucket, key, r)
        case .listParts: return try listParts(bucket, key, r)
        case .unsupported: throw .notImplemented
        }
    }

    func parseXML(_ bytes: [UInt8]) throws(S3ServerError) -> XML.Element {
        do { return try XML.parse(bytes) } catch { throw .malformedXML }
    }
}
