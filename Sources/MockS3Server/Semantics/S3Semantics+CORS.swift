import Foundation
import S3Wire

/// CORS: a bucket's rules as PutBucketCors sets them, answered to preflights (OPTIONS) and added to
/// the answers of requests that carry an `Origin` the rules allow.
extension S3Semantics {
    func putBucketCors(_ bucket: String, body: [UInt8]) throws(S3ServerError) -> S3Response {
        let rules = try CORSRule.rules(in: parseXML(body))
        try store.configure(bucket) { $0.cors = rules }
        return S3Response(status: 200)
    }

    func getBucketCors(_ bucket: String) throws(S3ServerError) -> S3Response {
        guard let rules = try store.configuration(bucket).cors else { throw .noSuchCORSConfiguration(bucket) }
        return .xml(CORSRule.xml(rules))
    }

    func deleteBucketCors(_ bucket: String) throws(S3ServerError) -> S3Response {
        try store.configure(bucket) { $0.cors = nil }
        return S3Response(status: 204)
    }

    private func rules(_ bucket: String) -> [CORSRule] {
        (try? store.configuration(bucket).cors) ?? nil ?? []
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
        guard let origin = r.headers.first(name: "origin") else { throw .corsOriginMissing }
        guard let method = r.headers.first(name: "access-control-request-method") else { throw .corsMethodMissing }
        guard let bucket = r.bucket, store.bucketExists(bucket) else { throw .noSuchBucket(r.bucket ?? "") }
        let requested = (r.headers.first(name: "access-control-request-headers") ?? "")
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
        let rule = rules(bucket).first { rule in
            rule.allows(origin: origin) && rule.methods.contains(method)
                && requested.allSatisfy { header in rule.headers.contains { CORSRule.matches($0.lowercased(), header) }
                }
        }
        guard let rule else {
            throw .corsForbidden(method: method, resourceType: r.key == nil ? "BUCKET" : "OBJECT")
        }
        var headers = allowHeaders(rule, origin: origin)
        if !requested.isEmpty { headers.append(("Access-Control-Allow-Headers", requested.joined(separator: ", "))) }
        return S3Response(status: 200, headers: headers)
    }
}
