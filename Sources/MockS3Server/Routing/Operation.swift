import Foundation

/// The S3 API calls the server answers, named as S3 names them (and as the journal records them).
enum Operation: String, Sendable, CaseIterable {
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
    case unsupported = "Unsupported"

    /// What the request is, from its method, bucket, key and sub-resources. A request is routed to an
    /// operation only when every query parameter it carries is one that operation understands (or
    /// authentication's own): anything else names a sub-resource or option the mock does not
    /// implement (`?tagging`, `?retention`, `partNumber` on a GET, ...), and serving it as the plain
    /// operation would be silently wrong (a DeleteObjectTagging would delete the object), so it is
    /// `unsupported`, answered 501 NotImplemented.
    static func classify(_ r: IncomingRequest) -> Operation {
        let operation = route(r)
        guard !r.query.isEmpty else { return operation }  // nothing to check
        guard let understood = operation.parameters else { return operation }
        return r.query.allSatisfy { understood.contains($0.name) || authenticationParameters.contains($0.name) }
            ? operation : .unsupported
    }

    /// The operation a method, bucket, key and sub-resource name, before its parameters are checked.
    private static func route(_ r: IncomingRequest) -> Operation {
        guard r.bucket != nil else { return r.method == "GET" ? .listBuckets : .unsupported }
        if r.method == "OPTIONS" { return .preflight }
        if r.key == nil {
            switch r.method {
            case "PUT":
                if r.has("versioning") { return .putBucketVersioning }
                if r.has("cors") { return .putBucketCors }
                if r.has("tagging") { return .putBucketTagging }
                if r.has("object-lock") { return .putObjectLockConfiguration }
                if r.has("acl") { return .putBucketAcl }
                return r.has("ownershipControls") ? .putBucketOwnershipControls : .createBucket
            case "GET":
                if r.has("ownershipControls") { return .getBucketOwnershipControls }
                if r.has("location") { return .getBucketLocation }
                if r.has("versioning") { return .getBucketVersioning }
                if r.has("cors") { return .getBucketCors }
                if r.has("tagging") { return .getBucketTagging }
                if r.has("object-lock") { return .getObjectLockConfiguration }
                if r.has("acl") { return .getBucketAcl }
                if r.has("uploads") { return .listMultipartUploads }
                if r.has("versions") { return .listObjectVersions }
                return r.queryValue("list-type") == "2" ? .listObjectsV2 : .listObjects
            case "HEAD": return .headBucket
            case "DELETE":
                if r.has("cors") { return .deleteBucketCors }
                if r.has("tagging") { return .deleteBucketTagging }
                return r.has("ownershipControls") ? .deleteBucketOwnershipControls : .deleteBucket
            case "POST":
                if r.has("delete") { return .deleteObjects }
                return r.query.isEmpty
                    && r.headers.first(name: "content-type")?.lowercased().hasPrefix("multipart/form-data") == true
                    ? .postObject : .unsupported
            default: return .unsupported
            }
        }
        let copy = r.headers.first(name: "x-amz-copy-source") != nil
        switch r.method {
        case "GET":
            if r.has("uploadId") { return .listParts }
            if r.has("tagging") { return .getObjectTagging }
            if r.has("retention") { return .getObjectRetention }
            if r.has("attributes") { return .getObjectAttributes }
            if r.has("legal-hold") { return .getObjectLegalHold }
            return r.has("acl") ? .getObjectAcl : .getObject
        case "HEAD": return .headObject
        case "PUT":
            if r.has("partNumber") || r.has("uploadId") { return copy ? .uploadPartCopy : .uploadPart }
            if r.has("tagging") { return .putObjectTagging }
            if r.has("retention") { return .putObjectRetention }
            if r.has("legal-hold") { return .putObjectLegalHold }
            if r.has("acl") { return .putObjectAcl }
            return copy ? .copyObject : .putObject
        case "POST":
            if r.has("uploads") { return .createMultipartUpload }
            return r.has("uploadId") ? .completeMultipartUpload : .unsupported
        case "DELETE":
            if r.has("tagging") { return .deleteObjectTagging }
            return r.has("uploadId") ? .abortMultipartUpload : .deleteObject
        default: return .unsupported
        }
    }

