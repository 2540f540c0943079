import Foundation

/// An access policy as S3 and IAM read it: a bucket policy (resource-based, with principals) or a
/// user's identity policy (no principals). Parsed and checked once when it is put or loaded, then
/// evaluated on every request (`PolicyDocument+Evaluation`). The grammar is IAM's JSON policy
/// language (docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html).
public struct PolicyDocument: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// A bucket policy: every statement names principals, every resource is in this bucket.
        case bucket(String)
        /// An IAM user's policy: no principals; resources anywhere.
        case identity
    }

    /// The text as it was given (GetBucketPolicy answers it unchanged).
    public let text: String
    let kind: Kind
    let statements: [PolicyStatement]
    /// S3's test for a public policy (`PolicyDocument.isPublic(_:)`), made once.
    let isPublic: Bool
    /// Policy variables (`${aws:username}`) are read only under version 2012-10-17.
    let substitutesVariables: Bool

    /// S3's limit on a bucket policy's size.
    public static let maxBucketPolicyBytes = 20 * 1024

    public static func == (a: PolicyDocument, b: PolicyDocument) -> Bool { a.text == b.text }

    public init(parsing text: String, kind: Kind) throws(PolicyError) {
        self.text = text
        self.kind = kind
        if case .bucket = kind, text.utf8.count > Self.maxBucketPolicyBytes {
            throw .malformed(
                "Policy exceeds the maximum allowed document size (\(text.utf8.count) bytes; S3 takes 20 KB at most)")
        }
        guard text.utf8.first(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) == UInt8(ascii: "{"),
            let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        else { throw .malformed("Policies must be valid JSON and the first byte must be '{'") }
        for field in object.keys where !["Version", "Id", "Statement"].contains(field) {
            throw .malformed("Unknown field \(field)")
        }
        let version = object["Version"] as? String ?? "2008-10-17"
        guard ["2012-10-17", "2008-10-17"].contains(version) else {
            throw .malformed("Invalid Version \(version): use 2012-10-17")
        }
        substitutesVariables = version == "2012-10-17"
        let list: [Any]
        switch object["Statement"] {
        case let one as [String: Any]: list = [one]
        case let many as [Any] where !many.isEmpty: list = many
        default: throw .malformed("Missing required field Statement")
        }
        var statements: [PolicyStatement] = []
        for (index, item) in list.enumerated() {
            guard let fields = item as? [String: Any] else {
                throw .malformed("Statement \(index + 1) is not a JSON object")
            }
            statements.append(try PolicyStatement(fields, kind: kind, index: index))
        }
        let sids = statements.compactMap(\.sid)
        if let repeated = sids.first(where: { sid in sids.count(where: { $0 == sid }) > 1 }) {
            throw .malformed("Statement IDs (SID) in a single policy must be unique: \(repeated) is used twice")
        }
        self.statements = statements
        isPublic = Self.isPublic(statements)
    }
}

/// Why a policy was refused: `malformed` is S3's 400 MalformedPolicy; `notImplemented` names what
/// S3 defines and this server does not evaluate (501, never a policy evaluated differently).
public enum PolicyError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformed(String)
    case notImplemented(String)

    public var description: String {
        switch self {
        case .malformed(let why), .notImplemented(let why): why
        }
    }
}

/// One statement: who (principals), what (actions), on what (resources), when (conditions).
struct PolicyStatement: Sendable {
    enum Effect: Sendable { case allow, deny }

    let sid: String?
    let effect: Effect
    /// nil in identity policies (the user the policy is attached to is its principal).
    let principals: PrincipalSet?
    /// `NotPrincipal`: everyone except those listed.
    let principalsNegated: Bool
    /// Lowercased: actions are matched without regard to case.
    let actions: [WildcardPattern]
    let actionsNegated: Bool
    let resources: [WildcardPattern]
    let resourcesNegated: Bool
    let conditions: [PolicyCondition]

    init(_ fields: [String: Any], kind: PolicyDocument.Kind, index: Int) throws(PolicyError) {
        let known: Set<String> = [
            "Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition",
        ]
        for field in fields.keys where !known.contains(field) { throw .malformed("Unknown field \(field)") }
        let name = (fields["Sid"] as? String).map { "statement \($0)" } ?? "statement \(index + 1)"
        if let sid = fields["Sid"], !(sid is String) { throw .malformed("Sid of \(name) must be a string") }
        sid = fields["Sid"] as? String
        switch fields["Effect"] as? String {
        case "Allow": effect = .allow
        case "Deny": effect = .deny
        case let other?: throw .malformed("Invalid effect: \(other) (use Allow or Deny)")
        case nil: throw .malformed("Missing required field Effect in \(name)")
        }
        (principals, principalsNegated) = try Self.principals(fields, kind: kind, name: name)
        if principalsNegated && effect == .allow {
            throw .malformed("NotPrincipal is allowed only with \"Effect\": \"Deny\" (\(name))")
        }
        let (actions, actionsNegated) = try Self.pair(fields, "Action", "NotAction", name: name)
        for action in actions {
            let parts = action.split(separator: ":", maxSplits: 1)
            guard action == "*" || (parts.count == 2 && !parts[0].isEmpty && !parts[1].isEmpty) else {
                throw .malformed("Policy has invalid action: \(action) (in \(name); write it as s3:GetObject)")
            }
            if case .bucket = kind, action != "*", parts[0].lowercased() != "s3" {
                throw .malformed("Policy has invalid action: \(action) (a bucket policy takes s3: actions only)")
            }
        }
        self.actions = actions.map { WildcardPattern($0.lowercased()) }
        self.actionsNegated = actionsNegated
        let (resources, resourcesNegated) = try Self.pair(fields, "Resource", "NotResource", name: name)
        self.resources = resources.map(WildcardPattern.init)
        self.resourcesNegated = resourcesNegated
        if case .bucket(let bucket) = kind {
            for resource in resources where !Self.isInBucket(resource, bucket) {
                throw .malformed("Policy has invalid resource: \(resource) is not arn:aws:s3:::\(bucket) or in it")
            }
        }
        conditions = try PolicyCondition.parse(fields["Condition"], statement: name)
    }

