import Foundation

/// What one policy says about one request: an explicit Deny, an Allow (and whether it names the
/// caller itself or `*`, or only the caller's account), or nothing.
struct PolicyVerdict: Sendable, Equatable {
    var denied = false
    var allowed = false
    /// Allowed by a statement naming the caller (its user ARN, its root, or `*`): what lets a
    /// bucket policy stand in for a same-account user's identity policy.
    var allowedDirectly = false
}

extension PolicyDocument {
    /// IAM's rule inside one policy: any matching Deny wins, else any matching Allow.
    /// `action` is in lower case (`s3:getobject`); `resource` an S3 ARN.
    func evaluate(action: String, resource: String, requester: Requester?, context: some PolicyContext)
        -> PolicyVerdict
    {
        var verdict = PolicyVerdict()
        // Cheapest first: the action, who asks, the resource, then the conditions.
        for statement in statements {
            guard statement.covers(action: action) else { continue }
            let match = statement.match(requester)
            guard match != .none,
                statement.covers(resource: resource, context: context, variables: substitutesVariables),
                statement.conditions.allSatisfy({ $0.holds(in: context, variables: substitutesVariables) })
            else { continue }
            switch statement.effect {
            case .deny:
                verdict.denied = true
                return verdict
            case .allow:
                verdict.allowed = true
                if match == .caller { verdict.allowedDirectly = true }
            }
        }
        return verdict
    }

    /// S3's test for a public policy (docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html,
    /// "The meaning of public"): an Allow to `*` that no condition pins to fixed callers or addresses.
    static func isPublic(_ statements: [PolicyStatement]) -> Bool {
        statements.contains { statement in
            guard statement.effect == .allow, statement.principals?.anyone == true else { return false }
            return !statement.conditions.contains(where: \.pinsCallers)
        }
    }
}

extension PolicyStatement {
    enum PrincipalMatch { case none, account, caller }

    func covers(action: String) -> Bool {
        actions.contains { $0.matches(action) } != actionsNegated
    }

    func covers(resource: String, context: some PolicyContext, variables: Bool) -> Bool {
        resources.contains { pattern in
            guard variables && pattern.hasVariables else { return pattern.matches(resource) }
            guard let text = PolicyVariables.substitute(pattern.text, in: context, enabled: true) else { return false }
            return WildcardPattern(text).matches(resource)
        } != resourcesNegated
    }

    func match(_ requester: Requester?) -> PrincipalMatch {
        // An identity policy's principal is the user it is attached to.
        guard let principals else { return .caller }
        let found = Self.find(requester, in: principals)
        if principalsNegated { return found == .none ? .caller : .none }
        return found
    }

    private static func find(_ requester: Requester?, in set: PrincipalSet) -> PrincipalMatch {
        if set.anyone { return .caller }
        guard let requester else { return .none }
        var best = PrincipalMatch.none
        for name in set.names {
            switch name {
            case .account(let number) where number == requester.account.number,
                .canonicalUser(let number) where number == requester.account.id:
                if requester.user == nil { return .caller }
                best = .account
            case .user(let account, let user) where account == requester.account.number && user == requester.user?.name:
                return .caller
            default: continue
            }
        }
        return best
    }
}

extension PolicyCondition {
    /// Keys whose fixed values make an Allow to `*` not public (the ones this server evaluates).
    private static let pinningKeys: Set<String> = [
        "aws:sourceip", "aws:userid", "aws:principalaccount", "aws:principalarn",
    ]

    var pinsCallers: Bool {
        guard Self.pinningKeys.contains(key), !op.isNegated, qualifier != .forAllValues, !ifExists else { return false }
        if op == .ipAddress {
            return values.allSatisfy { ($0.split(separator: "/").last.flatMap { Int($0) } ?? 32) >= 8 }
        }
        return values.allSatisfy { !$0.contains("*") && !$0.contains("?") && !$0.contains("${") }
    }
}
