import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// An S3-compatible server on loopback: in-process for tests (port 0, then read `endpoint`),
/// or standalone as `mock-s3`. It verifies signatures, keeps S3's rules and error codes, records
/// every request in `journal`, and injects the faults of its `FaultPlan`.
public final class MockS3Server: Sendable {
    public struct Configuration: Sendable {
        public var host = "127.0.0.1"
        public var port = 0
        public var region = "us-east-1"
        public var credentials = [MockS3Server.defaultCredential]
        /// Object bytes go to files here instead of memory.
        public var dataDirectory: String?
        /// Object Ownership of new buckets; S3's default is `bucketOwnerEnforced` (ACLs off).
        public var defaultOwnership = ObjectOwnership.bucketOwnerEnforced
        /// Buckets that exist from the start.
        public var buckets: [String] = []
        public var faults = FaultPlan()
        public var seed: UInt64 = 1
        /// A single PUT's limit, as S3's (5 GB).
        public var maxObjectSize: UInt64 = 5_000_000_000
        public var threads = System.coreCount
        /// The server's clock (tests skew it to provoke RequestTimeTooSkewed).
        public var clock: @Sendable () -> Date = { Date() }
        public init() {}
    }

    public static let defaultCredential = MockCredential(accessKeyId: "AKIAMOCKS3SERVER0001",
                                                        secretAccessKey: "mock/s3+server+secret+key+0000000000001")

    public let configuration: Configuration
    public let journal = Journal()
    public let store: any ObjectStore
    private let faults: FaultInjector
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel

    /// Binds and starts serving; `endpoint` then says where.
    public init(configuration: Configuration = Configuration()) async throws {
        self.configuration = configuration
        let (context, store, faults) = try Self.makeContext(configuration, journal: journal)
        self.store = store
        self.faults = faults
        group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, configuration.threads))
        do {
            channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 256)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelOption(.maxMessagesPerRead, value: 16)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try Self.configure(channel.pipeline.syncOperations, context) }
                }
                .bind(host: configuration.host, port: configuration.port).get()
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    /// The server's request handling on a channel of the caller's: what a TCP connection gets, over
    /// storage and credentials of its own made from `configuration` (to serve S3 inside another NIO
    /// server, or on an `EmbeddedChannel` with no socket at all).
    public static func addHandlers(to pipeline: ChannelPipeline.SynchronousOperations, configuration: Configuration) throws {
        try configure(pipeline, makeContext(configuration, journal: Journal()).context)
    }

    private static func makeContext(_ configuration: Configuration, journal: Journal) throws
        -> (context: ServerContext, store: CatalogStore, faults: FaultInjector) {
        let blobs: any BlobStore = try configuration.dataDirectory.map { try DiskBlobStore(directory: $0) } ?? MemoryBlobStore()
        let store = CatalogStore(blobs: blobs)
        for bucket in configuration.buckets {
            try store.createBucket(bucket)
            try store.setOwnership(bucket, configuration.defaultOwnership)
        }
        let faults = FaultInjector(plan: configuration.faults, seed: configuration.seed)
        let context = ServerContext(
            service: S3Service(store: store, region: configuration.region, defaultOwnership: configuration.defaultOwnership),
            policy: RequestPolicy(authenticator: Authenticator(credentials: Dictionary(configuration.credentials.map { ($0.accessKeyId, $0) },
                                                                                       uniquingKeysWith: { $1 }),
                                                               region: configuration.region),
                                  faults: faults),
            journal: journal, maxObjectSize: configuration.maxObjectSize, now: configuration.clock)
        return (context, store, faults)
    }

    private static func configure(_ pipeline: ChannelPipeline.SynchronousOperations, _ context: ServerContext) throws {
        // Response header values are ours or copies of request headers the parser already
        // checked, so NIO's outbound validation would only cost time.
        try pipeline.configureHTTPServerPipeline(withErrorHandling: true, withOutboundHeaderValidation: false)
        try pipeline.addHandler(S3Handler(server: context))
    }

    public var port: Int { channel.localAddress?.port ?? 0 }

    /// `http://127.0.0.1:PORT`: what a client's endpoint setting wants.
    public var endpoint: String { "http://\(configuration.host):\(port)" }

    /// Replaces the fault plan; a seed restarts the generator so the same faults come again.
    public func setFaults(_ plan: FaultPlan, seed: UInt64? = nil) { faults.update(plan, seed: seed) }

    public func stop() async throws {
        try await channel.close()
        try await group.shutdownGracefully()
    }
}
