import Foundation
import S3Wire

/// CORS: a bucket's rules as PutBucketCors sets them, answered to preflights (OPTIONS) and added to
/// the answers of requests that carry an `Origin` the rules allow.
extension S3Service {
    struct CORSRule {
        var origins: [String]
        var methods: [String]
        var headers: [String]
        var exposed: [String]
        var maxAge: String?

        func allows(origin: String) -> Bool { origins.contains { Self.matches($0, origin) } }

        /// `*` matches anything, a single `*` inside a pattern any run of characters.
        static func matches(_ pattern: String, _ text: String) -> Bool {
            guard let star = pattern.firstIndex(of: "*") else { return pattern == text }
            let prefix = pattern[..<star]
            let suffix = pattern[pattern.index(after: star)...]
            return text.count >= prefix.count + suffix.count && text.hasPrefix(prefix) && text.hasSuffix(suffix)
        }
    }

    static let corsMethods: Set<String> = ["GET", "PUT", "HEAD", "POST", "DELETE"]

    func parseCORS(_ bytes: [UInt8]) throws(S3ServerError) -> [CORSRule] {
        let root = try parseXML(bytes)
        let rules = root.children("CORSRule")
        guard root.name == "CORSConfiguration", !rules.isEmpty, rules.count <= 100 else { throw .malformedXML }
        return try rules.map { rule throws(S3ServerError) in
            let methods = rule.children("AllowedMethod").map(\.text)
            let origins = rule.children("AllowedOrigin").map(\.text)
            guard !methods.isEmpty, !origins.isEmpty else { throw .malformedXML }
            for method in methods where !Self.corsMethods.contains(method) {
                throw .invalidRequest("Found unsupported HTTP method in CORS config. Unsupported method is \(method)")
            }
            return CORSRule(
                origins: origins, methods: methods, headers: rule.children("AllowedHeader").map(\.text),
                exposed: rule.children("ExposeHeader").map(\.text), maxAge: rule.value("MaxAgeSeconds"))
        }
    }

    func putBucketCors(_ bucket: String, body: [UInt8]) throws(S3ServerError) -> S3Response {
        _ = try parseCORS(body)
        try store.setConfiguration(bucket, "cors", String(decoding: body, as: UTF8.self))
        return S3Response(status: 200)
    }

    private func rules(_ bucket: String) -> [CORSRule] {
        guard let document = try? store.configuration(bucket, "cors") else { return [] }
        return (try? parseCORS(Array(document.utf8))) ?? []
    }

    private func allowHeaders(_ rule: CORSRule, origin: String) -> [(String, String)] {
        var headers = [
            ("Access-Control-Allow-Origin", rule.origins.contains("*") ? "*" : origin),
            ("Access-Control-Allow-Methods", rule.methods.joined(separator: ", ")), ("Vary", "Origin"),
        ]
        if !rule.exposed.isEmpty {
            headers.append(("Access-Control-Expose-Headers", rule.exposed.joined(separator: ", ")))
        }
        if let maxAge = rule.maxAge { headers.append(("Access-Control-Max-Age", maxAge)) }
        return headers
    }

    /// What an answer to a request with an `Origin` carries: the first rule allowing the origin and
    /// the method (the one `Access-Control-Request-Method` names, or the request's own).
    func corsHeaders(_ r: IncomingRequest) -> [(String, String)] {
        guard let origin = r.headers.first(name: "origin"), let bucket = r.bucket, r.method != "OPTIONS" else {
            return []
        }
        let method = r.headers.first(name: "access-control-request-method") ?? r.method
        guard let rule = rules(bucket).first(where: { $0.allows(origin: origin) && $0.methods.contains(method) }) else {
            return []
        }
        return allowHeaders(rule, origin: origin)
    }

    func preflight(_ r: IncomingRequest) throws(S3ServerError) -> S3Response {
        guard let origin = r.headers.first(name: "origin") else {
            throw .init("BadRequest", 400, "Insufficient information. Origin request header needed.")
        }
        guard let method = r.headers.first(name: "access-control-request-method") else {
            throw .init("BadRequest", 400, "Invalid Access-Control-Request-Method: null")
        }
        guard let bucket = r.bucket, store.bucketExists(bucket) else { throw .noSuchBucket(r.bucket ?? "") }
        let requested = (r.headers.first(name: "access-control-request-headers") ?? "")
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
        let rule = rules(bucket).first { rule in
            rule.allows(origin: origin) && rule.methods.contains(method)
                && requested.allSatisfy { header in rule.headers.contains { CORSRule.matches($0.lowercased(), header) }
                }
        }
        guard let rule else {
            throw .init(
                "AccessForbidden", 403,
                "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
                extra: [("Method", method), ("ResourceType", r.key == nil ? "BUCKET" : "OBJECT")])
        }
        var headers = allowHeaders(rule, origin: origin)
        if !requested.isEmpty { headers.append(("Access-Control-Allow-Headers", requested.joined(separator: ", "))) }
        return S3Response(status: 200, headers: headers)
    }
}
