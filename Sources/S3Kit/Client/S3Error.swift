import S3Wire

/// Every way an S3 call can fail, each with a message that says what failed, why, and what to do.
/// Messages never contain a secret; an access key id appears only by its last 4 characters.
public enum S3Error: Error, Sendable, CustomStringConvertible {
    /// S3 answered with an error (its code, or the bare HTTP status when a HEAD carries no body).
    case service(ServiceError)
    /// No complete HTTP answer: refused, DNS, TLS, timeout, dropped.
    case transport(TransportError, operation: S3Operation, attempts: Int)
    /// No credentials could be found, or they are unusable.
    case credentials(String)
    /// The answer could not be understood.
    case invalidResponse(operation: S3Operation, detail: String)
    /// The call was wrong before anything was sent.
    case invalidArgument(String)

    public struct ServiceError: Sendable {
        public var operation: S3Operation
        public var code: String
        public var message: String
        public var status: Int
        public var requestId: String?
        public var bucket: String?
        public var key: String?
        /// The bucket's region, when S3 tells it (301/400 answers, `x-amz-bucket-region`).
        public var region: String?
        /// The region this client signed for.
        public var configuredRegion: String
        /// The key id used, already redacted.
        public var redactedKeyId: String?
        public var attempts: Int
        /// The body framing the server did not understand, when it refused one (not a corrupted body).
        public var refusedPayload: PayloadSigning? = nil
    }

    /// The same failure, named after the call the user made (a diagnostic request found the reason).
    func reported(as operation: S3Operation) -> S3Error {
        guard case .service(var e) = self else { return self }
        e.operation = operation
        return .service(e)
    }

    public var code: String? {
        if case .service(let e) = self { return e.code }
        return nil
    }

    /// Failures caused by the caller's credentials or clock: retrying them never helps.
    public var isAuthFailure: Bool {
        guard case .service(let e) = self else {
            if case .credentials = self { return true }
            return false
        }
        return S3Error.authCodes.contains(e.code)
    }

    static let authCodes: Set<String> = [
        "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken", "TokenRefreshRequired",
        "RequestTimeTooSkewed", "AccessDenied", "AuthorizationHeaderMalformed", "AllAccessDisabled",
        "InvalidSecurity", "MissingSecurityHeader", "AuthorizationQueryParametersError",
    ]

    public var description: String {
        switch self {
        case .service(let e): return e.description
        case .transport(let t, let op, let attempts):
            return "\(op.rawValue) failed after \(attempts) attempt\(attempts == 1 ? "" : "s"): \(t)"
        case .credentials(let m): return m
        case .invalidResponse(let op, let detail):
            return "\(op.rawValue): S3's answer could not be understood (\(detail)). Is the endpoint really S3?"
        case .invalidArgument(let m): return m
        }
    }
}

extension S3Error.ServiceError: CustomStringConvertible {
    var resource: String {
        guard let bucket else { return "" }
        return key.map { "s3://\(bucket)/\($0)" } ?? "s3://\(bucket)"
    }

    var arn: String {
        guard let bucket else { return "arn:aws:s3:::*" }
        return key.map { "arn:aws:s3:::\(bucket)/\($0)" } ?? "arn:aws:s3:::\(bucket)"
    }

