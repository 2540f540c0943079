import Foundation
import S3Wire

/// Access: who may do what to a bucket or object (`AccessDecision`: owners, ACLs, bucket and
/// identity policies, Block Public Access), and the ACLs requests set.
extension S3Semantics {
    /// The check made before a body is read, as the operation's definition says: listings need READ
    /// on the bucket, writes and deletes WRITE, its ACL READ_ACP or WRITE_ACP; the bucket's
    /// configuration is its owner's; a policy may grant or deny any of them. An object's own
    /// operations are decided once it is read (`authorizedObject`), batch deletes key by key.
    /// `x-amz-expected-bucket-owner` must name the owner.
    func authorize(_ op: APIOperation, _ r: IncomingRequest) throws(S3ServerError) {
        let access = op.definition.access
        switch access {
        case .anyone, .signedForm: return
        case .signedIn:
            guard let requester = r.requester else { throw .accessDenied }
            // An account's root may list and create buckets; a user, what its identity policy allows.
            if let user = requester.user {
                let verdict = user.policy?.evaluate(
                    action: op.action(r), resource: op.resource(r), requester: requester,
                    context: context(r, owner: nil, bucket: nil))
                guard let verdict, verdict.allowed, !verdict.denied else { throw .accessDenied }
            }
            return
        case .bucket, .object, .bucketOwner: break
        }
        guard let bucket = r.bucket else { return }
        let expected = r.headers.first(name: "x-amz-expected-bucket-owner")
        // An object's operations check its bucket's owner only when asked to.
        if access == .object && expected == nil { return }
        let bucketAccess = try store.bucketAccess(bucket)
        if let expected, expected != bucketAccess.owner.id { throw .accessDenied }
        let grant: AccessDecision.ACLGrant
        switch access {
        case .bucket(let needed): grant = .bucket(needed)
        case .bucketOwner: grant = .none
        case .anyone, .signedForm, .signedIn, .object: return
        }
        // Each key of a batch delete is its own request to a policy.
        if op == .deleteObjects && Self.policiesApply(r, bucketAccess) { return }
        guard permits(r, op.action(r), op.resource(r), grant, bucketAccess) else { throw .accessDenied }
    }

    /// Whether a policy has a say in the request: the bucket has one, or the caller is a user.
    static func policiesApply(_ r: IncomingRequest, _ access: BucketAccess) -> Bool {
        access.policy != nil || r.requester?.user != nil
    }

    /// Whether the request may take `action` on `resource` (an ARN) in a bucket with `access`.
    /// `prefix` stands for `s3:prefix` when a missing key's answer depends on s3:ListBucket.
    func permits(
        _ r: IncomingRequest, _ action: String, _ resource: String, _ grant: AccessDecision.ACLGrant,
        _ access: BucketAccess, prefix: String? = nil
    ) -> Bool {
        var context = context(r, owner: access.owner, bucket: r.bucket)
        context.prefix = prefix
        if case .object(let object, _) = grant { context.existingTags = { object.tags } }
        return AccessDecision(access: access, requester: r.requester).allows(
            action: action, resource: resource, acl: grant, context: context)
    }

    func context(_ r: IncomingRequest, owner: Account?, bucket: String?) -> RequestContext {
        var context = RequestContext(
            request: r, requester: r.requester, bucketOwner: owner, remoteAddress: r.remoteAddress, now: r.receivedAt,
            region: region)
        if let bucket, let key = r.key {
            context.existingTags = { [store] in try? store.get(bucket, key, versionId: r.queryValue("versionId")).tags }
        }
        return context
    }

    /// The object the request may act on, with `permission` as its ACL would grant it; a missing key
    /// is AccessDenied to a caller who may not list the bucket (S3 does not let keys be probed).
    func authorizedObject(_ bucket: String, _ key: String, _ r: IncomingRequest, _ permission: Permission)
        throws(S3ServerError) -> (StoredObject, BucketAccess)
    {
        let (version, access) = try store.lookup(bucket, key, versionId: r.queryValue("versionId"))
        let object: StoredObject
        switch version {
        case .success(let found): object = found
        case .failure(let error):
            if error.code == "NoSuchKey"
                && !permits(r, "s3:listbucket", "arn:aws:s3:::\(bucket)", .bucket(.read), access, prefix: key)
            {
                throw .accessDenied
            }
            throw error
        }
        guard permits(r, r.operation.action(r), r.operation.resource(r), .object(object, permission), access) else {
            throw .accessDenied
        }
        return (object, access)
    }

