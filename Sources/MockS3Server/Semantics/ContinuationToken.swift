import Foundation

/// A listing's continuation token: the last name a page gave, base64-encoded, so the next page
/// starts after it.
enum ContinuationToken {
    static func encode(_ last: String) -> String { Data(last.utf8).base64EncodedString() }

    static func decode(_ token: String) throws(S3ServerError) -> String {
        guard let data = Data(base64Encoded: token), let after = String(data: data, encoding: .utf8) else {
            throw .invalidArgument(
                "The continuation token provided is incorrect", name: "continuation-token", value: token)
        }
        return after
    }
}
