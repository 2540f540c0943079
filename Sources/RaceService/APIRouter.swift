import Foundation
import Logging
import NIOHTTP1
import RaceData
import S3Wire

/// Requests to answers: the route table, preflights, and failures as `{"detail": ...}`.
public struct APIRouter: Sendable {
    let analytics: Analytics
    let cors: CORSPolicy
    let logger: Logger

    public init(analytics: Analytics, cors: CORSPolicy = CORSPolicy(), logger: Logger = Logger(label: "race-api")) {
        self.analytics = analytics
        self.cors = cors
        self.logger = logger
    }
    var routes: [Route] { Route.table }

    static let allowedMethods = "GET, HEAD, POST, OPTIONS"

    /// The answer and the headers it goes with (CORS, and Allow on a preflight).
    func route(method: HTTPMethod, uri: String, headers: HTTPHeaders) async -> (
        Response, [(String, String)]
    ) {
        var extra: [(String, String)] = []
        if let origin = cors.allowedOrigin(for: headers.first(name: "origin")) {
            extra.append(("Access-Control-Allow-Origin", origin))
            if origin != "*" { extra.append(("Vary", "Origin")) }
        }
        let path = uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? uri
        var segments: [String] = []
        for raw in path.split(separator: "/") {
            guard let segment = URIEncoding.decode(String(raw)) else {
                return (Response.detail(.badRequest, "The path is not valid URL encoding."), extra)
            }
            segments.append(segment)
        }
        let matching = routes.filter { $0.match(segments) != nil }
        guard !matching.isEmpty else { return (Response.detail(.notFound, "Not Found"), extra) }
        if method == .OPTIONS {
            extra += [
                ("Access-Control-Allow-Methods", Self.allowedMethods),
                ("Access-Control-Allow-Headers", headers.first(name: "access-control-request-headers") ?? "*"),
                ("Access-Control-Max-Age", "600"), ("Allow", Self.allowedMethods),
            ]
            return (Response(status: .noContent, body: Data()), extra)
        }
        let wanted = method == .HEAD ? HTTPMethod.GET : method
        guard let route = matching.first(where: { $0.method == wanted }) else {
            return (Response.detail(.methodNotAllowed, "Method Not Allowed"), extra)
        }
        do {
            return (try await route.handler(analytics, route.match(segments)!), extra)
        } catch let failure as Analytics.Failure {
            switch failure {
            case .notFound(let m): return (Response.detail(.notFound, m), extra)
            case .badRequest(let m): return (Response.detail(.badRequest, m), extra)
            case .unavailable(let m):
                logger.error("data source failed", metadata: ["error": .string(m)])
                return (Response.detail(.serviceUnavailable, m), extra)
            }
        } catch {
            return (Response.detail(.internalServerError, "\(error)"), extra)
        }
    }

    /// The whole answer to a request, as a connection sends it: status, the headers (Content-Type,
    /// Content-Length, CORS, Allow) and the body (none for HEAD). Tests call this without a socket.
    public func respond(method: HTTPMethod, uri: String, headers: HTTPHeaders = HTTPHeaders()) async -> APIAnswer {
        let (response, extra) = await route(method: method, uri: uri, headers: headers)
        var answer = APIAnswer(status: response.status, headers: HTTPHeaders(), body: [])
        if !response.body.isEmpty { answer.headers.add(name: "Content-Type", value: "application/json") }
        answer.headers.add(name: "Content-Length", value: String(response.body.count))
        for (name, value) in extra { answer.headers.add(name: name, value: value) }
        if method != .HEAD { answer.body = Array(response.body) }
        return answer
    }
}

/// What a request gets from the API.
public struct APIAnswer: Sendable {
    public var status: HTTPResponseStatus
    public var headers: HTTPHeaders
    public var body: [UInt8]
}
