import S3Wire

/// One rule of a bucket's CORS configuration: the origins and methods it allows, the request
/// headers a preflight may ask for, the response headers exposed, and how long a preflight holds.
public struct CORSRule: Sendable, Codable, Equatable {
    public var origins: [String]
    public var methods: [String]
    public var headers: [String]
    public var exposed: [String]
    public var maxAge: String?

    func allows(origin: String) -> Bool { origins.contains { Self.matches($0, origin) } }

    /// `*` matches anything, a single `*` inside a pattern any run of characters.
    static func matches(_ pattern: String, _ text: String) -> Bool {
        guard let star = pattern.firstIndex(of: "*") else { return pattern == text }
        let prefix = pattern[..<star]
        let suffix = pattern[pattern.index(after: star)...]
        return text.count >= prefix.count + suffix.count && text.hasPrefix(prefix) && text.hasSuffix(suffix)
    }
}

/// A bucket's CORS configuration as PutBucketCors sends it and GetBucketCors answers it.
extension CORSRule {
    static let methodsAllowed: Set<String> = ["GET", "PUT", "HEAD", "POST", "DELETE"]

    /// The rules of a `CORSConfiguration` document: 1 to 100, each with a method and an origin.
    static func rules(in root: XML.Element) throws(S3ServerError) -> [CORSRule] {
        let rules = root.children("CORSRule")
        guard root.name == "CORSConfiguration", !rules.isEmpty, rules.count <= 100 else { throw .malformedXML }
        return try rules.map { rule throws(S3ServerError) in
            let methods = rule.children("AllowedMethod").map(\.text)
            let origins = rule.children("AllowedOrigin").map(\.text)
            guard !methods.isEmpty, !origins.isEmpty else { throw .malformedXML }
            for method in methods where !methodsAllowed.contains(method) { throw .unsupportedCORSMethod(method) }
            return CORSRule(
                origins: origins, methods: methods, headers: rule.children("AllowedHeader").map(\.text),
                exposed: rule.children("ExposeHeader").map(\.text), maxAge: rule.value("MaxAgeSeconds"))
        }
    }

    static func xml(_ rules: [CORSRule]) -> String {
        var document = XMLWriter(root: "CORSConfiguration")
        for rule in rules {
            document.element("CORSRule") {
                for header in rule.headers { $0.element("AllowedHeader", header) }
                for method in rule.methods { $0.element("AllowedMethod", method) }
                for origin in rule.origins { $0.element("AllowedOrigin", origin) }
                for header in rule.exposed { $0.element("ExposeHeader", header) }
                if let maxAge = rule.maxAge { $0.element("MaxAgeSeconds", maxAge) }
            }
        }
        return document.finish()
    }
}