    /// `x-amz-acl: NAME`, checked by name; nil without the header.
    func cannedACL(_ r: IncomingRequest) throws(S3ServerError) -> CannedACL? {
        try r.headers.first(name: "x-amz-acl").map { value throws(S3ServerError) in
            try cannedACL(value, field: "x-amz-acl")
        }
    }

    /// A canned ACL's name, from a header or a form field.
    func cannedACL(_ value: String, field: String) throws(S3ServerError) -> CannedACL {
        guard let acl = CannedACL(rawValue: value) else {
            throw .invalidArgument(
                "\(value) is not a canned ACL: use private, public-read, public-read-write, authenticated-read, aws-exec-read, bucket-owner-read, bucket-owner-full-control or log-delivery-write",
                name: field, value: value)
        }
        return acl
    }

    /// The ACL a request sets for a resource owned by `owner`: an `AccessControlPolicy` body, the
    /// `x-amz-grant-*` headers, or a canned ACL (private when it names none). With ACLs disabled only
    /// the owner's full control may be set (else `refused`).
    func requestedACL(
        _ r: IncomingRequest, body: [UInt8] = [], owner: Account, _ access: BucketAccess,
        refused: S3ServerError = .aclNotSupported
    ) throws(S3ServerError) -> AccessControlList {
        let canned = try cannedACL(r)
        let grants = try accounts.parseGrantHeaders(r.headers)
        // What most writes ask: nothing, so the owner's full control, allowed whatever the ownership.
        if canned == nil && grants == nil && body.isEmpty { return .private(owner) }
        if canned != nil && grants != nil {
            throw .invalidRequest("Specifying both Canned ACLs and Header Grants is not allowed")
        }
        let acl: AccessControlList
        if !body.isEmpty {
            guard canned == nil && grants == nil else { throw .unexpectedContent }
            acl = try accounts.parsePolicy(try parseXML(body))
        } else {
            acl = grants ?? .canned(canned ?? .private, owner: owner, bucketOwner: access.owner)
        }
        // With ACLs disabled, only an ACL giving the bucket's owner full control is taken, read as
        // the writer's: `private` from another account would give that account control.
        if access.ownership == .bucketOwnerEnforced {
            let writer = r.requester?.account ?? owner
            let written = canned.map { .canned($0, owner: writer, bucketOwner: access.owner) } ?? acl
            guard
                written == .private(access.owner)
                    || written == .canned(.bucketOwnerFullControl, owner: writer, bucketOwner: access.owner)
            else { throw refused }
        }
        if access.publicAccessBlock?.blockPublicAcls == true && acl.isPublic { throw .accessDenied }
        return acl
    }

    /// Who owns an object the caller writes, under the bucket's Object Ownership: the writer, or the
    /// bucket's owner (always with ACLs disabled; with BucketOwnerPreferred when the writer gives it
    /// bucket-owner-full-control).
    func newObjectOwner(_ r: IncomingRequest, caller: Account?, _ access: BucketAccess) -> Account {
        switch access.ownership {
        case .bucketOwnerEnforced: return access.owner
        case .bucketOwnerPreferred:
            return r.headers.first(name: "x-amz-acl") == CannedACL.bucketOwnerFullControl.rawValue
                ? access.owner : caller ?? .anonymous
        case .objectWriter: return caller ?? .anonymous
        }
    }

    func putBucketACL(_ bucket: String, _ r: IncomingRequest, body: [UInt8]) throws(S3ServerError) -> S3Response {
        let access = try store.bucketAccess(bucket)
        try store.setBucketACL(bucket, try requestedACL(r, body: body, owner: access.owner, access))
        return S3Response(status: 200)
    }

    func putObjectACL(_ bucket: String, _ key: String, _ r: IncomingRequest, body: [UInt8])
        throws(S3ServerError) -> S3Response
    {
        let (object, access) = try authorizedObject(bucket, key, r, .writeACP)
        let acl = try requestedACL(r, body: body, owner: object.owner, access)
        try store.modify(bucket, key, versionId: r.queryValue("versionId")) { $0.acl = acl }
        return S3Response(status: 200).with(versionOf: object)
    }

    func getObjectACL(_ bucket: String, _ key: String, _ r: IncomingRequest) throws(S3ServerError)
        -> S3Response
    {
        let (object, _) = try authorizedObject(bucket, key, r, .readACP)
        return S3Response.xml(object.acl.xml(owner: object.owner)).with(versionOf: object)
    }
}

extension Account {
    /// The owner of what an anonymous caller writes to a bucket open to everyone.
    static let anonymous = Account(id: "65a011a29cdf8ec533ec3d1ccaae921c", displayName: "anonymous")
}
