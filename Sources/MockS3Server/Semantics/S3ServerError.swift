import S3Wire

/// An error as S3 reports it: code, HTTP status, message, and the extra elements S3 adds.
public struct S3ServerError: Error, Sendable, Equatable {
    public var code: String
    public var status: Int
    public var message: String
    public var extra: [(String, String)] = []
    public var headers: [(String, String)] = []

    /// Only this file makes errors: one constructor per code (and case), each with S3's code,
    /// status and message, so an error reads the same wherever it is thrown.
    fileprivate init(
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
        var document = XMLWriter(root: "Error", namespace: nil)
        document.element("Code", code)
        document.element("Message", message)
        for (name, value) in extra { document.element(name, value) }
        document.element("Resource", resource)
        document.element("RequestId", requestId)
        return document.finish()
    }

    // The errors this server gives, with S3's codes, statuses and messages.
    static func noSuchBucket(_ bucket: String) -> S3ServerError {
        .init("NoSuchBucket", 404, "The specified bucket does not exist", extra: [("BucketName", bucket)])
    }
    /// `deleteMarker`: the version id of the delete marker the key's current version is.
    static func noSuchKey(_ key: String, deleteMarker: String? = nil) -> S3ServerError {
        .init(
            "NoSuchKey", 404, "The specified key does not exist.", extra: [("Key", key)],
            headers: deleteMarker.map { [("x-amz-delete-marker", "true"), ("x-amz-version-id", $0)] } ?? [])
    }
    /// A request naming a delete marker's version (which has nothing to read or change).
    static func deleteMarkerNamed(_ versionId: String) -> S3ServerError {
        .init(
            "MethodNotAllowed", 405, "The specified method is not allowed against this resource.",
            headers: [("x-amz-delete-marker", "true"), ("x-amz-version-id", versionId), ("Allow", "DELETE")])
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
    /// 304 carries the object's validators, as S3 sends them.
    static func notModified(etag: String, lastModified: String) -> S3ServerError {
        .init("NotModified", 304, "Not Modified", headers: [("ETag", "\"\(etag)\""), ("Last-Modified", lastModified)])
    }
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

    // Buckets and their configuration.
    static let invalidLocationConstraint = S3ServerError(
        "InvalidLocationConstraint", 400, "The specified location-constraint is not valid")
    static func illegalLocationConstraint(_ constraint: String) -> S3ServerError {
        .init(
            "IllegalLocationConstraintException", 400,
            "The \(constraint.isEmpty ? "unspecified" : constraint) location constraint is incompatible for the region specific endpoint this request was sent to."
        )
    }
    static func noSuchCORSConfiguration(_ bucket: String) -> S3ServerError {
        .init("NoSuchCORSConfiguration", 404, "The CORS configuration does not exist", extra: [("BucketName", bucket)])
    }
    static func unsupportedCORSMethod(_ method: String) -> S3ServerError {
        invalidRequest("Found unsupported HTTP method in CORS config. Unsupported method is \(method)")
    }
    static let corsOriginMissing = S3ServerError(
        "BadRequest", 400, "Insufficient information. Origin request header needed.")
    static let corsMethodMissing = S3ServerError("BadRequest", 400, "Invalid Access-Control-Request-Method: null")
    static func corsForbidden(method: String, resourceType: String) -> S3ServerError {
        .init(
            "AccessForbidden", 403,
            "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
            extra: [("Method", method), ("ResourceType", resourceType)])
    }
    static func malformedPolicy(_ why: String) -> S3ServerError { .init("MalformedPolicy", 400, why) }
    /// A policy naming what S3 defines and this server does not evaluate.
    static func policyNotImplemented(_ why: String) -> S3ServerError { .init("NotImplemented", 501, why) }
    static func noSuchBucketPolicy(_ bucket: String) -> S3ServerError {
        .init("NoSuchBucketPolicy", 404, "The bucket policy does not exist", extra: [("BucketName", bucket)])
    }
    static func noSuchPublicAccessBlockConfiguration(_ bucket: String) -> S3ServerError {
        .init(
            "NoSuchPublicAccessBlockConfiguration", 404, "The public access block configuration was not found",
            extra: [("BucketName", bucket)])
    }
    static func noSuchTagSet(_ bucket: String) -> S3ServerError {
        .init("NoSuchTagSet", 404, "The TagSet does not exist", extra: [("BucketName", bucket)])
    }
    static func ownershipControlsNotFound(_ bucket: String) -> S3ServerError {
        .init(
            "OwnershipControlsNotFoundError", 404, "The bucket ownership controls were not found",
            extra: [("BucketName", bucket)])
    }
    static let mfaDeleteNotImplemented = S3ServerError(
        "NotImplemented", 501, "MFA delete is not implemented by this server: leave MfaDelete out or Disabled.")
    static let invalidRetentionPeriod = S3ServerError(
        "InvalidRetentionPeriod", 400, "Default retention period must be a positive integer value.")
    static func objectLockConfigurationNotFound(_ bucket: String) -> S3ServerError {
        .init(
            "ObjectLockConfigurationNotFoundError", 404, "Object Lock configuration does not exist for this bucket",
            extra: [("BucketName", bucket)])
    }
    static let noSuchObjectLockConfiguration = S3ServerError(
        "NoSuchObjectLockConfiguration", 404, "The specified object does not have a ObjectLock configuration")
    static func unresolvableGrantByEmailAddress(_ email: String) -> S3ServerError {
        .init(
            "UnresolvableGrantByEmailAddress", 400,
            "The e-mail address you provided does not match any account on record.", extra: [("EmailAddress", email)])
    }

    // Objects, tags and uploads.
    static let metadataTooLarge = S3ServerError(
        "MetadataTooLarge", 400, "Your metadata headers exceed the maximum allowed metadata size.")
    static let conditionalWriteNotImplemented = S3ServerError(
        "NotImplemented", 501,
        "A header you provided implies functionality that is not implemented: If-None-Match on a write takes only *.")
    static func invalidTag(_ message: String) -> S3ServerError { .init("InvalidTag", 400, message) }
    static func invalidTaggingHeader(_ value: String) -> S3ServerError {
        invalidArgument(
            "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.",
            name: "x-amz-tagging", value: value)
    }
    static func partNumberNotSatisfiable(_ requested: String, partCount: Int) -> S3ServerError {
        .init(
            "InvalidPart", 400, "The requested partnumber is not satisfiable",
            extra: [("PartNumberRequested", requested), ("ActualPartCount", String(partCount))])
    }
    /// A copy range past the source's end (no Content-Range: there is nothing to read).
    static func copyRangeNotSatisfiable(_ size: UInt64) -> S3ServerError {
        .init(
            "InvalidRange", 416, "The requested range is not satisfiable", extra: [("ActualObjectSize", String(size))])
    }
    /// A checksum (`x-amz-checksum-*`, in a header, a trailer or a form) that the bytes do not have.
    static func checksumMismatch(_ algorithm: String) -> S3ServerError {
        .init("BadDigest", 400, "The \(algorithm.uppercased()) you specified did not match the calculated checksum.")
    }
    /// An `aws-chunked` body that is not what its framing says.
    static func malformedChunks(_ reason: String) -> S3ServerError { .init("IncompleteBody", 400, reason) }

    // Browser uploads.
    static let formTooLarge = S3ServerError(
        "EntityTooLarge", 400,
        "This server takes browser uploads of at most 64 MiB; use PutObject or a multipart upload for more.")
    static let malformedPOSTRequest = S3ServerError(
        "MalformedPOSTRequest", 400, "The body of your POST request is not well-formed multipart/form-data.")
    static func invalidPolicyDocument(_ why: String) -> S3ServerError {
        .init("InvalidPolicyDocument", 400, "Invalid Policy: \(why)")
    }
    static func policyConditionFailed(_ why: String) -> S3ServerError {
        .init("AccessDenied", 403, "Invalid according to Policy: \(why)")
    }
    static func formEntityTooLarge(maxAllowed: Int) -> S3ServerError {
        .init(
            "EntityTooLarge", 400, "Your proposed upload exceeds the maximum allowed size",
            extra: [("MaxSizeAllowed", String(maxAllowed))])
    }
    static func formEntityTooSmall(minAllowed: Int) -> S3ServerError {
        .init(
            "EntityTooSmall", 400, "Your proposed upload is smaller than the minimum allowed size",
            extra: [("MinSizeAllowed", String(minAllowed))])
    }

    // Authentication.
    static let useSigV4 = S3ServerError("InvalidRequest", 400, "Please use AWS4-HMAC-SHA256.")
    static let unsupportedAuthorizationType = S3ServerError(
        "InvalidArgument", 400, "Unsupported Authorization Type", extra: [("ArgumentName", "Authorization")])
    static let expiredToken = S3ServerError("ExpiredToken", 400, "The provided token has expired.")
    static let invalidToken = S3ServerError(
        "InvalidToken", 400, "The provided token is malformed or otherwise invalid.")
    static func requestTimeTooSkewed(requestTime: String, serverTime: String) -> S3ServerError {
        .init(
            "RequestTimeTooSkewed", 403, "The difference between the request time and the current time is too large.",
            extra: [("RequestTime", requestTime), ("ServerTime", serverTime), ("MaxAllowedSkewMilliseconds", "900000")])
    }
    static func authorizationHeaderMalformed(_ reason: String) -> S3ServerError {
        .init("AuthorizationHeaderMalformed", 400, "The authorization header is malformed; \(reason)")
    }
    static func wrongRegion(_ given: String, expected: String) -> S3ServerError {
        .init(
            "AuthorizationHeaderMalformed", 400,
            "The authorization header is malformed; the region '\(given)' is wrong; expecting '\(expected)'",
            extra: [("Region", expected)], headers: [("x-amz-bucket-region", expected)])
    }
    static let missingDate = S3ServerError(
        "AccessDenied", 403, "AWS authentication requires a valid Date or x-amz-date header")
    static let presignedParametersMissing = S3ServerError(
        "AuthorizationQueryParametersError", 400,
        "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."
    )
    static let presignedExpiresOutOfRange = S3ServerError(
        "AuthorizationQueryParametersError", 400, "X-Amz-Expires must be less than a week (in seconds) that is 604800")
    static let presignedExpiresNegative = S3ServerError(
        "AuthorizationQueryParametersError", 400, "X-Amz-Expires must be non-negative")
    static let presignedNotYetValid = S3ServerError("AccessDenied", 403, "Request is not valid yet")
    static let presignedV2ParametersMissing = S3ServerError(
        "AccessDenied", 403, "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters"
    )
    static func invalidContentSHA256(_ value: String) -> S3ServerError {
        invalidArgument(
            "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a valid sha256 value.",
            name: "x-amz-content-sha256", value: value)
    }
}
