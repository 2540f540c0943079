import Foundation
import S3Wire

/// Who is asking, and which fault a request meets, decided in one place before the body is read;
/// what the caller may do with a bucket or object is its ACL's to say (`S3Semantics.authorize`, then
/// each operation for objects). The rules, in the order they apply:
/// 1. `FaultPlan.rejectAllCredentials`: a signed request is refused as if its key did not exist.
/// 2. The signature is verified (`Authenticator`), which names the caller's account (none: anonymous).
/// 3. `FaultPlan.listBucketDenied`: listings and HeadBucket are refused (a GET-only policy), and a
///    missing key is AccessDenied, as S3 answers callers without s3:ListBucket.
/// 4. `FaultPlan.refusedPayloadModes`: a body framed in a refused mode is XAmzContentSHA256Mismatch.
/// 5. An operation the mock does not implement is 501 NotImplemented, never another operation.
/// 6. Injected faults: 503 SlowDown or 500 InternalError now, or a connection cut halfway through
///    the body (the request's for uploads, the answer's otherwise), and latency before each answer.
struct RequestPolicy: Sendable {
    let authenticator: Authenticator
    let faults: FaultInjector

    struct Admission {
        let principal: Principal
        /// Who the caller acts as; nil for an anonymous request.
        let requester: Requester?
        var caller: Account? { requester?.account }
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
    func decide(_ request: IncomingRequest, operation: APIOperation, now: Date) -> (Verdict, FaultInjector.Decision) {
        let fault = faults.decide(operation.rawValue, key: request.key)
        let plan = faults.current
        let authorization = request.headers.first(name: "authorization")
        // Who asked, as far as the request says: read only for a refusal (a string search per request otherwise).
        var asked: Principal { authorization.flatMap(Self.keyId).map(Principal.user) ?? .anonymous }
        do {
            let signed =
                authorization != nil || request.queryValue("X-Amz-Signature") != nil
                || request.queryValue("Signature") != nil
            if plan.rejectAllCredentials && signed {
                throw S3ServerError.invalidAccessKeyId(authorization.flatMap(Self.keyId) ?? "unknown")
            }
            // A preflight carries no credentials (a browser sends it before the request it asks about).
            if operation == .preflight {
                return (
                    .admit(Admission(principal: .anonymous, requester: nil, payload: .none, dropMidBody: false)), .none
                )
            }
            let (principal, payload) = try authenticator.authenticate(request, now: now)
            // Without s3:ListBucket, S3 refuses listings and HeadBucket (which needs that permission).
            if plan.listBucketDenied && (operation.isList || operation == .headBucket) {
                throw S3ServerError.accessDenied
            }
            if !plan.refusedPayloadModes.isEmpty,
                let mode = request.headers.first(name: "x-amz-content-sha256"), plan.refusedPayloadModes.contains(mode)
            {
                throw S3ServerError.contentSHA256Mismatch
            }
            if operation == .unsupported { throw S3ServerError.notImplemented }
            switch fault {
            case .slowDown: throw S3ServerError.slowDown
            case .internalError: throw S3ServerError.internalError
            case .dropMidBody, .none: break
            }
            return (
                .admit(
                    Admission(
                        principal: principal, requester: authenticator.requester(principal), payload: payload,
                        dropMidBody: fault == .dropMidBody)), fault
            )
        } catch let error as S3ServerError {
            return (.refuse(error, principal: asked), fault)
        } catch {
            return (.refuse(.internalError, principal: asked), fault)
        }
    }

    /// The error the caller may see: while listings are denied a missing key is AccessDenied, as S3
    /// answers callers without s3:ListBucket, so keys cannot be probed.
    func visible(_ error: S3ServerError) -> S3ServerError {
        guard error.code == "NoSuchKey", faults.current.listBucketDenied else { return error }
        return .accessDenied
    }

    /// Added before an answer.
    func latency() -> TimeInterval { faults.latency() }

    private static func keyId(_ authorization: String) -> String? {
        guard let range = authorization.range(of: "Credential=") else { return nil }
        return authorization[range.upperBound...].split(separator: "/").first.map(String.init)
    }
}
