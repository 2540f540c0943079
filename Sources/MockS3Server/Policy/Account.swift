import Foundation
import S3Wire

/// An AWS account as S3 names it in owners and grants. Each configured key belongs to one; keys
/// given no account share the server's own (`Account.mock`).
public struct Account: Sendable, Hashable, Codable {
    public let id: String
    public var displayName: String
    public var email: String?
    /// The 12-digit number policies name the account by (`arn:aws:iam::NUMBER:root`, `aws:PrincipalAccount`),
    /// made from its canonical id: the same account has the same number in every run. Kept, not
    /// computed per use: policy evaluation compares it for every statement.
    public let number: String

    public init(id: String, displayName: String, email: String? = nil) {
        self.id = id
        self.displayName = displayName
        self.email = email
        let digits = id.unicodeScalars.prefix(12).map { String($0.value % 10) }.joined()
        number = digits.padding(toLength: 12, withPad: "0", startingAt: 0)
    }

    private enum CodingKeys: String, CodingKey { case id, displayName, email }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            id: try container.decode(String.self, forKey: .id),
            displayName: try container.decode(String.self, forKey: .displayName),
            email: try container.decodeIfPresent(String.self, forKey: .email))
    }

    public static let mock = Account(
        id: "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a", displayName: "mock")

}
