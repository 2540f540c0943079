import Foundation
import NIOHTTP1
import S3Wire

/// What the body must prove once it has arrived.
enum PayloadCheck {
    case none
    case sha256(String)
    /// `aws-chunked` with chained chunk signatures (optionally followed by a signed trailer).
    case signedChunks(ChunkSigner, trailer: Bool)
    /// `aws-chunked` without signatures, a checksum trailer at the end.
    case unsignedChunks(trailer: Bool)
}

/// Verifies SigV4 (header and presigned), SigV2 presigned URLs, and anonymous access, against
/// the configured credentials and clock. It is strict where S3 is: skew over 15 minutes, unknown
/// keys, wrong secrets, expired URLs and tokens, a wrong region in the scope.
struct Authenticator: Sendable {
    var credentials: [String: MockCredential]
    var region: String
    /// An unknown key id is accepted with itself as its secret (`--accept-any-credentials`).
    var acceptAnyKey = false
    var maxSkew: TimeInterval = 15 * 60
    let signingKeys = SigningKeyCache()

    /// Who a signed caller acts as; nil for anonymous callers. Keys accepted by `acceptAnyKey` are
    /// the server's own account's root.
    func requester(_ principal: Principal) -> Requester? {
        guard case .user(let keyId) = principal else { return nil }
        guard let credential = credentials[keyId] else { return Requester(account: .mock) }
        return Requester(account: credential.account, user: credential.user)
    }

    /// A browser upload's form, signed over its base64 policy: SigV4 (`x-amz-credential`,
    /// `x-amz-date`, `x-amz-signature`: hex HMAC-SHA256 with the day's signing key) or SigV2
    /// (`AWSAccessKeyId`, `signature`: base64 HMAC-SHA1 with the secret). Returns who signed it.
    func authenticateForm(policy: String, fields: [String: String], now: Date) throws(S3ServerError) -> Principal {
        if let provided = fields["x-amz-signature"] {
            guard fields["x-amz-algorithm"] == "AWS4-HMAC-SHA256", let credentialText = fields["x-amz-credential"],
                let amzDate = fields["x-amz-date"]
            else {
                throw .invalidArgument(
                    "Bucket POST with a SigV4 signature must contain x-amz-algorithm, x-amz-credential and x-amz-date fields"
                )
            }
            let (keyId, day) = try scope(Substring(credentialText), amzDate: amzDate)
            let credential = try credential(keyId)
            let signer = SigV4Signer(
                credentials: Credentials(accessKeyId: keyId, secretAccessKey: credential.secretAccessKey),
                region: region,
                keyCache: signingKeys)
            let expected = Digest.hmacSHA256(key: signer.signingKey(day), message: Array(policy.utf8)).hexString
            guard constantTimeEqual(expected, provided) else { throw .signatureDoesNotMatch }
            try checkToken(credential, fields["x-amz-security-token"])
            return .user(keyId)
        }
        guard let keyId = fields["awsaccesskeyid"] else {
            throw .invalidArgument("Bucket POST must contain a field named 'AWSAccessKeyId' or 'x-amz-credential'")
        }
        guard let provided = fields["signature"] else {
            throw .invalidArgument(
                "Bucket POST must contain a field named 'Signature'. If it is specified, please check the order of the fields."
            )
        }
        let credential = try credential(keyId)
        let expected = Data(Digest.hmacSHA1(key: Array(credential.secretAccessKey.utf8), message: Array(policy.utf8)))
            .base64EncodedString()
        guard constantTimeEqual(expected, provided) else { throw .signatureDoesNotMatch }
        try checkToken(credential, fields["x-amz-security-token"])
        return .user(keyId)
    }

    func authenticate(_ request: IncomingRequest, now: Date) throws(S3ServerError) -> (Principal, PayloadCheck) {
        if let authorization = request.headers.first(name: "authorization") {
            if let fields = authorization.afterPrefix("AWS4-HMAC-SHA256 ") {
                return try headerV4(request, fields, now: now)
            }
            if authorization.afterPrefix("AWS ") != nil {
                throw .useSigV4
            }
            throw .unsupportedAuthorizationType
        }
        if request.queryValue("X-Amz-Algorithm") != nil { return try presignedV4(request, now: now) }
        if request.queryValue("AWSAccessKeyId") != nil { return try presignedV2(request, now: now) }
        return (.anonymous, try payloadCheck(request) { nil })
    }

    func credential(_ keyId: String) throws(S3ServerError) -> MockCredential {
        guard
            let credential = credentials[keyId]
                ?? (acceptAnyKey ? MockCredential(accessKeyId: keyId, secretAccessKey: keyId) : nil)
        else {
            throw .invalidAccessKeyId(keyId)
        }
        return credential
    }

    private func checkToken(_ credential: MockCredential, _ token: String?) throws(S3ServerError) {
        if credential.expired { throw .expiredToken }
        if let expected = credential.sessionToken, token != expected {
            throw .invalidToken
        }
        if credential.sessionToken == nil, token != nil {
            throw .invalidToken
        }
    }

