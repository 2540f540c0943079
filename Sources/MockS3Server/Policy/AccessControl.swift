import Foundation
import S3Wire

public enum Permission: String, Sendable, Codable, CaseIterable {
    case read = "READ"
    case write = "WRITE"
    case readACP = "READ_ACP"
    case writeACP = "WRITE_ACP"
    case fullControl = "FULL_CONTROL"
}

public enum Grantee: Sendable, Hashable {
    case account(Account)
    /// `AllUsers` (anyone, signed or not), `AuthenticatedUsers` (any signed caller), `LogDelivery`.
    case group(String)

    static let allUsers = Grantee.group("http://acs.amazonaws.com/groups/global/AllUsers")
    static let authenticatedUsers = Grantee.group("http://acs.amazonaws.com/groups/global/AuthenticatedUsers")
    static let logDelivery = Grantee.group("http://acs.amazonaws.com/groups/s3/LogDelivery")
    static let groups: Set<String> = [
        "http://acs.amazonaws.com/groups/global/AllUsers", "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
        "http://acs.amazonaws.com/groups/s3/LogDelivery",
    ]

    func includes(_ caller: Account?) -> Bool {
        switch self {
        case .account(let account): account.id == caller?.id
        case .group(let uri): uri == Self.allUsers.uri || (uri == Self.authenticatedUsers.uri && caller != nil)
        }
    }

    private var uri: String {
        if case .group(let uri) = self { return uri }
        return ""
    }
}

public struct Grant: Sendable, Hashable {
    public var grantee: Grantee
    public var permission: Permission
}

/// The ACLs a request names instead of grants (`x-amz-acl`).
public enum CannedACL: String, Sendable, CaseIterable {
    case `private` = "private"
    case publicRead = "public-read"
    case publicReadWrite = "public-read-write"
    case authenticatedRead = "authenticated-read"
    case awsExecRead = "aws-exec-read"
    case bucketOwnerRead = "bucket-owner-read"
    case bucketOwnerFullControl = "bucket-owner-full-control"
    case logDeliveryWrite = "log-delivery-write"
}

/// A bucket's or object's access control list: its grants (the owner is the resource's). S3's
/// rules: a grant of FULL_CONTROL gives every permission, and the owner may always read and
/// change the list itself, whatever it says.
public struct AccessControlList: Sendable, Hashable {
    public var grants: [Grant]

    public init(grants: [Grant]) { self.grants = grants }

    /// What a canned ACL means for a resource owned by `owner` in a bucket owned by `bucketOwner`:
    /// its grants, then the owner's full control (the order Ceph's s3-tests expect).
    public static func canned(_ acl: CannedACL, owner: Account, bucketOwner: Account) -> AccessControlList {
        var grants: [Grant] = []
        switch acl {
        case .private, .awsExecRead: break
        case .publicRead: grants.append(Grant(grantee: .allUsers, permission: .read))
        case .publicReadWrite:
            grants += [Grant(grantee: .allUsers, permission: .read), Grant(grantee: .allUsers, permission: .write)]
        case .authenticatedRead: grants.append(Grant(grantee: .authenticatedUsers, permission: .read))
        case .bucketOwnerRead:
            if bucketOwner != owner { grants.append(Grant(grantee: .account(bucketOwner), permission: .read)) }
        case .bucketOwnerFullControl:
            if bucketOwner != owner { grants.append(Grant(grantee: .account(bucketOwner), permission: .fullControl)) }
        case .logDeliveryWrite:
            grants += [
                Grant(grantee: .logDelivery, permission: .write), Grant(grantee: .logDelivery, permission: .readACP),
            ]
        }
        return AccessControlList(grants: grants + [Grant(grantee: .account(owner), permission: .fullControl)])
    }

    public static func `private`(_ owner: Account) -> AccessControlList {
        canned(.private, owner: owner, bucketOwner: owner)
    }

    public func allows(_ permission: Permission, to caller: Account?, owner: Account) -> Bool {
        if (permission == .readACP || permission == .writeACP) && caller == owner { return true }
        return grants.contains {
            ($0.permission == permission || $0.permission == .fullControl) && $0.grantee.includes(caller)
        }
    }

    /// Whether anyone, signed or not, gets a permission (what a public access block looks at).
    var isPublic: Bool {
        grants.contains { $0.grantee == .allUsers || $0.grantee == .authenticatedUsers }
    }

