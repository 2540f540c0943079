import Foundation
import S3Kit
import S3Wire

/// An S3 server the runner sends requests to, by name ("mock", "rgw", "moto"), signed with its
/// credentials, one request at a time, as written: nothing retried, nothing tidied.
public struct DiffEndpoint: Sendable {
    public var name: String
    public var url: String
    public var credentials: Credentials
    public var region: String
    let transport: CurlTransport
    let base: RequestTarget

    public init(name: String, url: String, credentials: Credentials, region: String = "us-east-1") throws {
        guard let parts = URLComponents(string: url), let scheme = parts.scheme, let host = parts.host else {
            throw DiffError("\(name): \(url) is not an endpoint URL (http://host:port)")
        }
        self.name = name
        self.url = url
        self.credentials = credentials
        self.region = region
        base = RequestTarget(scheme: scheme, host: host, port: parts.port, path: "/")
        var options = TransportOptions()
        options.idleTimeout = 30
        transport = CurlTransport(options: options)
    }

    func send(
        _ method: RequestMethod, bucket: String, key: String? = nil, query: [RequestTarget.QueryItem] = [],
        headers: [(String, String)] = [], body: [UInt8] = []
    ) async throws -> HTTPResponse {
        var target = base
        target.path = "/" + bucket + (key.map { "/" + $0 } ?? "")
        target.query = query
        var request = HTTPRequest(method: method, target: target, body: body.isEmpty ? .empty : .bytes(body))
        for (name, value) in headers { request.headers.add(name, value) }
        let signer = SigV4Signer(credentials: credentials, region: region)
        signer.sign(&request, payloadHash: Digest.sha256(body).hexString, date: Date())
        return try await transport.execute(request, streamBody: false)
    }
}

public struct DiffError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