    private static func isInBucket(_ resource: String, _ bucket: String) -> Bool {
        guard resource.hasPrefix("arn:aws:s3:::") else { return false }
        let path = resource.dropFirst("arn:aws:s3:::".count)
        let bucketPart = path.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)[0]
        return WildcardPattern(String(bucketPart)).matches(bucket) || bucketPart.contains("${")
    }

    /// `Action`/`NotAction` or `Resource`/`NotResource`: exactly one, a string or a list of strings.
    private static func pair(_ fields: [String: Any], _ plain: String, _ negated: String, name: String)
        throws(PolicyError) -> ([String], Bool)
    {
        switch (fields[plain], fields[negated]) {
        case (nil, nil): throw .malformed("Missing required field \(plain) in \(name)")
        case (.some, .some): throw .malformed("\(plain) and \(negated) cannot both be in \(name)")
        case (let value?, nil): return (try strings(value, field: plain, name: name), false)
        case (nil, let value?): return (try strings(value, field: negated, name: name), true)
        }
    }

    static func strings(_ value: Any, field: String, name: String) throws(PolicyError) -> [String] {
        if let one = value as? String { return [one] }
        if let many = value as? [Any], !many.isEmpty, many.allSatisfy({ $0 is String }) {
            return many.compactMap { $0 as? String }
        }
        throw .malformed("\(field) in \(name) must be a string or a list of strings")
    }

    private static func principals(_ fields: [String: Any], kind: PolicyDocument.Kind, name: String)
        throws(PolicyError) -> (PrincipalSet?, Bool)
    {
        let given = fields["Principal"] ?? fields["NotPrincipal"]
        let negated = fields["NotPrincipal"] != nil
        if fields["Principal"] != nil && negated {
            throw .malformed("Principal and NotPrincipal cannot both be in \(name)")
        }
        switch kind {
        case .identity:
            if given != nil { throw .malformed("Has prohibited field Principal (\(name) of an identity policy)") }
            return (nil, false)
        case .bucket:
            guard let given else { throw .malformed("Missing required field Principal in \(name)") }
            return (try PrincipalSet(given, statement: name), negated)
        }
    }
}

/// A statement's principals: anyone (`"*"`, `{"AWS": "*"}`), or accounts, users and canonical ids.
struct PrincipalSet: Sendable {
    enum Name: Sendable, Hashable {
        /// An account (its 12-digit number or `arn:aws:iam::NUMBER:root`): every principal of it.
        case account(String)
        case user(account: String, name: String)
        case canonicalUser(String)
        /// A service or federated principal: never a caller of this server.
        case elsewhere(String)
    }

    let anyone: Bool
    let names: Set<Name>

    init(_ value: Any, statement: String) throws(PolicyError) {
        if let text = value as? String {
            guard text == "*" else {
                throw .malformed("Invalid principal in policy: \(text) (in \(statement); use \"*\" or {\"AWS\": ...})")
            }
            anyone = true
            names = []
            return
        }
        guard let map = value as? [String: Any], !map.isEmpty else {
            throw .malformed("Invalid principal in policy (in \(statement))")
        }
        var anyone = false
        var names: Set<Name> = []
        for (type, listed) in map {
            for entry in try PolicyStatement.strings(listed, field: "Principal \(type)", name: statement) {
                switch type {
                case "AWS":
                    if entry == "*" { anyone = true } else { names.insert(try Self.aws(entry, statement: statement)) }
                case "CanonicalUser": names.insert(.canonicalUser(entry))
                case "Service", "Federated": names.insert(.elsewhere(entry))
                default: throw .malformed("Invalid principal in policy: unknown type \(type) (in \(statement))")
                }
            }
        }
        self.anyone = anyone
        self.names = names
    }

    /// An account number, `arn:aws:iam::ACCOUNT:root` or `arn:aws:iam::ACCOUNT:user/NAME`. AWS takes
    /// 12-digit accounts; Ceph takes tenant names there, and its conformance suite writes them, so
    /// any account text without wildcards is kept (it matches only a caller of that account).
    private static func aws(_ entry: String, statement: String) throws(PolicyError) -> Name {
        if entry.allSatisfy(\.isNumber) && entry.count == 12 { return .account(entry) }
        let parts = entry.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", parts[1] == "aws", parts[2] == "iam", !parts[4].isEmpty,
            !entry.contains("*"), !entry.contains("?")
        else {
            throw .malformed(
                "Invalid principal in policy: \(entry) (in \(statement); an account number, arn:aws:iam::ACCOUNT:root or arn:aws:iam::ACCOUNT:user/NAME)"
            )
        }
        let account = String(parts[4])
        if parts[5] == "root" { return .account(account) }
        if parts[5].hasPrefix("user/") {
            return .user(account: account, name: String(parts[5].split(separator: "/").last!))
        }
        return .elsewhere(entry)
    }
}

/// Kept as its text and the bucket it belongs to, and parsed again when read back.
extension PolicyDocument: Codable {
    private enum CodingKeys: String, CodingKey { case text, bucket }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(text, forKey: .text)
        if case .bucket(let name) = kind { try container.encode(name, forKey: .bucket) }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let bucket = try container.decodeIfPresent(String.self, forKey: .bucket)
        try self.init(parsing: container.decode(String.self, forKey: .text), kind: bucket.map(Kind.bucket) ?? .identity)
    }
}