    private func checkSkew(_ date: Date, _ amzDate: String, now: Date) throws(S3ServerError) {
        if abs(date.timeIntervalSince(now)) > maxSkew {
            throw .requestTimeTooSkewed(requestTime: amzDate, serverTime: AmzDate(now).full)
        }
    }

    /// `Credential=KEY/DAY/REGION/s3/aws4_request` split and checked.
    private func scope(_ text: Substring, amzDate: String) throws(S3ServerError) -> (keyId: String, day: String) {
        let parts = text.splitting("/", omittingEmpty: false)
        guard parts.count == 5, parts[4] == "aws4_request" else {
            throw .authorizationHeaderMalformed(
                "the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".")
        }
        guard parts[2] == region else {
            throw .wrongRegion(String(parts[2]), expected: region)
        }
        guard parts[3] == "s3" else {
            throw .authorizationHeaderMalformed("incorrect service '\(parts[3])'. This endpoint belongs to 's3'.")
        }
        guard amzDate.utf8.starts(with: parts[1].utf8) else {
            throw .authorizationHeaderMalformed("Invalid credential date. Date is not the same as X-Amz-Date.")
        }
        return (String(parts[0]), String(parts[1]))
    }

    /// `fields`: the Authorization header after `AWS4-HMAC-SHA256 `.
    private func headerV4(_ request: IncomingRequest, _ fields: Substring, now: Date) throws(S3ServerError) -> (
        Principal, PayloadCheck
    ) {
        var credentialText: Substring?
        var signedHeaders: Substring?
        var provided: Substring?
        for part in fields.splitting(",") {
            let field = part.trimmedSpaces
            if let value = field.afterPrefix("Credential=") {
                credentialText = value
            } else if let value = field.afterPrefix("SignedHeaders=") {
                signedHeaders = value
            } else if let value = field.afterPrefix("Signature=") {
                provided = value
            }
        }
        guard let credentialText, let signedHeaders, let provided else {
            throw .authorizationHeaderMalformed("it needs Credential, SignedHeaders and Signature.")
        }
        guard let amzDate = request.headers.first(name: "x-amz-date"), let date = AmzDate.parse(amzDate) else {
            throw .missingDate
        }
        let (keyId, _) = try scope(credentialText, amzDate: amzDate)
        let credential = try credential(keyId)
        try checkSkew(date, amzDate, now: now)
        guard let payloadHash = request.headers.first(name: "x-amz-content-sha256") else {
            throw .invalidRequest("Missing required header for this request: x-amz-content-sha256")
        }
        let names = signedHeaders.splitting(";")
        guard names.contains("host") else {
            throw .authorizationHeaderMalformed("host must be a signed header.")
        }
        let headers = try Self.signedHeaderValues(names, request.headers)
        let signer = SigV4Signer(
            credentials: Credentials(accessKeyId: keyId, secretAccessKey: credential.secretAccessKey), region: region,
            keyCache: signingKeys)
        guard
            let expected = signer.expectedSignature(
                method: request.httpMethod, target: request.canonicalTarget(dropping: nil),
                headers: headers, payloadHash: payloadHash, amzDate: amzDate),
            constantTimeEqual(expected.signature, String(provided))
        else {
            throw .signatureDoesNotMatch
        }
        try checkToken(credential, request.headers.first(name: "x-amz-security-token"))
        return (
            .user(keyId),
            try payloadCheck(request) {
                ChunkSigner(
                    signingKey: signer.signingKey(String(amzDate.prefix(8))), amzDate: amzDate,
                    scope: expected.credentialScope, seedSignature: expected.signature)
            }
        )
    }

    /// The values of the signed headers, in the order named, a repeated header's values joined by ",";
    /// a named header that was not sent makes the signature wrong.
    private static func signedHeaderValues(_ names: [Substring], _ headers: HTTPHeaders) throws(S3ServerError)
        -> [(name: String, value: String)]
    {
        var values: [(name: String, value: String)] = []
        values.reserveCapacity(names.count)
        for name in names {
            var value: String?
            for (field, fieldValue) in headers where field.equalsIgnoringASCIICase(name) {
                value = value.map { "\($0),\(fieldValue.trimmedSpaces)" } ?? fieldValue.trimmingSpaces
            }
            guard let value else { throw .signatureDoesNotMatch }
            values.append((String(name), value))
        }
        return values
    }

    private func presignedV4(_ request: IncomingRequest, now: Date) throws(S3ServerError) -> (Principal, PayloadCheck) {
        guard request.queryValue("X-Amz-Algorithm") == "AWS4-HMAC-SHA256",
            let credentialText = request.queryValue("X-Amz-Credential"), let amzDate = request.queryValue("X-Amz-Date"),
            let date = AmzDate.parse(amzDate), let expiresText = request.queryValue("X-Amz-Expires"),
            let expires = Int(expiresText), let signedHeaders = request.queryValue("X-Amz-SignedHeaders"),
            let provided = request.queryValue("X-Amz-Signature")
        else {
            throw .presignedParametersMissing
        }
        // S3 refuses a negative or over-a-week lifetime, and takes 0 as a URL already expired.
        guard expires >= 0 else { throw .presignedExpiresNegative }
        guard expires <= 604_800 else { throw .presignedExpiresOutOfRange }
        let (keyId, _) = try scope(Substring(credentialText), amzDate: amzDate)
        let credential = try credential(keyId)
        if expires == 0 || now.timeIntervalSince(date) > TimeInterval(expires) { throw .expiredPresigned }
        if date.timeIntervalSince(now) > maxSkew { throw .presignedNotYetValid }
        let headers = try Self.signedHeaderValues(signedHeaders.splitting(";"), request.headers)
        let payloadHash = request.queryValue("X-Amz-Content-Sha256") ?? SigV4Signer.unsignedPayload
        let signer = SigV4Signer(
            credentials: Credentials(accessKeyId: keyId, secretAccessKey: credential.secretAccessKey), region: region,
            keyCache: signingKeys)
        guard
            let expected = signer.expectedSignature(
                method: request.httpMethod, target: request.canonicalTarget(dropping: "X-Amz-Signature"),
                headers: headers, payloadHash: payloadHash, amzDate: amzDate),
            constantTimeEqual(expected.signature, provided)
        else {
            throw .signatureDoesNotMatch
        }
        try checkToken(credential, request.queryValue("X-Amz-Security-Token"))
        return (.user(keyId), .none)
    }

    /// SigV2 query authentication: HMAC-SHA1 over method, Content-MD5, Content-Type, Expires,
    /// x-amz-* headers and the resource with its sub-resources.
    private func presignedV2(_ request: IncomingRequest, now: Date) throws(S3ServerError) -> (Principal, PayloadCheck) {
        guard let keyId = request.queryValue("AWSAccessKeyId"), let expiresText = request.queryValue("Expires"),
            let expires = TimeInterval(expiresText), let provided = request.queryValue("Signature")
        else {
            throw .presignedV2ParametersMissing
        }
        let credential = try credential(keyId)
        if now.timeIntervalSince1970 > expires { throw .expiredPresigned }
        var amzHeaders: [(String, String)] = []
        for (name, value) in request.headers where name.lowercased().hasPrefix("x-amz-") {
            amzHeaders.append((name.lowercased(), value.trimmingSpaces))
        }
        let canonicalAmz = amzHeaders.sorted { $0.0 < $1.0 }.map { "\($0.0):\($0.1)\n" }.joined()
        let subresources = Set([
            "acl", "delete", "location", "partNumber", "policy", "uploadId", "uploads", "versionId",
            "versioning", "versions", "tagging", "response-content-type", "response-content-disposition",
            "response-cache-control", "response-content-encoding", "response-expires", "response-content-language",
        ])
        let sub = request.query.filter { subresources.contains($0.name) }.sorted { $0.name < $1.name }
            .map { $0.value.isEmpty ? $0.name : "\($0.name)=\($0.value)" }.joined(separator: "&")
        let resource = request.rawPath + (sub.isEmpty ? "" : "?\(sub)")
        let stringToSign =
            "\(request.method)\n\(request.headers.first(name: "content-md5") ?? "")\n\(request.headers.first(name: "content-type") ?? "")\n\(expiresText)\n\(canonicalAmz)\(resource)"
        let expected = Data(
            Digest.hmacSHA1(key: Array(credential.secretAccessKey.utf8), message: Array(stringToSign.utf8))
        ).base64EncodedString()
        guard constantTimeEqual(expected, provided) else { throw .signatureDoesNotMatch }
        try checkToken(credential, request.queryValue("x-amz-security-token"))
        return (.user(keyId), .none)
    }

    /// What `x-amz-content-sha256` (and Content-Encoding) say the body is.
    /// `signer` makes the chunk signer of a signed request; only streaming payloads need one.
    private func payloadCheck(_ request: IncomingRequest, signer: () -> ChunkSigner?) throws(S3ServerError)
        -> PayloadCheck
    {
        guard let value = request.headers.first(name: "x-amz-content-sha256") else { return .none }
        switch value {
        case SigV4Signer.unsignedPayload: return .none
        case "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER":
            guard let signer = signer() else {
                throw .invalidRequest("Streaming signed payloads need a signed request.")
            }
            return .signedChunks(signer, trailer: value.hasSuffix("TRAILER"))
        case ChecksumTrailerFraming.payloadHash: return .unsignedChunks(trailer: true)
        default:
            guard value.utf8.count == 64, value.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) })
            else {
                throw .invalidContentSHA256(value)
            }
            return .sha256(value)
        }
    }
}

func constantTimeEqual(_ a: String, _ b: String) -> Bool {
    var a = a
    var b = b
    return a.withUTF8 { x in
        b.withUTF8 { y in
            guard x.count == y.count else { return false }
            var diff: UInt8 = 0
            for i in 0..<x.count { diff |= x[i] ^ y[i] }
            return diff == 0
        }
    }
}