    /// What a presigned URL carries (SigV4 and SigV2), and the operation name some SDKs append (`x-id`).
    static let authenticationParameters: Set<String> = [
        "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Signature",
        "X-Amz-Security-Token", "AWSAccessKeyId", "Signature", "Expires", "x-id",
    ]

    /// The query parameters each operation understands; nil for any (`unsupported`, and a
    /// preflight, whose query is the URL it asks about). Made once: every request with a query asks.
    var parameters: Set<String>? { Self.understood[self] }

    private static let understood: [Operation: Set<String>] =
        Dictionary(
            uniqueKeysWithValues: allCases.compactMap { operation in
                operation.declaredParameters.map { (operation, $0) }
            })

    private var declaredParameters: Set<String>? {
        switch self {
        case .listBuckets: ["max-buckets", "continuation-token", "prefix"]
        case .createBucket, .deleteBucket, .headBucket: []
        case .getBucketLocation: ["location"]
        case .getBucketVersioning, .putBucketVersioning: ["versioning"]
        case .putObjectLockConfiguration, .getObjectLockConfiguration: ["object-lock"]
        case .putBucketCors, .getBucketCors, .deleteBucketCors: ["cors"]
        case .putBucketTagging, .getBucketTagging, .deleteBucketTagging: ["tagging"]
        // A preflight's query is the URL it asks about (a presigned one carries its signature).
        case .preflight: nil
        case .putObjectRetention, .getObjectRetention: ["retention", "versionId"]
        case .putObjectLegalHold, .getObjectLegalHold: ["legal-hold", "versionId"]
        case .putBucketOwnershipControls, .getBucketOwnershipControls, .deleteBucketOwnershipControls:
            ["ownershipControls"]
        case .getBucketAcl, .putBucketAcl: ["acl"]
        case .listObjects: ["prefix", "delimiter", "max-keys", "marker", "encoding-type"]
        case .listObjectsV2:
            [
                "list-type", "prefix", "delimiter", "max-keys", "continuation-token", "start-after", "encoding-type",
                "fetch-owner",
            ]
        // One page of up to 1,000 uploads or parts, filtered by prefix: no markers, delimiters or limits.
        case .listMultipartUploads: ["uploads", "prefix"]
        case .listObjectVersions:
            ["versions", "prefix", "delimiter", "max-keys", "key-marker", "version-id-marker", "encoding-type"]
        case .deleteObjects: ["delete"]
        case .getObjectAttributes: ["attributes", "versionId"]
        case .getObject:
            [
                "versionId", "partNumber", "response-content-type", "response-content-language", "response-expires",
                "response-cache-control",
                "response-content-disposition", "response-content-encoding",
            ]
        case .headObject: ["versionId", "partNumber"]
        case .deleteObject: ["versionId"]
        case .putObject, .copyObject, .postObject: []
        case .getObjectAcl, .putObjectAcl: ["acl", "versionId"]
        case .getObjectTagging, .putObjectTagging, .deleteObjectTagging: ["tagging", "versionId"]
        case .createMultipartUpload: ["uploads"]
        case .uploadPart, .uploadPartCopy: ["partNumber", "uploadId"]
        case .completeMultipartUpload, .abortMultipartUpload: ["uploadId"]
        case .listParts: ["uploadId"]
        case .unsupported: nil
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
    var tooLargeBody: S3ServerError {
        self == .postObject
            ? .init(
                "EntityTooLarge", 400,
                "This server takes browser uploads of at most 64 MiB; use PutObject or a multipart upload for more.")
            : .malformedXML
    }

    var isList: Bool {
        self == .listObjects || self == .listObjectsV2 || self == .listMultipartUploads || self == .listObjectVersions
    }
}
