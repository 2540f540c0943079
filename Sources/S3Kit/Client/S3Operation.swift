import S3Wire

/// The S3 API calls this client makes, with the IAM action each needs (for AccessDenied advice).
public enum S3Operation: String, Sendable {
    case createBucket = "CreateBucket"
    case headBucket = "HeadBucket"
    case listObjectsV2 = "ListObjectsV2"
    case getObject = "GetObject"
    case headObject = "HeadObject"
    case putObject = "PutObject"
    case createMultipartUpload = "CreateMultipartUpload"
    case uploadPart = "UploadPart"
    case completeMultipartUpload = "CompleteMultipartUpload"
    case abortMultipartUpload = "AbortMultipartUpload"
    case listMultipartUploads = "ListMultipartUploads"
    case deleteObject = "DeleteObject"
    case deleteObjects = "DeleteObjects"
    case copyObject = "CopyObject"

    public var iamAction: String {
        switch self {
        case .createBucket: "s3:CreateBucket"
        case .headBucket, .listObjectsV2: "s3:ListBucket"
        case .getObject, .headObject: "s3:GetObject"
        case .putObject, .createMultipartUpload, .uploadPart, .completeMultipartUpload, .copyObject: "s3:PutObject"
        case .abortMultipartUpload: "s3:AbortMultipartUpload"
        case .listMultipartUploads: "s3:ListBucketMultipartUploads"
        case .deleteObject, .deleteObjects: "s3:DeleteObject"
        }
    }

    /// Requests whose body is object data, which the chunked payload modes frame; the others keep a
    /// plain body (DeleteObjects, for one, must carry Content-MD5).
    var carriesObjectData: Bool { self == .putObject || self == .uploadPart }

    /// Whether sending it twice is harmless, so a dropped connection may be retried.
    var idempotent: Bool { self != .createMultipartUpload }
}
