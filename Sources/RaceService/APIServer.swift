import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import RaceData
import S3Wire

/// The app's HTTP API on SwiftNIO, in the contract its frontend speaks (routes in `Route.table`):
/// JSON answers, errors as FastAPI's `{"detail": "..."}` with 400, 404, 422, 501 or 503 (never an
/// empty list in place of a failure, never a secret), CORS and preflights for the browser.
public final class APIServer: Sendable {
    public let analytics: Analytics
    private let channel: any Channel
    private let group: MultiThreadedEventLoopGroup

    public init(
        analytics: Analytics, host: String = "127.0.0.1", port: Int = 8000, cors: CORSPolicy = CORSPolicy(),
        logger: Logger = Logger(label: "race-api")
    ) async throws {
        self.analytics = analytics
        let router = APIRouter(analytics: analytics, cors: cors, logger: logger)
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
