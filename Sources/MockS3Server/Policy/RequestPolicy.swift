import Foundation
import S3Wire

/// Who may do what, and which fault a request meets, decided in one place: the handler carries the
/// verdict out and the service asks only `mayRead`. The rules, in the order they apply:
/// 1. `FaultPlan.rejectAllCredentials`: a signed request is refused as if its key did not exist.
/// 2. The signature is verified (`Authenticator`); anonymous requests may only GET or HEAD objects.
/// 3. `FaultPlan.listBucketDenied`: listings and HeadBucket are refused (a GET-only policy), and a
///    missing key is AccessDenied, as S3 answers callers without s3:ListBucket.
/// 4. An operation the mock does not implement is 501 NotImplemented, never another operation.
/// 5. Injected faults: 503 SlowDown or 500 InternalError now, or a connection cut halfway through
///    the body (the request's for uploads, the answer's otherwise), and latency before each answer.
struct RequestPolicy: Sendable {
    let authenticator: Authenticator
    let faults: FaultInjector

    struct Admission {
        let principal: Principal
        let payload: PayloadCheck
        /// Cut the connection halfway through the body.
        let dropMidBody: Bool
    }

    enum Verdict {
        case admit(Admission)
        /// The error to answer, and who asked as far as the request says (for the journal).
        case refuse(S3ServerError, principal: Principal)
    }

    /// The fault drawn for this request (for the journal), then the verdict.
    func decide(_ request: IncomingRequest, operation: Operation, now: Date) -> (Verdict, FaultInjector.Decision) {
        let fault = faults.decide(operation.rawValue, key: request.key)
        let plan = faults.current
        let authorization = request.headers.first(name: "authorization")
        // Who asked, as far as the request says: read only for a refusal (a string search per request otherwise).
        var asked: Principal { authorization.flatMap(Self.keyId).map(Principal.user) ?? .anonymous }
        do {
            let signed = authorization != nil || request.queryValue("X-Amz-Signature") != nil || request.queryValue("Signature") != nil
            if plan.rejectAllCredentials && signed { throw S3ServerError.invalidAccessKeyId(authorization.flatMap(Self.keyId) ?? "unknown") }
            let (principal, payload) = try authenticator.authenticate(request, now: now)
            if principal == .anonymous && operation != .getObject && operation != .headObject { throw S3ServerError.accessDenied }
            // Without s3:ListBucket, S3 refuses listings and HeadBucket (which needs that permission).
            if plan.listBucketDenied && (operation.isList || operation == .headBucket) { throw S3ServerError.accessDenied }
            if operation == .unsupported { throw S3ServerError.notImplemented }
            switch fault {
            case .slowDown: throw S3ServerError.slowDown
            case .internalError: throw S3ServerError.internalError
            case .dropMidBody, .none: break
            }
            return (.admit(Admission(principal: principal, payload: payload, dropMidBody: fault == .dropMidBody)), fault)
        } catch let error as S3ServerError {
            return (.refuse(error, principal: asked), fault)
        } catch {
            return (.refuse(.internalError, principal: asked), fault)
        }
    }

    /// The error the caller may see: a missing key is AccessDenied to anyone without s3:ListBucket
    /// (anonymous callers, or every caller while listings are denied), so keys cannot be probed.
    func visible(_ error: S3ServerError, principal: Principal) -> S3ServerError {
        guard error.code == "NoSuchKey", principal == .anonymous || faults.current.listBucketDenied else { return error }
        return .accessDenied
    }

    /// Whether `principal` may read an object with this ACL: signed callers are the bucket's owner here.
    static func mayRead(_ acl: CannedACL, principal: Principal) -> Bool {
        principal != .anonymous || acl.allowsAnonymousRead
    }

    /// Added before an answer.
    func latency() -> TimeInterval { faults.latency() }

    private static func keyId(_ authorization: String) -> String? {
        guard let range = authorization.range(of: "Credential=") else { return nil }
        return authorization[range.upperBound...].split(separator: "/").first.map(String.init)
    }
}
