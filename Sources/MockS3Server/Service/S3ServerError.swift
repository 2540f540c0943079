import S3Wire

/// An error as S3 reports it: code, HTTP status, message, and the extra elements S3 adds.
public struct S3ServerError: Error, Sendable, Equatable {
    public var code: String
    public var status: Int
    public var message: String
    public var extra: [(String, String)] = []
    public var headers: [(String, String)] = []

    public init(
        _ code: String, _ status: Int, _ message: String, extra: [(String, String)] = [],
        headers: [(String, String)] = []
    ) {
        // The AWS CLI fails on an error without a message; every error here must say what went wrong.
        assert(!message.isEmpty, "S3ServerError \(code) has no message")
        self.code = code
        self.status = status
        self.message = message
        self.extra = extra
        self.headers = headers
    }

    public static func == (a: S3ServerError, b: S3ServerError) -> Bool { a.code == b.code && a.status == b.status }

    func xml(resource: String, requestId: String) -> String {
        var body =
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>\(code)</Code><Message>\(XML.escape(message))</Message>"
        for (name, value) in extra { body += "<\(name)>\(XML.escape(value))</\(name)>" }
        body += "<Resource>\(XML.escape(resource))</Resource><RequestId>\(requestId)</RequestId></Error>"
        return body
    }

    // The errors this server gives, with S3's codes, statuses and messages.
    static func noSuchBucket(_ bucket: String) -> S3ServerError {
        .init("NoSuchBucket", 404, "The specified bucket does not exist", extra: [("BucketName", bucket)])
    }
    static func noSuchKey(_ key: String) -> S3ServerError {
        .init("NoSuchKey", 404, "The specified key does not exist.", extra: [("Key", key)])
    }
    static func noSuchUpload(_ id: String) -> S3ServerError {
        .init(
            "NoSuchUpload", 404,
            "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
            extra: [("UploadId", id)])
    }
    static func noSuchVersion(_ key: String, _ versionId: String) -> S3ServerError {
        .init(
            "NoSuchVersion", 404, "The specified version does not exist.",
            extra: [("Key", key), ("VersionId", versionId)])
    }
    static let accessDenied = S3ServerError("AccessDenied", 403, "Access Denied")
    static func invalidAccessKeyId(_ keyId: String) -> S3ServerError {
        .init(
            "InvalidAccessKeyId", 403, "The AWS Access Key Id you provided does not exist in our records.",
            extra: [("AWSAccessKeyId", keyId)])
    }
    static let signatureDoesNotMatch = S3ServerError(
        "SignatureDoesNotMatch", 403,
        "The request signature we calculated does not match the signature you provided. Check your key and signing method."
    )
    static func invalidArgument(_ message: String, name: String? = nil, value: String? = nil) -> S3ServerError {
        var extra: [(String, String)] = []
        if let name { extra.append(("ArgumentName", name)) }
        if let value { extra.append(("ArgumentValue", value)) }
        return .init("InvalidArgument", 400, message, extra: extra)
    }
    static let malformedXML = S3ServerError(
        "MalformedXML", 400,
        "The XML you provided was not well-formed or did not validate against our published schema")
    static let badDigest = S3ServerError(
        "BadDigest", 400, "The Content-MD5 you specified did not match what we received.")
    static let invalidDigest = S3ServerError("InvalidDigest", 400, "The Content-MD5 you specified is not valid.")
    static let contentSHA256Mismatch = S3ServerError(
        "XAmzContentSHA256Mismatch", 400,
        "The provided 'x-amz-content-sha256' header does not match what was computed.")
    static let incompleteBody = S3ServerError(
        "IncompleteBody", 400,
        "You did not provide the number of bytes specified by the Content-Length HTTP header")
    static let missingContentLength = S3ServerError(
        "MissingContentLength", 411, "You must provide the Content-Length HTTP header.")
    static let entityTooLarge = S3ServerError(
        "EntityTooLarge", 400, "Your proposed upload exceeds the maximum allowed size")
    static let entityTooSmall = S3ServerError(
        "EntityTooSmall", 400, "Your proposed upload is smaller than the minimum allowed object size.")
    static let invalidPart = S3ServerError(
        "InvalidPart", 400,
        "One or more of the specified parts could not be found. The part might not have been uploaded, or the specified entity tag might not have matched the part's entity tag."
    )
    static let invalidPartOrder = S3ServerError(
        "InvalidPartOrder", 400,
        "The list of parts was not in ascending order. The parts list must be specified in order by part number.")
    static let preconditionFailed = S3ServerError(
        "PreconditionFailed", 412, "At least one of the pre-conditions you specified did not hold")
    static let notModified = S3ServerError("NotModified", 304, "Not Modified")
    static func invalidRange(_ size: UInt64) -> S3ServerError {
        .init(
            "InvalidRange", 416, "The requested range is not satisfiable", extra: [("ActualObjectSize", String(size))],
            headers: [("Content-Range", "bytes */\(size)")])
    }
    static let invalidBucketAclWithObjectOwnership = S3ServerError(
        "InvalidBucketAclWithObjectOwnership", 400,
        "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting")
    static let aclNotSupported = S3ServerError("AccessControlListNotSupported", 400, "The bucket does not allow ACLs")
    static let notImplemented = S3ServerError(
        "NotImplemented", 501, "A header or query you provided implies functionality that is not implemented.")
    static let unexpectedContent = S3ServerError("UnexpectedContent", 400, "This request does not support content")
    static func invalidBucketState(_ message: String) -> S3ServerError { .init("InvalidBucketState", 409, message) }
    static let missingObjectLock = S3ServerError("InvalidRequest", 400, "Bucket is missing Object Lock Configuration")
    static let methodNotAllowed = S3ServerError(
        "MethodNotAllowed", 405, "The specified method is not allowed against this resource.")
    static let bucketNotEmpty = S3ServerError("BucketNotEmpty", 409, "The bucket you tried to delete is not empty")
    static let bucketAlreadyExists = S3ServerError(
        "BucketAlreadyExists", 409,
        "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again."
    )
    static let bucketAlreadyOwnedByYou = S3ServerError(
        "BucketAlreadyOwnedByYou", 409,
        "Your previous request to create the named bucket succeeded and you already own it.")
    static func invalidBucketName(_ name: String) -> S3ServerError {
        .init("InvalidBucketName", 400, "The specified bucket is not valid.", extra: [("BucketName", name)])
    }
    static let expiredPresigned = S3ServerError("AccessDenied", 403, "Request has expired")
    static let slowDown = S3ServerError("SlowDown", 503, "Please reduce your request rate.")
    static let internalError = S3ServerError(
        "InternalError", 500, "We encountered an internal error. Please try again.")
    static let invalidURI = S3ServerError("InvalidURI", 400, "Couldn't parse the specified URI.")
    static let keyTooLong = S3ServerError("KeyTooLongError", 400, "Your key is too long")
    static func invalidRequest(_ message: String) -> S3ServerError { S3ServerError("InvalidRequest", 400, message) }
}
