import Foundation

/// The S3 API calls the server answers, named as S3 names them (and as the journal records them).
enum Operation: String, Sendable {
    case listBuckets = "ListBuckets"
    case createBucket = "CreateBucket"
    case deleteBucket = "DeleteBucket"
    case headBucket = "HeadBucket"
    case getBucketLocation = "GetBucketLocation"
    case getBucketVersioning = "GetBucketVersioning"
    case putBucketOwnershipControls = "PutBucketOwnershipControls"
    case getBucketOwnershipControls = "GetBucketOwnershipControls"
    case deleteBucketOwnershipControls = "DeleteBucketOwnershipControls"
    case getBucketAcl = "GetBucketAcl"
    case listObjects = "ListObjects"
    case listObjectsV2 = "ListObjectsV2"
    case listMultipartUploads = "ListMultipartUploads"
    case deleteObjects = "DeleteObjects"
    case getObject = "GetObject"
    case headObject = "HeadObject"
    case putObject = "PutObject"
    case copyObject = "CopyObject"
    case deleteObject = "DeleteObject"
    case getObjectAcl = "GetObjectAcl"
    case putObjectAcl = "PutObjectAcl"
    case createMultipartUpload = "CreateMultipartUpload"
    case uploadPart = "UploadPart"
    case completeMultipartUpload = "CompleteMultipartUpload"
    case abortMultipartUpload = "AbortMultipartUpload"
    case listParts = "ListParts"
    case unsupported = "Unsupported"

    /// What the request is, from its method, bucket, key and sub-resources.
    static func classify(_ r: IncomingRequest) -> Operation {
        guard r.bucket != nil else { return r.method == "GET" ? .listBuckets : .unsupported }
        if r.key == nil {
            switch r.method {
            case "PUT":
                if r.has("ownershipControls") { return .putBucketOwnershipControls }
                return r.query.isEmpty ? .createBucket : .unsupported
            case "GET":
                if r.has("ownershipControls") { return .getBucketOwnershipControls }
                if r.has("location") { return .getBucketLocation }
                if r.has("versioning") { return .getBucketVersioning }
                if r.has("acl") { return .getBucketAcl }
                if r.has("uploads") { return .listMultipartUploads }
                let known: Set<String> = ["list-type", "prefix", "delimiter", "max-keys", "continuation-token", "start-after",
                                          "encoding-type", "marker", "fetch-owner"]
                guard r.query.allSatisfy({ known.contains($0.name) }) else { return .unsupported }
                return r.queryValue("list-type") == "2" ? .listObjectsV2 : .listObjects
            case "HEAD": return .headBucket
            case "DELETE":
                if r.has("ownershipControls") { return .deleteBucketOwnershipControls }
                return r.query.isEmpty ? .deleteBucket : .unsupported
            case "POST": return r.has("delete") ? .deleteObjects : .unsupported
            default: return .unsupported
            }
        }
        switch r.method {
        case "GET":
            if r.has("uploadId") { return .listParts }
            if r.has("acl") { return .getObjectAcl }
            return .getObject
        case "HEAD": return .headObject
        case "PUT":
            if r.has("partNumber") || r.has("uploadId") {
                return r.headers.first(name: "x-amz-copy-source") == nil ? .uploadPart : .unsupported
            }
            if r.has("acl") { return .putObjectAcl }
            if r.headers.first(name: "x-amz-copy-source") != nil { return .copyObject }
            return r.has("tagging") || r.has("retention") || r.has("legal-hold") ? .unsupported : .putObject
        case "POST":
            if r.has("uploads") { return .createMultipartUpload }
            if r.has("uploadId") { return .completeMultipartUpload }
            return .unsupported
        case "DELETE":
            return r.has("uploadId") ? .abortMultipartUpload : .deleteObject
        default:
            return .unsupported
        }
    }

    /// Bodies that go to storage as they arrive.
    var streamsBodyToStorage: Bool { self == .putObject || self == .uploadPart }

    /// Bodies read whole (XML), with this many bytes at most.
    var smallBodyLimit: Int { self == .deleteObjects ? 2 << 20 : 256 << 10 }

    var isList: Bool { self == .listObjects || self == .listObjectsV2 || self == .listMultipartUploads }
}
