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
        case .local(let root): source = "local"; dataDir = root
        case .s3(let bucket, let prefix): source = "s3"; self.bucket = bucket; self.prefix = prefix
        }
    }
}

/// The analytics HTTP API on SwiftNIO: GET routes answering JSON, errors as `{"error": "..."}`
/// with 400, 404 or 503 (never an empty list in place of a failure, never a secret).
public final class APIServer: Sendable {
    public let analytics: Analytics
    private let channel: any Channel
    private let group: MultiThreadedEventLoopGroup

    public init(analytics: Analytics, description: SourceDescription, host: String = "127.0.0.1", port: Int = 8000,
                logger: Logger = Logger(label: "race-api")) async throws {
        self.analytics = analytics
        let router = Router(analytics: analytics, description: description, logger: logger)
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

struct Response: Sendable {
    var status: HTTPResponseStatus
    var body: ByteBuffer
}

/// Paths to answers.
struct Router: Sendable {
    let analytics: Analytics
    let description: SourceDescription
    let logger: Logger

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    func json(_ value: some Encodable, _ status: HTTPResponseStatus = .ok) -> Response {
        let data = (try? Self.encoder.encode(value)) ?? Data("{}".utf8)
        return Response(status: status, body: ByteBuffer(bytes: data))
    }

    func error(_ status: HTTPResponseStatus, _ message: String) -> Response { json(["error": message], status) }

    func route(method: NIOHTTP1.HTTPMethod, uri: String) async -> Response {
        guard method == .GET || method == .HEAD else { return error(.methodNotAllowed, "Only GET is served.") }
        let path = uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? uri
        var segments: [String] = []
        for raw in path.split(separator: "/") {
            guard let segment = URIEncoding.decode(String(raw)) else { return error(.badRequest, "The path is not valid URL encoding.") }
            segments.append(segment)
        }
        do {
            switch segments {
            case ["health"]:
                struct Health: Encodable { var status: String; var source: SourceDescription; var answers: Bool; var error: String? }
                do {
                    _ = try await analytics.tracks()
                    return json(Health(status: "ok", source: description, answers: true))
                } catch {
                    return json(Health(status: "degraded", source: description, answers: false, error: Self.message(error)), .serviceUnavailable)
                }
            case ["api", "analytics", "tracks"]:
                return json(["tracks": try await analytics.tracks()])
            case let s where s.count == 5 && s.starts(with: ["api", "analytics", "track"]) && s[4] == "sessions":
                struct Sessions: Encodable { var track: String; var sessions: [String] }
                return json(Sessions(track: s[3], sessions: try await analytics.sessions(track: s[3]).map(\.token)))
            case let s where s.count == 7 && s.starts(with: ["api", "analytics", "track"]) && s[4] == "session":
                switch s[6] {
                case "drivers":
                    struct Drivers: Encodable { var track: String; var session: String; var drivers: [Analytics.Driver] }
                    return json(Drivers(track: s[3], session: s[5].uppercased(), drivers: try await analytics.drivers(track: s[3], session: s[5])))
                case "best-lap":
                    return json(try await analytics.bestLap(track: s[3], session: s[5]))
                default:
                    return error(.notFound, "No such endpoint.")
                }
            case let s where s.count == 9 && s.starts(with: ["api", "analytics", "track"]) && s[4] == "session" && s[6] == "driver" && s[8] == "performance":
                return json(try await analytics.performance(track: s[3], session: s[5], driver: s[7]))
            default:
                return error(.notFound, "No such endpoint.")
            }
        } catch {
            switch error {
            case .notFound(let m): return self.error(.notFound, m)
            case .badRequest(let m): return self.error(.badRequest, m)
            case .unavailable(let m):
                logger.error("data source failed", metadata: ["error": .string(m)])
                return self.error(.serviceUnavailable, m)
            }
        }
    }

    static func message(_ error: Analytics.Failure) -> String {
        switch error { case .notFound(let m), .badRequest(let m), .unavailable(let m): m }
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
        case .body: break // GET requests have no body worth reading
        case .end:
            guard let head else { return }
            self.head = nil
            let router = self.router, channel = context.channel, started = Date()
            Task {
                let response = await router.route(method: head.method, uri: head.uri)
                var headers = NIOHTTP1.HTTPHeaders()
                headers.add(name: "Content-Type", value: "application/json")
                headers.add(name: "Content-Length", value: String(response.body.readableBytes))
                channel.write(HTTPServerResponsePart.head(HTTPResponseHead(version: head.version, status: response.status, headers: headers)), promise: nil)
                if head.method != .HEAD { channel.write(HTTPServerResponsePart.body(.byteBuffer(response.body)), promise: nil) }
                channel.writeAndFlush(HTTPServerResponsePart.end(nil), promise: nil)
                router.logger.info("request", metadata: [
                    "method": .string(head.method.rawValue), "path": .string(head.uri),
                    "status": .stringConvertible(response.status.code),
                    "ms": .stringConvertible(Int(Date().timeIntervalSince(started) * 1000)),
                ])
            }
        }
    }
}
