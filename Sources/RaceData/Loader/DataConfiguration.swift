import Foundation
import S3Kit
import S3Wire

/// Which source serves the data, from the environment (the README's table): `USE_S3_DATA`, `S3_BUCKET_NAME`,
/// `S3_PREFIX`, `DATA_DIR`, and the AWS settings of `S3Configuration.fromEnvironment`.
public struct DataConfiguration: Sendable {
    public enum Choice: Sendable, Equatable {
        case local(root: String)
        case s3(bucket: String, prefix: String)
    }

    public var choice: Choice
    /// Set when the choice is S3.
    public var s3: S3Configuration?
    public var limits = LoadLimits.standard

    public static let trueWords: Set<String> = ["true", "1", "yes", "on"]
    public static let falseWords: Set<String> = ["false", "0", "no", "off", ""]

    /// `true/1/yes/on` → S3; `false/0/no/off`, empty or unset → local; case-insensitive, trimmed.
    public static func useS3(_ raw: String?) throws(DataError) -> Bool {
        let value = (raw ?? "").trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        if trueWords.contains(value) { return true }
        if falseWords.contains(value) { return false }
        throw .configuration(
            "USE_S3_DATA=\"\(raw ?? "")\" is not understood. Use true, 1, yes or on for S3; false, 0, no, off or leave it unset for local files."
        )
    }

    /// `sourceOverride` ("local" or "s3", from a flag) wins over `USE_S3_DATA`.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment,
        sourceOverride: String? = nil, anonymous: Bool = false
    ) throws(DataError) -> DataConfiguration {
        let s3: Bool
        switch sourceOverride?.lowercased() {
        case "s3"?: s3 = true
        case "local"?: s3 = false
        case nil: s3 = try useS3(environment["USE_S3_DATA"])
        case let other?: throw .configuration("--source \(other) is not a source: use local or s3.")
        }
        let value = environment.setting
        let limits = try LoadLimits.fromEnvironment(environment)
        guard s3 else {
            return DataConfiguration(choice: .local(root: value("DATA_DIR") ?? "./data"), s3: nil, limits: limits)
        }
        guard let bucket = value("S3_BUCKET_NAME") else {
            throw .configuration(
                "USE_S3_DATA selects S3, but S3_BUCKET_NAME is not set. Set it to your bucket's name (there is no default: a default would send signed requests to someone else's bucket)."
            )
        }
        var prefix = environment["S3_PREFIX"]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "data/"
        if !prefix.isEmpty && !prefix.hasSuffix("/") { prefix += "/" }
        if prefix.hasPrefix("/") || prefix.contains("//") || prefix.split(separator: "/").contains("..") {
            throw .configuration("S3_PREFIX=\"\(prefix)\" is not a usable key prefix (no leading /, no //, no ..).")
        }
        let configuration: S3Configuration
        do { configuration = try S3Configuration.fromEnvironment(environment, anonymous: anonymous) } catch {
            throw .storage(error)
        }
        return DataConfiguration(choice: .s3(bucket: bucket, prefix: prefix), s3: configuration, limits: limits)
    }

    public func makeSource() -> any DataSource {
        switch choice {
        case .local(let root): LocalDataSource(root: URL(fileURLWithPath: root), limits: limits)
        case .s3(let bucket, let prefix):
            S3DataSource(client: S3Client(configuration: s3!), bucket: bucket, prefix: prefix, limits: limits)
        }
    }
}
