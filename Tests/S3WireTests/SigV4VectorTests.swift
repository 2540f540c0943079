import Foundation
import Testing

@testable import S3Wire

/// The vectors in Fixtures/sigv4-s3.json were computed by botocore, an independent signer; each must be
/// reproduced byte for byte (canonical request, string to sign, signature).
// swift-format-ignore: AlwaysUseLowerCamelCase
// The field names are the vector file's.
struct SigV4Vector: Decodable, CustomTestStringConvertible {
    var name: String
    var method: String
    var url: String
    var headers_in: [String: String]
    var body_utf8: String
    var canonical_request: String
    var string_to_sign: String
    var signature: String
    var authorization: String?
    var presigned_url: String?
    var expires: Int?
    var x_amz_date: String?
    var x_amz_content_sha256: String?
    var access_key: String
    var secret_key: String
    var region: String
    var session_token: String?

    var testDescription: String { name }

    static func load() throws -> [SigV4Vector] {
        struct File: Decodable { var vectors: [SigV4Vector] }
        let path =
            ProcessInfo.processInfo.environment["SIGV4_VECTORS"]
            ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/sigv4-s3.json").path
        return try JSONDecoder().decode(File.self, from: Data(contentsOf: URL(fileURLWithPath: path))).vectors
    }

    /// The vector's URL taken apart into the raw (decoded) form our request model holds.
    func target() throws -> RequestTarget {
        let components = try #require(URLComponents(string: url))
        let rawPath = try #require(URIEncoding.decode(components.percentEncodedPath))
        let query = (components.percentEncodedQuery ?? "").split(separator: "&").map {
            pair -> RequestTarget.QueryItem in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return .init(
                URIEncoding.decode(String(parts[0]))!, parts.count > 1 ? URIEncoding.decode(String(parts[1]))! : "")
        }
        return RequestTarget(
            scheme: components.scheme!, host: components.host!, port: components.port,
            path: rawPath.isEmpty ? "/" : rawPath, query: query)
    }

    var date: Date { AmzDate.parse("20130524T000000Z")! }
    var signer: SigV4Signer {
        SigV4Signer(
            credentials: Credentials(accessKeyId: access_key, secretAccessKey: secret_key, sessionToken: session_token),
            region: region)
    }
}

@Suite("SigV4 vectors from an independent signer")
struct SigV4VectorTests {
    @Test("header authorization", arguments: try SigV4Vector.load().filter { $0.presigned_url == nil })
    func headerAuth(_ v: SigV4Vector) throws {
        var headers = HeaderFields()
        for (name, value) in v.headers_in.sorted(by: { $0.key < $1.key }) { headers.add(name, value) }
        var request = HTTPRequest(
            method: try #require(RequestMethod(rawValue: v.method)), target: try v.target(), headers: headers)
        let payloadHash = Digest.sha256(Array(v.body_utf8.utf8)).hexString
        #expect(payloadHash == v.x_amz_content_sha256)
        let result = v.signer.sign(&request, payloadHash: payloadHash, date: v.date)
        #expect(result.canonicalRequest == v.canonical_request)
        #expect(result.stringToSign == v.string_to_sign)
        #expect(result.signature == v.signature)
        #expect(request.headers["Authorization"] == v.authorization)
        #expect(request.headers["x-amz-date"] == v.x_amz_date)
        #expect(request.target.urlString == v.url)
    }

    @Test("presigned URL", arguments: try SigV4Vector.load().filter { $0.presigned_url != nil })
    func presigned(_ v: SigV4Vector) throws {
        let (url, result) = v.signer.presign(
            try v.target(), method: try #require(RequestMethod(rawValue: v.method)),
            expires: try #require(v.expires), date: v.date)
        #expect(result.canonicalRequest == v.canonical_request)
        #expect(result.stringToSign == v.string_to_sign)
        #expect(result.signature == v.signature)
        #expect(url == v.presigned_url)
    }

    @Test func everyVectorIsCovered() throws {
        let vectors = try SigV4Vector.load()
        #expect(vectors.count >= 17)
        #expect(Set(vectors.map(\.name)).count == vectors.count)
    }
}
