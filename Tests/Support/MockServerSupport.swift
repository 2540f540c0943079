import Foundation
import MockS3Server
import RaceData
import RaceDataTesting
import S3Kit
import S3Wire

// Helpers the test targets share: a mock server per test, clients for it, raw requests.

/// Starts a mock server for one test and stops it afterwards, whatever happens.
public func withMock<T>(
    _ configure: (inout MockS3Server.Configuration) -> Void = { _ in },
    _ body: (MockS3Server) async throws -> T
) async throws -> T {
    var configuration = MockS3Server.Configuration()
    configuration.threads = 2
    configure(&configuration)
    let server = try await MockS3Server(configuration: configuration)
    do {
        let result = try await body(server)
        try await server.stop()
        return result
    } catch {
        try? await server.stop()
        throw error
    }
}

extension MockS3Server {
    public func client(
        credentials: Credentials? = nil, anonymous: Bool = false,
        retry: RetryPolicy = RetryPolicy(maxAttempts: 4, baseDelay: 0.001, maxDelay: 0.01),
        signing: PayloadSigning = .signed, now: @escaping @Sendable () -> Date = { Date() }
    ) throws -> S3Client {
        let c =
            credentials
            ?? Credentials(
                accessKeyId: MockS3Server.defaultCredential.accessKeyId,
                secretAccessKey: MockS3Server.defaultCredential.secretAccessKey)
        var configuration = S3Configuration(
            region: self.configuration.region, endpoint: try .custom(endpoint),
            credentials: anonymous ? nil : c, retry: retry, payloadSigning: signing)
        configuration.transport.idleTimeout = 10
        return S3Client(configuration: configuration, now: now)
    }

    /// One request as we build it, signed with the default credentials (or not), through libcurl.
    public func raw(
        _ method: RequestMethod, _ path: String, query: [RequestTarget.QueryItem] = [],
        headers: [(String, String)] = [],
        body: [UInt8] = [], payloadHash: String? = nil, sign: Bool = true, as credentials: Credentials? = nil
    ) async throws -> HTTPResponse {
        let signer =
            credentials
            ?? Credentials(
                accessKeyId: MockS3Server.defaultCredential.accessKeyId,
                secretAccessKey: MockS3Server.defaultCredential.secretAccessKey)
        return try await rawRequest(
            host: "127.0.0.1", port: port, method, path, query: query, headers: headers, body: body,
            payloadHash: payloadHash, signedAs: sign ? signer : nil, region: configuration.region)
    }

    /// Bytes straight onto a socket, for requests curl would tidy up (dot segments, absurd headers).
    public func socketRequest(_ text: String) throws -> String {
        try socketExchange(text, timeout: 5) { $0.contains("</Error>") || $0.hasPrefix("HTTP/1.1 200") }.answer
    }

    /// Sends `text` and reads until `done` says the answer is whole, the server closes the connection,
    /// or `timeout` seconds pass without a byte; `closed` tells whether the server closed it.
    public func socketExchange(_ text: String, timeout seconds: Int, done: (String) -> Bool = { _ in false }) throws
        -> (answer: String, closed: Bool)
    {
        let fd = try LoopbackSocket.connect(port: port, receiveTimeout: seconds)
        defer { close(fd) }
        LoopbackSocket.sendAll(fd, Array(text.utf8))
        var answer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        var closed = false
        while true {
            let n = recv(fd, &chunk, chunk.count, 0)
            if n == 0 { closed = true }
            if n <= 0 { break }
            answer += chunk[..<n]
            if let text = String(bytes: answer, encoding: .utf8), done(text) { break }
        }
        return (String(decoding: answer, as: UTF8.self), closed)
    }
}

extension HTTPResponse {
    public var errorCode: String? { (try? XML.parse(body))?.value("Code") }
}

/// Deterministic bytes for bodies.
public func bytes(_ count: Int, seed: UInt64 = 1) -> [UInt8] {
    var state = seed
    return (0..<count).map { _ in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return UInt8(truncatingIfNeeded: state >> 56)
    }
}

/// One request as we build it to any S3 server, SigV4-signed as `credentials` (or sent without any),
/// through libcurl.
public func rawRequest(
    host: String, port: Int, _ method: RequestMethod, _ path: String, query: [RequestTarget.QueryItem] = [],
    headers: [(String, String)] = [], body: [UInt8] = [], payloadHash: String? = nil,
    signedAs credentials: Credentials?,
    region: String = "us-east-1"
) async throws -> HTTPResponse {
    var request = HTTPRequest(
        method: method, target: RequestTarget(scheme: "http", host: host, port: port, path: path, query: query),
        body: body.isEmpty ? .empty : .bytes(body))
    for (name, value) in headers { request.headers.add(name, value) }
    if let credentials {
        SigV4Signer(credentials: credentials, region: region).sign(
            &request, payloadHash: payloadHash ?? Digest.sha256(body).hexString, date: Date())
    }
    return try await CurlTransport().execute(request, streamBody: false)
}
