import Foundation

extension Dictionary where Key == String, Value == String {
    /// An environment variable as every setting here reads one: trimmed, and blank counts as unset
    /// (`AWS_REGION=" "` must not become a region named " ").
    public func setting(_ name: String) -> String? {
        guard let value = self[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else {
            return nil
        }
        return value
    }
}
