import Foundation

/// Which browser origins may call the API (`CORS_ALLOW_ORIGINS`, a comma list; `*` by default).
public struct CORSPolicy: Sendable {
    public var origins: [String]
    public init(origins: [String] = ["*"]) { self.origins = origins }

    /// From `CORS_ALLOW_ORIGINS` ("https://app.netlify.app, http://localhost:5173"); unset or blank is `*`.
    public init(environment value: String?) {
        let origins = (value ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
            !$0.isEmpty
        }
        self.init(origins: origins.isEmpty ? ["*"] : origins)
    }

    /// The `Access-Control-Allow-Origin` value for a request from `origin`, if it may see the answer.
    func allowedOrigin(for origin: String?) -> String? {
        if origins.contains("*") { return "*" }
        guard let origin, origins.contains(origin) else { return nil }
        return origin
    }
}
