import S3Wire

/// The S3 API calls the server answers, named as S3 names them (and as the journal records them).
/// Each has one `definition`: how a request names it, the query parameters it understands, and
/// who may call it. Adding a case fails to compile until it has a definition and `S3Semantics.execute`
/// answers it.
enum APIOperation: String, Sendable, CaseIterable {
    case listBuckets = "ListBuckets"
    case createBucket = "CreateBucket"
    case deleteBucket = "DeleteBucket"
    case headBucket = "HeadBucket"
    case getBucketLocation = "GetBucketLocation"
    case getBucketVersioning = "GetBucketVersioning"
    case putBucketVersioning = "PutBucketVersioning"
    case putBucketCors = "PutBucketCors"
    case getBucketCors = "GetBucketCors"
    case deleteBucketCors = "DeleteBucketCors"
    case putBucketTagging = "PutBucketTagging"
    case getBucketTagging = "GetBucketTagging"
    case deleteBucketTagging = "DeleteBucketTagging"
    /// A CORS preflight (OPTIONS): answered from the bucket's CORS rules, never authenticated.
    case preflight = "PreflightRequest"
    case putObjectLockConfiguration = "PutObjectLockConfiguration"
    case getObjectLockConfiguration = "GetObjectLockConfiguration"
    case putObjectRetention = "PutObjectRetention"
    case getObjectRetention = "GetObjectRetention"
    case putObjectLegalHold = "PutObjectLegalHold"
    case getObjectLegalHold = "GetObjectLegalHold"
    case putBucketOwnershipControls = "PutBucketOwnershipControls"
    case getBucketOwnershipControls = "GetBucketOwnershipControls"
    case deleteBucketOwnershipControls = "DeleteBucketOwnershipControls"
    case getBucketAcl = "GetBucketAcl"
    case putBucketAcl = "PutBucketAcl"
    case putBucketPolicy = "PutBucketPolicy"
    case getBucketPolicy = "GetBucketPolicy"
    case deleteBucketPolicy = "DeleteBucketPolicy"
    case getBucketPolicyStatus = "GetBucketPolicyStatus"
    case putPublicAccessBlock = "PutPublicAccessBlock"
    case getPublicAccessBlock = "GetPublicAccessBlock"
    case deletePublicAccessBlock = "DeletePublicAccessBlock"
    case listObjects = "ListObjects"
    case listObjectsV2 = "ListObjectsV2"
    case listMultipartUploads = "ListMultipartUploads"
    case listObjectVersions = "ListObjectVersions"
    case deleteObjects = "DeleteObjects"
    case getObject = "GetObject"
    case headObject = "HeadObject"
    case putObject = "PutObject"
    /// A browser upload: a form with the object, signed over a policy its fields must meet.
    case postObject = "PostObject"
    case copyObject = "CopyObject"
    case deleteObject = "DeleteObject"
    case getObjectAttributes = "GetObjectAttributes"
    case getObjectAcl = "GetObjectAcl"
    case putObjectAcl = "PutObjectAcl"
    case getObjectTagging = "GetObjectTagging"
    case putObjectTagging = "PutObjectTagging"
    case deleteObjectTagging = "DeleteObjectTagging"
    case createMultipartUpload = "CreateMultipartUpload"
    case uploadPart = "UploadPart"
    case uploadPartCopy = "UploadPartCopy"
    case completeMultipartUpload = "CompleteMultipartUpload"
    case abortMultipartUpload = "AbortMultipartUpload"
    case listParts = "ListParts"
    /// Anything else: answered 501 NotImplemented, never as another operation.
    case unsupported = "Unsupported"

    /// What a request to an operation looks like, and who may make it.
    struct Definition: Sendable {
        var method: RequestMethod
        var target: Target
        /// The query parameters of which one names the operation (`?versioning`); empty for the
        /// plain operation of that method and target.
        var subresources: Set<String> = []
        /// What else tells it apart from another operation of the same method, target and sub-resource.
        var marker: Marker?
        /// The query parameters it understands besides its sub-resource and authentication's own;
        /// nil for any.
        var parameters: Set<String>? = []
        var access: Access

        init(
            _ method: RequestMethod, _ target: Target, _ subresources: Set<String> = [], marker: Marker? = nil,
            parameters: Set<String>? = [], access: Access
        ) {
            self.method = method
            self.target = target
            self.subresources = subresources
            self.marker = marker
            self.parameters = parameters
            self.access = access
        }
    }