    public var advice: String {
        let keyId = redactedKeyId ?? "(none)"
        switch code {
        case "InvalidAccessKeyId":
            return
                "S3 does not know access key \(keyId). Check AWS_ACCESS_KEY_ID (or the profile in the shared credentials file) for this bucket's account."
        case "SignatureDoesNotMatch":
            return
                "The secret key does not match access key \(keyId). Check AWS_SECRET_ACCESS_KEY for stray spaces or quotes, or create a new key pair."
        case "ExpiredToken", "TokenRefreshRequired":
            return
                "The session token for \(keyId) has expired. Get new temporary credentials (aws sts get-session-token, aws sso login) and set AWS_SESSION_TOKEN."
        case "InvalidToken":
            return
                "The session token is malformed or belongs to other credentials. Set AWS_SESSION_TOKEN from the same credentials as AWS_ACCESS_KEY_ID, or unset it for long-term keys."
        case "RequestTimeTooSkewed":
            return
                "This machine's clock differs from S3's by more than 15 minutes. Synchronise it (NTP: timedatectl set-ntp true) and retry."
        case "AuthorizationHeaderMalformed", "PermanentRedirect", "IllegalLocationConstraintException", "WrongRegion":
            if let region, region != configuredRegion {
                return "The bucket is in region \(region), not \(configuredRegion). Set AWS_REGION=\(region)."
            }
            return
                "The request went to the wrong region or endpoint (configured: \(configuredRegion)). Set AWS_REGION to the bucket's region."
        case "AccessDenied", "AllAccessDisabled":
            return
                "Access denied: the credentials \(keyId) lack \(operation.iamAction) on \(arn), or a bucket policy denies it. Grant that action to the IAM user or role."
        case "NoSuchBucket":
            return
                "Bucket \(bucket ?? "?") does not exist (or not in this account/endpoint). Check S3_BUCKET_NAME and the endpoint."
        case "NoSuchKey":
            return "No object \(resource)."
        case "AccessControlListNotSupported":
            return
                "The bucket has ACLs disabled (Object Ownership: bucket owner enforced). Upload without an ACL (--acl none) and grant public read with a bucket policy instead."
        case _ where refusedPayload != nil:
            let other = refusedPayload == .checksumTrailer ? "streaming, signed or unsigned" : "signed or unsigned"
            return
                "The server did not understand the body's framing (x-amz-content-sha256: \(refusedPayload?.contentSHA256 ?? "")): it predates that payload mode; nothing was corrupted. Choose another: --payload-signing \(other) for racedata (S3Configuration.payloadSigning in code); AWS_REQUEST_CHECKSUM_CALCULATION=when_required turns checksum trailers off."
        case "BadDigest", "InvalidDigest", "XAmzContentSHA256Mismatch":
            return
                "The body S3 received does not match its checksum: corrupted in transit or the file changed while uploading. Retry the upload."
        case "SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout", "Throttling":
            return
                "S3 was busy or failed internally and stayed so through \(attempts) attempt\(attempts == 1 ? "" : "s"). Retry later or lower the concurrency."
        case "EntityTooSmall":
            return "A multipart part other than the last was under 5 MiB. Use a larger part size."
        case "EntityTooLarge":
            return "The object is larger than one PUT allows (5 GB). Upload it as a multipart upload."
        case "InvalidPart", "InvalidPartOrder", "NoSuchUpload":
            return
                "The multipart upload is inconsistent or gone (aborted, completed, or expired). Start the upload again."
        case "NotModified":
            return "The object has not changed since the given ETag or date."
        case "PreconditionFailed":
            return "The object changed (its ETag no longer matches); read it again."
        case "InvalidRange":
            return "The requested byte range lies outside the object."
        default:
            if status == 403 {
                let why =
                    operation == .headObject || operation == .headBucket
                    ? "HEAD answers carry no error body"
                    : "the answer had no S3 error document; is the endpoint really S3?"
                return
                    "The server refused the request (403, no details: \(why)). The key \(keyId) may be unknown, its secret wrong, or \(operation.iamAction) not granted on \(arn)."
            }
            if status == 301 || status == 307 {
                return region.map { "The bucket is in region \($0); set AWS_REGION=\($0)." }
                    ?? "S3 redirected the request: the bucket is in another region or needs another endpoint."
            }
            return "See S3's message above."
        }
    }

    public var description: String {
        var location = resource.isEmpty ? "" : " for \(resource)"
        if let requestId { location += " (request id \(requestId))" }
        let trimmed = message.hasSuffix(".") ? String(message.dropLast()) : message
        let text = trimmed.isEmpty ? "" : ": \(trimmed)"
        return "S3 \(operation.rawValue)\(location) failed with \(status) \(code)\(text). \(advice)"
    }
}
