import Foundation
import S3Wire

/// Where requests go: virtual-hosted style on AWS (`bucket.s3.region.amazonaws.com`), path style on a
/// custom endpoint (`http://127.0.0.1:9000/bucket/key`), as MinIO, moto and our mock expect.
public struct S3Endpoint: Sendable, Equatable {
    public var scheme: String
    public var host: String
    public var port: Int?
    public var pathStyle: Bool

    public static func aws(region: String) -> S3Endpoint {
        S3Endpoint(scheme: "https", host: "s3.\(region).amazonaws.com", port: nil, pathStyle: false)
    }

    /// Parses `http://127.0.0.1:9000` and the like; the result uses path-style addressing.
    public static func custom(_ url: String) throws(S3Error) -> S3Endpoint {
        guard let components = URLComponents(string: url.trimmingCharacters(in: .whitespaces)),
            let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = components.host, !host.isEmpty
        else {
            throw .invalidArgument(
                "The endpoint \"\(url)\" is not an http:// or https:// URL. Set AWS_ENDPOINT_URL_S3 to something like http://127.0.0.1:9000."
            )
        }
        guard components.path.isEmpty || components.path == "/", components.query == nil,
            components.user == nil, components.password == nil
        else {
            throw .invalidArgument(
                "The endpoint \"\(components.scheme!)://\(host)\" must have no path, query or user; give only scheme, host and port."
            )
        }
        return S3Endpoint(scheme: scheme, host: host, port: components.port, pathStyle: true)
    }

    /// The request target for a bucket and an optional key.
    func target(bucket: String, key: String?, query: [RequestTarget.QueryItem]) -> RequestTarget {
        // A bucket name with dots breaks TLS wildcard certificates, so it stays in the path.
        if !pathStyle && !bucket.utf8.contains(UInt8(ascii: ".")) {
            return RequestTarget(
                scheme: scheme, host: "\(bucket).\(host)", port: port,
                path: "/" + (key ?? ""), query: query)
        }
        let path = "/\(bucket)" + (key.map { "/\($0)" } ?? "")
        return RequestTarget(scheme: scheme, host: host, port: port, path: path, query: query)
    }
}
