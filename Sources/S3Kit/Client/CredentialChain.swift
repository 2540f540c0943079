import Foundation
import S3Wire

/// The standard chain, in order: the environment (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
/// `AWS_SESSION_TOKEN`), then the shared credentials file (`AWS_SHARED_CREDENTIALS_FILE` or
/// `~/.aws/credentials`, profile `AWS_PROFILE` or `default`).
public struct CredentialChain: Sendable {
    public var environment: [String: String]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    var profile: String { nonEmpty("AWS_PROFILE") ?? nonEmpty("AWS_DEFAULT_PROFILE") ?? "default" }

    var credentialsFile: String {
        if let path = nonEmpty("AWS_SHARED_CREDENTIALS_FILE") { return expandTilde(path) }
        return expandTilde("~/.aws/credentials")
    }

    private func nonEmpty(_ name: String) -> String? { environment.setting(name) }

    func expandTilde(_ path: String) -> String {
        guard path.hasPrefix("~") else { return path }
        let home = nonEmpty("HOME") ?? NSHomeDirectory()
        return home + path.dropFirst()
    }

    public func resolve() throws(S3Error) -> Credentials {
        let keyId = nonEmpty("AWS_ACCESS_KEY_ID")
        let secret = nonEmpty("AWS_SECRET_ACCESS_KEY")
        switch (keyId, secret) {
        case (let keyId?, let secret?):
            return Credentials(
                accessKeyId: keyId, secretAccessKey: secret, sessionToken: nonEmpty("AWS_SESSION_TOKEN"),
                source: "environment")
        case (_?, nil):
            throw .credentials(
                "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not. Set both, or neither to use the shared credentials file."
            )
        case (nil, _?):
            throw .credentials(
                "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not. Set both, or neither to use the shared credentials file."
            )
        case (nil, nil):
            break
        }
        let path = credentialsFile
        let explicitProfile = nonEmpty("AWS_PROFILE") != nil
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw .credentials(
                "No AWS credentials found. Looked in: the environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are unset) and the shared credentials file \(path) (not readable). Set the two variables, or run `aws configure`."
            )
        }
        let sections = Self.parseINI(text)
        guard let section = sections[profile] else {
            let known = sections.keys.sorted().joined(separator: ", ")
            throw .credentials(
                "No AWS credentials found: profile [\(profile)]\(explicitProfile ? " (AWS_PROFILE)" : "") is not in \(path) (it has: \(known.isEmpty ? "no profiles" : known)). The environment has no AWS_ACCESS_KEY_ID either."
            )
        }
        guard let id = section["aws_access_key_id"], !id.isEmpty,
            let key = section["aws_secret_access_key"], !key.isEmpty
        else {
            throw .credentials("Profile [\(profile)] in \(path) lacks aws_access_key_id or aws_secret_access_key.")
        }
        return Credentials(
            accessKeyId: id, secretAccessKey: key, sessionToken: section["aws_session_token"],
            source: "\(path) [\(profile)]")
    }

    /// `[section]` headers and `key = value` lines; `#` and `;` start comments.
    static func parseINI(_ text: String) -> [String: [String: String]] {
        var sections: [String: [String: String]] = [:]
        var current: String?
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingSpaces
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                var name = line.dropFirst().dropLast().trimmingSpaces
                if name.hasPrefix("profile ") { name = String(name.dropFirst(8)).trimmingSpaces }
                current = name
                sections[name, default: [:]] = sections[name] ?? [:]
            } else if let current, let eq = line.firstIndex(of: "=") {
                let key = line[..<eq].trimmingSpaces.lowercased()
                let value = line[line.index(after: eq)...].trimmingSpaces
                sections[current]![key] = value
            }
        }
        return sections
    }
}
