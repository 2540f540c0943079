import Foundation

/// S3's decision on one action against one resource, from everything that grants or denies it:
/// the bucket policy, the caller's identity policy, the ACLs, the owners, and the Block Public
/// Access settings, in the order of docs.aws.amazon.com/AmazonS3/latest/userguide/how-s3-evaluates-access-control.html:
/// 1. An explicit Deny in the bucket policy or the identity policy refuses.
/// 2. A user's identity policy, or a bucket policy naming the user (or `*`), lets it act for its
///    account in that account's resources; in another account's, it needs both its identity
///    policy and the resource owner's grant.
/// 3. The resource owner's grant: the owner's own account; the bucket policy (for the bucket and
///    for objects the bucket owner owns); the ACL (not for the bucket's configuration).
/// 4. Block Public Access: `IgnorePublicAcls` drops ACL grants to everyone; `RestrictPublicBuckets`
///    keeps a public policy's grants to the bucket owner's account.
struct AccessDecision {
    /// What an ACL may grant for this action.
    enum ACLGrant {
        /// Nothing: the bucket's configuration is its owner's (and a policy's) to give.
        case none
        case bucket(Permission)
        case object(StoredObject, Permission)
    }

    /// The bucket policy and settings the request meets.
    let access: BucketAccess
    let requester: Requester?

    /// Actions only the bucket owner's account may be granted, whatever its policy says.
    static let ownerAccountOnly: Set<String> = [
        "s3:putbucketpolicy", "s3:getbucketpolicy", "s3:deletebucketpolicy", "s3:getbucketpolicystatus",
        "s3:putbucketpublicaccessblock", "s3:getbucketpublicaccessblock",
    ]
    /// What the owner's root may always do, even past a Deny, so it cannot lock itself out of its
    /// own policy (PutBucketPolicy in the API reference).
    static let rootAlways: Set<String> = ["s3:putbucketpolicy", "s3:getbucketpolicy", "s3:deletebucketpolicy"]

    func allows(action: String, resource: String, acl grant: ACLGrant, context: some PolicyContext) -> Bool {
        let bucketOwner = access.owner
        let caller = requester?.account
        if Self.ownerAccountOnly.contains(action), caller != bucketOwner { return false }
        if Self.rootAlways.contains(action), caller == bucketOwner, requester?.user == nil { return true }
        let bucketVerdict =
            access.policy?.evaluate(action: action, resource: resource, requester: requester, context: context)
            ?? PolicyVerdict()
        let identity = requester?.user.map {
            $0.policy?.evaluate(action: action, resource: resource, requester: requester, context: context)
                ?? PolicyVerdict()
        }
        if bucketVerdict.denied || identity?.denied == true { return false }

        // Whose resource this is: an object written by another account under ObjectWriter is its writer's.
        var owner = bucketOwner
        if case .object(let object, _) = grant, access.ownership != .bucketOwnerEnforced { owner = object.owner }
        let block = access.publicAccessBlock ?? PublicAccessBlock()
        var policyGrants = bucketVerdict.allowed && owner == bucketOwner
        if policyGrants, block.restrictPublicBuckets, caller != bucketOwner, access.policy?.isPublic == true {
            policyGrants = false
        }
        guard let identity else {
            // An account's root, or anonymous: what the owner's ACL (or ownership) or the policy grants.
            return ownerGrants(grant, ignoringPublic: block.ignorePublicAcls) || policyGrants
        }
        if caller == owner {
            return identity.allowed || (policyGrants && bucketVerdict.allowedDirectly) || publicACLGrants(grant, block)
        }
        return identity.allowed && (policyGrants || ownerGrants(grant, ignoringPublic: block.ignorePublicAcls))
    }

    /// What the resource's owner grants without a policy: its configuration to itself alone, the
    /// rest by its ACL (with ACLs disabled, everything to the bucket's owner and nothing to others).
    private func ownerGrants(_ grant: ACLGrant, ignoringPublic: Bool) -> Bool {
        let caller = requester?.account
        switch grant {
        case .none: return caller == access.owner
        case .bucket(let permission):
            return effective(access.acl, ignoringPublic).allows(permission, to: caller, owner: access.owner)
        case .object(let object, let permission):
            if access.ownership == .bucketOwnerEnforced { return caller == access.owner }
            return effective(object.acl, ignoringPublic).allows(permission, to: caller, owner: object.owner)
        }
    }

    private func effective(_ acl: AccessControlList, _ ignoringPublic: Bool) -> AccessControlList {
        ignoringPublic ? AccessControlList(grants: acl.grants.filter { !$0.grantee.isPublic }) : acl
    }

    /// Grants to everyone apply to a user without delegation from its account.
    private func publicACLGrants(_ grant: ACLGrant, _ block: PublicAccessBlock) -> Bool {
        guard !block.ignorePublicAcls else { return false }
        let acl: AccessControlList
        let permission: Permission
        switch grant {
        case .none: return false
        case .bucket(let needed): (acl, permission) = (access.acl, needed)
        case .object(let object, let needed):
            guard access.ownership != .bucketOwnerEnforced else { return false }
            (acl, permission) = (object.acl, needed)
        }
        return AccessControlList(grants: acl.grants.filter(\.grantee.isPublic))
            .allows(permission, to: requester?.account, owner: .anonymous)
    }
}

extension Grantee {
    /// AllUsers or AuthenticatedUsers: what S3 counts as a public grant.
    var isPublic: Bool { self == .allUsers || self == .authenticatedUsers }
}
