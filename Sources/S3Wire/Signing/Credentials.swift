/// An AWS key pair. Its description never shows the secret, and the key id only by its last 4 characters.
public struct Credentials: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    public var accessKeyId: String
    public var secretAccessKey: String
    public var sessionToken: String?
    /// Where they were found ("environment", "~/.aws/credentials [profile]"), for messages.
    public var source: String

    public init(accessKeyId: String, secretAccessKey: String, sessionToken: String? = nil, source: String = "given") {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.source = source
    }

    /// "…WXYZ": enough to tell keys apart, too little to use.
    public var redactedKeyId: String { Credentials.redact(accessKeyId) }

    public static func redact(_ keyId: String) -> String {
        keyId.count <= 4 ? "…" : "…" + keyId.suffix(4)
    }

    public var description: String { "Credentials(\(redactedKeyId) from \(source))" }
    public var debugDescription: String { description }
}