    enum Target: Sendable { case service, bucket, object, bucketOrObject }

    enum Marker: Sendable {
        /// A query parameter with this value (`list-type=2`).
        case query(String, String)
        /// A header that is present (`x-amz-copy-source`).
        case header(String)
        /// A `multipart/form-data` body: a browser upload's form.
        case form
    }

    /// Who may call an operation, checked before its body is read (`S3Semantics.authorize`).
    enum Access: Sendable, Equatable {
        /// Nothing to check here: a preflight carries no credentials, and an unsupported call is refused anyway.
        case anyone
        /// Signed inside the body (a browser upload's form): checked once the form is read.
        case signedForm
        /// Any signed caller.
        case signedIn
        /// This permission on the bucket, by its ACL.
        case bucket(Permission)
        /// The object's ACL decides, once it is read (with its bucket's access, under one lock).
        case object
        /// The bucket's owner alone (its configuration).
        case bucketOwner
    }

    var definition: Definition {
        let listing: Set<String> = ["prefix", "delimiter", "max-keys", "encoding-type"]
        let overrides: Set<String> = [
            "response-content-type", "response-content-language", "response-expires", "response-cache-control",
            "response-content-disposition", "response-content-encoding",
        ]
        return switch self {
        case .listBuckets:
            Definition(.get, .service, parameters: ["max-buckets", "continuation-token", "prefix"], access: .signedIn)
        case .createBucket: Definition(.put, .bucket, access: .signedIn)
        case .deleteBucket: Definition(.delete, .bucket, access: .bucketOwner)
        case .headBucket: Definition(.head, .bucket, access: .bucket(.read))
        case .getBucketLocation: Definition(.get, .bucket, ["location"], access: .bucketOwner)
        case .getBucketVersioning: Definition(.get, .bucket, ["versioning"], access: .bucketOwner)
        case .putBucketVersioning: Definition(.put, .bucket, ["versioning"], access: .bucketOwner)
        case .putBucketCors: Definition(.put, .bucket, ["cors"], access: .bucketOwner)
        case .getBucketCors: Definition(.get, .bucket, ["cors"], access: .bucketOwner)
        case .deleteBucketCors: Definition(.delete, .bucket, ["cors"], access: .bucketOwner)
        case .putBucketTagging: Definition(.put, .bucket, ["tagging"], access: .bucketOwner)
        case .getBucketTagging: Definition(.get, .bucket, ["tagging"], access: .bucketOwner)
        case .deleteBucketTagging: Definition(.delete, .bucket, ["tagging"], access: .bucketOwner)
        // A preflight's query is the URL it asks about (a presigned one carries its signature).
        case .preflight: Definition(.options, .bucketOrObject, parameters: nil, access: .anyone)
        case .putObjectLockConfiguration: Definition(.put, .bucket, ["object-lock"], access: .bucketOwner)
        case .getObjectLockConfiguration: Definition(.get, .bucket, ["object-lock"], access: .bucketOwner)
        case .putObjectRetention:
            Definition(.put, .object, ["retention"], parameters: ["versionId"], access: .bucket(.write))
        case .getObjectRetention: Definition(.get, .object, ["retention"], parameters: ["versionId"], access: .object)
        case .putObjectLegalHold:
            Definition(.put, .object, ["legal-hold"], parameters: ["versionId"], access: .bucket(.write))
        case .getObjectLegalHold: Definition(.get, .object, ["legal-hold"], parameters: ["versionId"], access: .object)
        case .putBucketOwnershipControls: Definition(.put, .bucket, ["ownershipControls"], access: .bucketOwner)
        case .getBucketOwnershipControls: Definition(.get, .bucket, ["ownershipControls"], access: .bucketOwner)
        case .deleteBucketOwnershipControls: Definition(.delete, .bucket, ["ownershipControls"], access: .bucketOwner)
        case .getBucketAcl: Definition(.get, .bucket, ["acl"], access: .bucket(.readACP))
        case .putBucketAcl: Definition(.put, .bucket, ["acl"], access: .bucket(.writeACP))
        case .putBucketPolicy: Definition(.put, .bucket, ["policy"], access: .bucketOwner)
        case .getBucketPolicy: Definition(.get, .bucket, ["policy"], access: .bucketOwner)
        case .deleteBucketPolicy: Definition(.delete, .bucket, ["policy"], access: .bucketOwner)
        case .getBucketPolicyStatus: Definition(.get, .bucket, ["policyStatus"], access: .bucketOwner)
        case .putPublicAccessBlock: Definition(.put, .bucket, ["publicAccessBlock"], access: .bucketOwner)
        case .getPublicAccessBlock: Definition(.get, .bucket, ["publicAccessBlock"], access: .bucketOwner)
        case .deletePublicAccessBlock: Definition(.delete, .bucket, ["publicAccessBlock"], access: .bucketOwner)
        case .listObjects: Definition(.get, .bucket, parameters: listing.union(["marker"]), access: .bucket(.read))
        case .listObjectsV2:
            Definition(
                .get, .bucket, marker: .query("list-type", "2"),
                parameters: listing.union(["list-type", "continuation-token", "start-after", "fetch-owner"]),
                access: .bucket(.read))
        // A page of uploads: prefix, delimiter, max-uploads, markers, url encoding.
        case .listMultipartUploads:
            Definition(
                .get, .bucket, ["uploads"],
                parameters: ["prefix", "delimiter", "max-uploads", "encoding-type", "key-marker", "upload-id-marker"],
                access: .bucket(.read))
        case .listObjectVersions:
            Definition(
                .get, .bucket, ["versions"], parameters: listing.union(["key-marker", "version-id-marker"]),
                access: .bucket(.read))
        case .deleteObjects: Definition(.post, .bucket, ["delete"], access: .bucket(.write))
        case .getObject:
            Definition(.get, .object, parameters: overrides.union(["versionId", "partNumber"]), access: .object)
        case .headObject: Definition(.head, .object, parameters: ["versionId", "partNumber"], access: .object)
        case .putObject: Definition(.put, .object, access: .bucket(.write))
        case .postObject: Definition(.post, .bucket, marker: .form, access: .signedForm)
        case .copyObject: Definition(.put, .object, marker: .header("x-amz-copy-source"), access: .bucket(.write))
        case .deleteObject: Definition(.delete, .object, parameters: ["versionId"], access: .bucket(.write))
        case .getObjectAttributes: Definition(.get, .object, ["attributes"], parameters: ["versionId"], access: .object)
        case .getObjectAcl: Definition(.get, .object, ["acl"], parameters: ["versionId"], access: .object)
        case .putObjectAcl: Definition(.put, .object, ["acl"], parameters: ["versionId"], access: .object)
        case .getObjectTagging: Definition(.get, .object, ["tagging"], parameters: ["versionId"], access: .object)
        case .putObjectTagging:
            Definition(.put, .object, ["tagging"], parameters: ["versionId"], access: .bucket(.write))
        case .deleteObjectTagging:
            Definition(.delete, .object, ["tagging"], parameters: ["versionId"], access: .bucket(.write))
        case .createMultipartUpload: Definition(.post, .object, ["uploads"], access: .bucket(.write))
        case .uploadPart:
            Definition(
                .put, .object, ["partNumber", "uploadId"], parameters: ["partNumber", "uploadId"],
                access: .bucket(.write))
        case .uploadPartCopy:
            Definition(
                .put, .object, ["partNumber", "uploadId"], marker: .header("x-amz-copy-source"),
                parameters: ["partNumber", "uploadId"], access: .bucket(.write))
        case .completeMultipartUpload: Definition(.post, .object, ["uploadId"], access: .bucket(.write))
        case .abortMultipartUpload: Definition(.delete, .object, ["uploadId"], access: .bucket(.write))
        case .listParts: Definition(.get, .object, ["uploadId"], access: .bucket(.read))
        case .unsupported: Definition(.get, .service, parameters: nil, access: .anyone)
        }
    }

    /// Bodies that go to storage as they arrive.
    var streamsBodyToStorage: Bool { self == .putObject || self == .uploadPart }

    /// Bodies read whole (XML, or a browser upload's form), with this many bytes at most.
    var smallBodyLimit: Int {
        switch self {
        case .deleteObjects: 2 << 20
        case .postObject: 64 << 20
        default: 256 << 10
        }
    }

    /// What a body past `smallBodyLimit` is answered.
    var tooLargeBody: S3ServerError { self == .postObject ? .formTooLarge : .malformedXML }

    var isList: Bool {
        self == .listObjects || self == .listObjectsV2 || self == .listMultipartUploads || self == .listObjectVersions
    }
}
