import Foundation
import NIOHTTP1
import RaceService
import S3Kit
import S3Wire

/// race-api as a test reaches it, with the same calls either way (Hummingbird's testing model):
/// through its router with no socket (most tests), or over a live connection (the few end to end).
public enum ServiceClient: Sendable {
    case router(APIRouter)
    case live(port: Int)

    public func get(_ path: String, method: RequestMethod = .get, headers: [(String, String)] = []) async throws
        -> (status: Int, body: String, headers: HeaderFields)
    {
        switch self {
        case .router(let router):
            let answer = await router.respond(
                method: HTTPMethod(rawValue: method.rawValue), uri: path, headers: HTTPHeaders(headers))
            var fields = HeaderFields()
            for (name, value) in answer.headers { fields.add(name, value) }
            return (Int(answer.status.code), String(decoding: answer.body, as: UTF8.self), fields)
        case .live(let port):
            var request = HTTPRequest(
                method: method, target: RequestTarget(scheme: "http", host: "127.0.0.1", port: port, path: path))
            for (name, value) in headers { request.headers.add(name, value) }
            let response = try await CurlTransport().execute(request, streamBody: false)
            return (response.status, String(decoding: response.body, as: UTF8.self), response.head.headers)
        }
    }
}
