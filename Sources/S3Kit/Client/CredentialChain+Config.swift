import Foundation

extension CredentialChain {
    /// The shared config file: `AWS_CONFIG_FILE` or `~/.aws/config`.
    var configFile: String {
        if let path = environment.setting("AWS_CONFIG_FILE") { return expandTilde(path) }
        return expandTilde("~/.aws/config")
    }

    /// A setting of the chain's profile in the shared config file (`[default]` or `[profile NAME]`),
    /// as the AWS SDKs read one; nil when the file, the profile or the key is missing.
    public func configSetting(_ key: String) -> String? {
        guard let text = try? String(contentsOfFile: configFile, encoding: .utf8) else { return nil }
        guard let value = Self.parseINI(text)[profile]?[key.lowercased()], !value.isEmpty else { return nil }
        return value
    }
}
