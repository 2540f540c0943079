import Foundation
import NIOHTTP1
import S3Wire

/// The condition keys a policy may name: those this server gives values to, those S3 or IAM
/// define that it does not (a policy naming one is refused with 501 when it is put: stored, it
/// would be evaluated differently from AWS), and everything else, which S3 refuses as invalid.
/// Keys: docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html and
/// docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html.
enum ConditionKeys {
    /// Request headers behind S3's keys of the same meaning.
    static let headers: [String: String] = [
        "s3:x-amz-acl": "x-amz-acl", "s3:x-amz-content-sha256": "x-amz-content-sha256",
        "s3:x-amz-copy-source": "x-amz-copy-source", "s3:x-amz-metadata-directive": "x-amz-metadata-directive",
        "s3:x-amz-server-side-encryption": "x-amz-server-side-encryption",
        "s3:x-amz-storage-class": "x-amz-storage-class", "s3:x-amz-grant-read": "x-amz-grant-read",
        "s3:x-amz-grant-write": "x-amz-grant-write", "s3:x-amz-grant-read-acp": "x-amz-grant-read-acp",
        "s3:x-amz-grant-write-acp": "x-amz-grant-write-acp", "s3:x-amz-grant-full-control": "x-amz-grant-full-control",
        "s3:x-amz-object-ownership": "x-amz-object-ownership", "s3:object-lock-mode": "x-amz-object-lock-mode",
        "s3:object-lock-retain-until-date": "x-amz-object-lock-retain-until-date",
        "s3:object-lock-legal-hold": "x-amz-object-lock-legal-hold", "s3:if-match": "if-match",
        "s3:if-none-match": "if-none-match", "aws:referer": "referer", "aws:useragent": "user-agent",
    ]

    /// Query parameters behind S3's keys.
    static let queries: [String: String] = [
        "s3:prefix": "prefix", "s3:delimiter": "delimiter", "s3:max-keys": "max-keys", "s3:versionid": "versionId",
    ]

    static let computed: Set<String> = [
        "s3:authtype", "s3:signatureversion", "s3:signatureage", "s3:resourceaccount", "s3:tlsversion",
        "s3:requestobjecttagkeys", "aws:securetransport", "aws:sourceip", "aws:principalaccount", "aws:principalarn",
        "aws:principaltype", "aws:userid", "aws:username", "aws:currenttime", "aws:epochtime", "aws:requestedregion",
    ]

    static let taggedPrefixes = ["s3:existingobjecttag/", "s3:requestobjecttag/"]

    /// Defined by S3 or IAM, not evaluated here.
    static let notEvaluated: Set<String> = [
        "aws:sourcevpc", "aws:sourcevpce", "aws:sourcevpcarn", "aws:sourcearn", "aws:sourceaccount", "aws:sourceowner",
        "aws:sourceorgid", "aws:sourceorgpaths", "aws:principalorgid", "aws:principalorgpaths",
        "aws:principalservicename", "aws:principalservicenameslist", "aws:principalisawsservice", "aws:tagkeys",
        "aws:multifactorauthpresent", "aws:multifactorauthage", "aws:tokenissuetime", "aws:calledvia",
        "aws:calledviafirst", "aws:calledvialast", "aws:viaawsservice", "aws:vpcsourceip", "aws:resourceaccount",
        "aws:resourceorgid", "aws:resourceorgpaths", "aws:federatedprovider", "aws:ec2instancesourcevpc",
        "aws:ec2instancesourceprivateipv4", "aws:sourceidentity", "aws:rolesessionname", "aws:assumedroot",
        "aws:ismcpserviceaction", "s3:dataaccesspointarn", "s3:dataaccesspointaccount", "s3:accesspointnetworkorigin",
        "s3:x-amz-server-side-encryption-aws-kms-key-id", "s3:x-amz-server-side-encryption-customer-algorithm",
        "s3:locationconstraint", "s3:object-lock-remaining-retention-days", "s3:x-amz-website-redirect-location",
        "s3:objectcreationoperation", "s3:accessgrantsinstancearn", "s3:existingjobpriority", "s3:existingjoboperation",
        "s3:jobsuspendedcause", "s3:requestjobpriority", "s3:requestjoboperation",
        "s3:inventoryaccessibleoptionalfields",
        "s3:x-amz-checksum-algorithm",
    ]
    static let notEvaluatedPrefixes = ["aws:principaltag/", "aws:resourcetag/", "aws:requesttag/"]

    /// Lower case up to a tag's own key, which keeps its case.
    static func normalize(_ key: String) -> String {
        guard let slash = key.firstIndex(of: "/") else { return key.lowercased() }
        return key[..<slash].lowercased() + key[slash...]
    }

