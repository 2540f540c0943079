import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import RaceData
import S3Kit
import S3Wire

/// What /health reports about the data source.
public struct SourceDescription: Sendable, Codable {
    public var source: String
    public var bucket: String?
    public var prefix: String?
    public var dataDir: String?

    public init(_ configuration: DataConfiguration) {
        switch configuration.choice {
        case .local(let root):
            source = "local"
            dataDir = root
        case .s3(let bucket, let prefix):
            source = "s3"
            self.bucket = bucket
            self.prefix = prefix
        }
    }
}

/// Which browser origins may call the API (`CORS_ALLOW_ORIGINS`, a comma list; `*` by default).
public struct CORSPolicy: Sendable {
    public var origins: [String]
    public init(origins: [String] = ["*"]) { self.origins = origins }

    /// From `CORS_ALLOW_ORIGINS` ("https://app.netlify.app, http://localhost:5173"); unset or blank is `*`.
    public init(environment value: String?) {
        let origins = (value ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
            !$0.isEmpty
        }
        self.init(origins: origins.isEmpty ? ["*"] : origins)
    }

    /// The `Access-Control-Allow-Origin` value for a request from `origin`, if it may see the answer.
    func allowedOrigin(for origin: String?) -> String? {
        if origins.contains("*") { return "*" }
        guard let origin, origins.contains(origin) else { return nil }
        return origin
    }
}

/// The app's HTTP API on SwiftNIO, in the contract its frontend speaks (routes in `Route.table`):
/// JSON answers, errors as FastAPI's `{"detail": "..."}` with 400, 404, 422, 501 or 503 (never an
/// empty list in place of a failure, never a secret), CORS and preflights for the browser.
public final class APIServer: Sendable {
    public let analytics: Analytics
    private let channel: any Channel
    private let group: MultiThreadedEventLoopGroup

    public init(
        analytics: Analytics, description: SourceDescription, host: String = "127.0.0.1", port: Int = 8000,
        cors: CORSPolicy = CORSPolicy(), logger: Logger = Logger(label: "race-api")
    ) async throws {
        self.analytics = analytics
        let router = Router(analytics: analytics, description: description, cors: cors, logger: logger)
        group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
        do {
            channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 256)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                        try channel.pipeline.syncOperations.addHandler(APIHandler(router: router))
                    }
                }
                .bind(host: host, port: port).get()
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    public var port: Int { channel.localAddress?.port ?? 0 }

    public func stop() async throws {
        try await channel.close()
        try await group.shutdownGracefully()
    }
}

/// Requests to answers: the route table, preflights, and failures as `{"detail": ...}`.
struct Router: Sendable {
    let analytics: Analytics
    let description: SourceDescription
    let cors: CORSPolicy
    let logger: Logger
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
}

final class APIHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    let router: Router
    private var head: HTTPRequestHead?

    init(router: Router) { self.router = router }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): self.head = head
        case .body: break  // no route reads a body
        case .end:
            guard let head else { return }
            self.head = nil
            let router = self.router
            let channel = context.channel
            let started = Date()
            Task {
                let (response, extra) = await router.route(method: head.method, uri: head.uri, headers: head.headers)
                var headers = HTTPHeaders()
                if !response.body.isEmpty { headers.add(name: "Content-Type", value: "application/json") }
                headers.add(name: "Content-Length", value: String(response.body.count))
                for (name, value) in extra { headers.add(name: name, value: value) }
                channel.write(
                    HTTPServerResponsePart.head(
                        HTTPResponseHead(version: head.version, status: response.status, headers: headers)),
                    promise: nil)
                if head.method != .HEAD && !response.body.isEmpty {
                    channel.write(
                        HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(bytes: response.body))), promise: nil)
                }
                channel.writeAndFlush(HTTPServerResponsePart.end(nil), promise: nil)
                router.logger.info(
                    "request",
                    metadata: [
                        "method": .string(head.method.rawValue), "path": .string(head.uri),
                        "status": .stringConvertible(response.status.code),
                        "ms": .stringConvertible(Int(Date().timeIntervalSince(started) * 1000)),
                    ])
            }
        }
    }
}