    func xml(owner: Account) -> String {
        var document = XMLWriter(root: "AccessControlPolicy")
        document.owner(owner)
        document.element("AccessControlList") { list in
            for grant in grants {
                list.element("Grant") {
                    switch grant.grantee {
                    case .account(let account):
                        $0.element("Grantee", attributes: Self.granteeType("CanonicalUser")) {
                            $0.element("ID", account.id)
                            $0.element("DisplayName", account.displayName)
                        }
                    case .group(let uri):
                        $0.element("Grantee", attributes: Self.granteeType("Group")) { $0.element("URI", uri) }
                    }
                    $0.element("Permission", grant.permission.rawValue)
                }
            }
        }
        return document.finish()
    }

    private static func granteeType(_ type: String) -> [(String, String)] {
        [("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"), ("xsi:type", type)]
    }
}

/// Who is known to the server, for grants by id or e-mail address.
struct AccountDirectory: Sendable {
    var accounts: [Account]

    func grantee(id: String) throws(S3ServerError) -> Grantee {
        guard let account = accounts.first(where: { $0.id == id }) else {
            throw .invalidArgument("Invalid id", name: "CanonicalUser/ID", value: id)
        }
        return .account(account)
    }

    func grantee(email: String) throws(S3ServerError) -> Grantee {
        guard let account = accounts.first(where: { $0.email?.lowercased() == email.lowercased() }) else {
            throw .unresolvableGrantByEmailAddress(email)
        }
        return .account(account)
    }

    func grantee(uri: String) throws(S3ServerError) -> Grantee {
        guard Grantee.groups.contains(uri) else {
            throw .invalidArgument("Invalid group uri", name: "Group/URI", value: uri)
        }
        return .group(uri)
    }

    /// `<AccessControlPolicy>` as PutBucketAcl and PutObjectAcl take it.
    func parsePolicy(_ root: XML.Element) throws(S3ServerError) -> AccessControlList {
        guard root.name == "AccessControlPolicy", let list = root.child("AccessControlList") else {
            throw .malformedXML
        }
        var grants: [Grant] = []
        for grant in list.children("Grant") {
            guard let granteeElement = grant.child("Grantee"), let text = grant.value("Permission"),
                let permission = Permission(rawValue: text)
            else { throw .malformedXML }
            let grantee: Grantee
            if let id = granteeElement.value("ID") {
                grantee = try self.grantee(id: id)
            } else if let email = granteeElement.value("EmailAddress") {
                grantee = try self.grantee(email: email)
            } else if let uri = granteeElement.value("URI") {
                grantee = try self.grantee(uri: uri)
            } else {
                throw .malformedXML
            }
            grants.append(Grant(grantee: grantee, permission: permission))
        }
        return AccessControlList(grants: grants)
    }

    /// `x-amz-grant-read: id="…", emailAddress="…", uri="…"` and the other four; nil without any.
    func parseGrantHeaders(_ headers: some Sequence<(name: String, value: String)>) throws(S3ServerError)
        -> AccessControlList?
    {
        var grants: [Grant] = []
        var any = false
        // One pass, and a name is lowercased only when it starts like a grant (every write asks).
        for field in headers
        where field.name.utf8.count > 12
            && Substring(field.name.utf8.prefix(12)).equalsIgnoringASCIICase("x-amz-grant-")
        {
            let header = field.name.lowercased()
            guard let permission = Self.grantHeaders[header] else { continue }
            any = true
            for item in field.value.split(separator: ",") {
                let pair = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard pair.count == 2 else {
                    throw .invalidArgument("Invalid grant header", name: header, value: field.value)
                }
                let value = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                let grantee: Grantee
                switch pair[0].lowercased() {
                case "id": grantee = try self.grantee(id: value)
                case "emailaddress": grantee = try self.grantee(email: value)
                case "uri": grantee = try self.grantee(uri: value)
                default: throw .invalidArgument("Invalid grant header", name: header, value: field.value)
                }
                grants.append(Grant(grantee: grantee, permission: permission))
            }
        }
        return any ? AccessControlList(grants: grants) : nil
    }

    static let grantHeaders: [String: Permission] = [
        "x-amz-grant-read": .read, "x-amz-grant-write": .write, "x-amz-grant-read-acp": .readACP,
        "x-amz-grant-write-acp": .writeACP, "x-amz-grant-full-control": .fullControl,
    ]
}

extension XMLWriter {
    /// `<Owner><ID>…</ID><DisplayName>…</DisplayName></Owner>` (or another element name, such as `Initiator`).
    mutating func owner(_ account: Account, as name: String = "Owner") {
        element(name) {
            $0.element("ID", account.id)
            $0.element("DisplayName", account.displayName)
        }
    }
}