    static func check(_ key: String, given: String) throws(PolicyError) {
        if headers[key] != nil || queries[key] != nil || computed.contains(key)
            || taggedPrefixes.contains(where: { key.hasPrefix($0) && key.count > $0.count })
        {
            return
        }
        if notEvaluated.contains(key) || notEvaluatedPrefixes.contains(where: { key.hasPrefix($0) }) {
            throw .notImplemented(
                "The condition key \(given) is defined by AWS but not evaluated by mock-s3; a policy using it is refused rather than evaluated differently"
            )
        }
        throw .malformed("Policy has an invalid condition key: \(given)")
    }
}

/// Who a request acts as: an account's root, or one of its IAM users with an identity policy.
public struct Requester: Sendable, Equatable {
    public var account: Account
    public var user: IAMUser?

    public init(account: Account, user: IAMUser? = nil) {
        self.account = account
        self.user = user
    }

    var arn: String {
        "arn:aws:iam::\(account.number):" + (user.map { "user/\($0.name)" } ?? "root")
    }
}

/// An IAM user of an account: a name, and what its identity policy allows (nothing without one,
/// save what resource policies grant it).
public struct IAMUser: Sendable, Equatable {
    public var name: String
    public var policy: PolicyDocument?

    public init(name: String, policy: PolicyDocument?) {
        self.name = name
        self.policy = policy
    }

    /// IAM's unique id for a user (`AIDA...`), what `aws:userid` holds.
    var uniqueId: String {
        "AIDA"
            + String(name.utf8.reduce(UInt64(1469598103934665603)) { ($0 ^ UInt64($1)) &* 1099511628211 }, radix: 36)
            .uppercased()
    }
}

/// The values one request gives the condition keys, computed when a policy asks for them.
struct RequestContext: PolicyContext {
    let request: IncomingRequest
    let requester: Requester?
    /// The bucket's owner (`s3:ResourceAccount`).
    let bucketOwner: Account?
    let remoteAddress: String?
    let now: Date
    let region: String
    /// The object's tags, for `s3:ExistingObjectTag/KEY` (read only when a policy names one).
    var existingTags: (() -> [Tag]?)?
    /// `s3:prefix` when the question is whether a missing key may be told apart from a hidden one.
    var prefix: String?

    func values(_ key: String) -> [String]? {
        if let header = ConditionKeys.headers[key] {
            let values = request.headers[header]
            return values.isEmpty ? nil : values
        }
        if key == "s3:prefix", let prefix { return [prefix] }
        if let name = ConditionKeys.queries[key] { return request.queryValue(name).map { [$0] } }
        if key.hasPrefix("s3:existingobjecttag/") {
            let tag = key.dropFirst("s3:existingobjecttag/".count)
            return existingTags?()?.first { $0.key == tag }.map { [$0.value] }
        }
        if key.hasPrefix("s3:requestobjecttag/") {
            let tag = key.dropFirst("s3:requestobjecttag/".count)
            return tagsSet?.first { $0.key == tag }.map { [$0.value] }
        }
        switch key {
        case "s3:requestobjecttagkeys": return tagsSet?.map(\.key)
        case "s3:authtype":
            if request.headers.contains(name: "authorization") { return ["REST-HEADER"] }
            if request.queryValue("X-Amz-Signature") != nil || request.queryValue("Signature") != nil {
                return ["REST-QUERY-STRING"]
            }
            return requester == nil ? nil : ["POST"]
        case "s3:signatureversion":
            if request.headers.contains(name: "authorization") || request.queryValue("X-Amz-Signature") != nil {
                return ["AWS4-HMAC-SHA256"]
            }
            return request.queryValue("Signature") != nil ? ["AWS"] : nil
        case "s3:signatureage":
            guard let text = request.headers.first(name: "x-amz-date") ?? request.queryValue("X-Amz-Date"),
                let signed = AmzDate.parse(text)
            else { return nil }
            return [String(Int(now.timeIntervalSince(signed) * 1000))]
        case "s3:resourceaccount": return bucketOwner.map { [$0.number] }
        case "aws:securetransport": return ["false"]
        case "aws:sourceip": return remoteAddress.map { [$0] }
        case "aws:principalaccount": return requester.map { [$0.account.number] }
        case "aws:principalarn": return requester.map { [$0.arn] }
        case "aws:principaltype": return [requester == nil ? "Anonymous" : requester?.user == nil ? "Account" : "User"]
        case "aws:userid": return [requester.map { $0.user?.uniqueId ?? $0.account.number } ?? "anonymous"]
        case "aws:username": return requester?.user.map { [$0.name] }
        case "aws:currenttime": return [UTCDate(now).s3Timestamp]
        case "aws:epochtime": return [String(Int(now.timeIntervalSince1970))]
        case "aws:requestedregion": return [region]
        default: return nil
        }
    }

    /// The tags the request sets (`x-amz-tagging`).
    private var tagsSet: [Tag]? {
        request.headers.first(name: "x-amz-tagging").flatMap { try? Tag.set(header: $0) }
    }
}
