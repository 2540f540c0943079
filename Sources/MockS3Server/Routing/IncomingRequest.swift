import Foundation
import NIOHTTP1
import S3Wire

/// A request head taken apart: raw and decoded path, decoded query, and the bucket and key it names.
struct IncomingRequest {
    var method: String
    var httpMethod: RequestMethod
    /// The path exactly as sent (percent-encoded), without the query.
    var rawPath: String
    var path: String
    var query: [RequestTarget.QueryItem]
    var headers: HTTPHeaders
    var bucket: String?
    var key: String?
    /// Who sent it, from where and when: set once it is admitted (`RequestPolicy`), read by access checks.
    var requester: Requester?
    var operation = APIOperation.unsupported
    var remoteAddress: String?
    var receivedAt = Date(timeIntervalSince1970: 0)

    init(_ head: HTTPRequestHead) throws(S3ServerError) {
        method = head.method.rawValue
        guard let m = RequestMethod(rawValue: method) else { throw .methodNotAllowed }
        httpMethod = m
        headers = head.headers
        // The target as sent must start with "/" (an escaped one, %2F, does not count).
        guard let (rawPath, path, query) = Self.parseTarget(head.uri), rawPath.utf8.first == UInt8(ascii: "/") else {
            throw .invalidURI
        }
        self.rawPath = rawPath
        self.path = path
        self.query = query
        // Virtual-hosted style on *.localhost; path style otherwise.
        var pathForKey = Substring(path.utf8.dropFirst())
        let hostHeader = headers.first(name: "host") ?? ""
        let host = hostHeader.utf8.firstIndex(of: UInt8(ascii: ":")).map { hostHeader[..<$0] } ?? Substring(hostHeader)
        if host.utf8.count > ".localhost".utf8.count, host.utf8.reversed().starts(with: ".localhost".utf8.reversed()) {
            bucket = String(Substring(host.utf8.dropLast(".localhost".utf8.count)))
        } else if !pathForKey.isEmpty {
            let slash = pathForKey.utf8.firstIndex(of: UInt8(ascii: "/"))
            bucket = String(pathForKey[..<(slash ?? pathForKey.endIndex)])
            pathForKey = slash.map { pathForKey[pathForKey.utf8.index(after: $0)...] } ?? ""
        }
        key = pathForKey.isEmpty ? nil : String(pathForKey)
        // Dot segments would let a key climb out of its bucket in any path-based view; refuse them.
        if Self.hasDotSegment(path) { throw .invalidURI }
        if let key, key.utf8.count > 1024 { throw .keyTooLong }
    }

    /// The raw path, its decoding, and the decoded `name=value` pairs of the query; nil when an
    /// escape is broken or decodes to bytes that are not UTF-8. Byte-wise: it runs for every request.
    private static func parseTarget(_ uri: String) -> (String, String, [RequestTarget.QueryItem])? {
        var uri = uri
        return uri.withUTF8 { bytes -> (String, String, [RequestTarget.QueryItem])? in
            let queryStart = bytes.firstIndex(of: UInt8(ascii: "?")) ?? bytes.endIndex
            let pathBytes = UnsafeBufferPointer(rebasing: bytes[..<queryStart])
            let rawPath = String(decoding: pathBytes, as: UTF8.self)
            guard let path = pathBytes.contains(UInt8(ascii: "%")) ? URIEncoding.decode(bytes: pathBytes) : rawPath
            else { return nil }
            var query: [RequestTarget.QueryItem] = []
            if queryStart < bytes.endIndex {
                query.reserveCapacity(1 + bytes[queryStart...].count { $0 == UInt8(ascii: "&") })
            }
            var start = queryStart + 1
            while start < bytes.endIndex {
                let end = bytes[start...].firstIndex(of: UInt8(ascii: "&")) ?? bytes.endIndex
                if start < end {
                    let equals = bytes[start..<end].firstIndex(of: UInt8(ascii: "=")) ?? end
                    guard let name = URIEncoding.decode(bytes: UnsafeBufferPointer(rebasing: bytes[start..<equals])),
                        let value = equals < end
                            ? URIEncoding.decode(bytes: UnsafeBufferPointer(rebasing: bytes[(equals + 1)..<end])) : ""
                    else { return nil }
                    query.append(.init(name, value))
                }
                start = end + 1
            }
            return (rawPath, path, query)
        }
    }

    private static func hasDotSegment(_ path: String) -> Bool {
        var dots = 0
        var onlyDots = true
        for byte in path.utf8 {
            if byte == UInt8(ascii: "/") {
                if onlyDots && (dots == 1 || dots == 2) { return true }
                dots = 0
                onlyDots = true
            } else if byte == UInt8(ascii: ".") {
                dots += 1
            } else {
                onlyDots = false
            }
        }
        return onlyDots && (dots == 1 || dots == 2)
    }

    func queryValue(_ name: String) -> String? { query.first { $0.name == name }?.value }
    func has(_ name: String) -> Bool { query.contains { $0.name == name } }

    /// The request as the signer saw it, for recomputing its signature.
    func canonicalTarget(dropping: String?) -> RequestTarget {
        RequestTarget(scheme: "http", host: "", path: path, query: query.filter { $0.name != dropping })
    }
}
