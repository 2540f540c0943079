import Foundation
import NIOHTTP1
import S3Wire

/// A key pair the server accepts. `sessionToken` makes it temporary credentials; `expired` makes
/// every use of it fail with `ExpiredToken`.
public struct MockCredential: Sendable {
    public var accessKeyId: String
    public var secretAccessKey: String
    public var sessionToken: String?
    public var expired: Bool
    /// The account the key acts for (owner of what it creates, grantee of what is granted to it).
    public var account: Account
    /// nil: the key is the account's root, with every right over the account's resources; otherwise
    /// an IAM user of it, allowed what its identity policy (or a resource policy) allows.
    public var user: IAMUser?

    public init(
        accessKeyId: String, secretAccessKey: String, sessionToken: String? = nil, expired: Bool = false,
        account: Account = .mock, user: IAMUser? = nil
    ) {
        self.user = user
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.expired = expired
        self.account = account
    }
}

public enum Principal: Sendable, Equatable, CustomStringConvertible {
    case anonymous
    case user(String)
    public var description: String {
        switch self {
        case .anonymous: "anonymous"
        case .user(let id): id
        }
    }
}
