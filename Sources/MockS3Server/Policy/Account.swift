import Foundation
import S3Wire

/// An AWS account as S3 names it in owners and grants. Each configured key belongs to one; keys
/// given no account share the server's own (`Account.mock`).
public struct Account: Sendable, Hashable, Codable {
    public var id: String
    public var displayName: String
    public var email: String?

    public init(id: String, displayName: String, email: String? = nil) {
        self.id = id
        self.displayName = displayName
        self.email = email
    }

    public static let mock = Account(
        id: "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a", displayName: "mock")

}
