import Foundation

/// How long, and how firmly, a version is kept from deletion.
public struct Retention: Sendable, Codable, Equatable {
    public enum Mode: String, Sendable, Codable {
        case governance = "GOVERNANCE"
        case compliance = "COMPLIANCE"
    }
    public var mode: Mode
    public var until: Date
}

/// A bucket's Object Lock configuration (only buckets created with Object Lock have one): the
/// retention new objects get unless they name their own.
public struct ObjectLockConfiguration: Sendable, Codable, Equatable {
    public var mode: Retention.Mode?
    public var days: Int?
    public var years: Int?

    func defaultRetention(from now: Date) -> Retention? {
        guard let mode else { return nil }
        let day: TimeInterval = 86_400
        return Retention(
            mode: mode, until: now + TimeInterval(days ?? 0) * day + TimeInterval(years ?? 0) * 365 * day)
    }
}
