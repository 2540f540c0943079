import Foundation
import NIOHTTP1
import RaceData

/// A request head taken apart: raw and decoded path, decoded query, and the bucket and key it names.
struct IncomingRequest {
    var method: String
    var httpMethod: RaceData.HTTPMethod
    /// The path exactly as sent (percent-encoded), without the query.
    var rawPath: String
    var path: String
    var query: [RequestTarget.QueryItem]
    var headers: NIOHTTP1.HTTPHeaders
    var bucket: String?
    var key: String?

    init(_ head: HTTPRequestHead) throws(S3ServerError) {
        method = head.method.rawValue
        guard let m = RaceData.HTTPMethod(rawValue: method) else { throw .methodNotAllowed }
        httpMethod = m
        headers = head.headers
        let uri = head.uri
        let queryStart = uri.firstIndex(of: "?")
        rawPath = String(uri[..<(queryStart ?? uri.endIndex)])
        guard rawPath.hasPrefix("/"), let decoded = URIEncoding.decode(rawPath) else { throw .invalidURI }
        path = decoded
        query = []
        if let queryStart {
            for pair in uri[uri.index(after: queryStart)...].split(separator: "&", omittingEmptySubsequences: true) {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard let name = URIEncoding.decode(String(parts[0])),
                      let value = parts.count > 1 ? URIEncoding.decode(String(parts[1])) : "" else { throw .invalidURI }
                query.append(.init(name, value))
            }
        }
        // Virtual-hosted style on *.localhost; path style otherwise.
        var pathForKey = Substring(path.dropFirst())
        let host = (headers.first(name: "host") ?? "").split(separator: ":").first.map(String.init) ?? ""
        if host.hasSuffix(".localhost") {
            bucket = String(host.dropLast(".localhost".count))
        } else if !pathForKey.isEmpty {
            let slash = pathForKey.firstIndex(of: "/")
            bucket = String(pathForKey[..<(slash ?? pathForKey.endIndex)])
            pathForKey = slash.map { pathForKey[pathForKey.index(after: $0)...] } ?? ""
        }
        key = pathForKey.isEmpty ? nil : String(pathForKey)
        // Dot segments would let a key climb out of its bucket in any path-based view; refuse them.
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        if segments.contains(where: { $0 == "." || $0 == ".." }) { throw .invalidURI }
        if let key, key.utf8.count > 1024 { throw .keyTooLong }
    }

    func queryValue(_ name: String) -> String? { query.first { $0.name == name }?.value }
    func has(_ name: String) -> Bool { query.contains { $0.name == name } }

    /// The request as the signer saw it, for recomputing its signature.
    func canonicalTarget(dropping: String?) -> RequestTarget {
        RequestTarget(scheme: "http", host: "", path: path, query: query.filter { $0.name != dropping })
    }
}
