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
        /// Location constraints CreateBucket takes besides the region's own (what a multi-zone
        /// deployment such as Ceph's names its zone groups); a bucket keeps the one it was made with.
        public var extraLocationConstraints: [String] = []
        /// Buckets that exist from the start.
        public var buckets: [String] = []
        public var faults = FaultPlan()
        /// Any access key id is accepted, with the key id itself as its secret (so moto's habitual
        /// `testing`/`testing` works); signatures are still verified. The configured keys keep their secrets.
        public var acceptAnyCredentials = false
        /// The control API at `/_mock/` (off unless asked for).
        public var control = ControlAccess.off
        public var seed: UInt64 = 1
        /// A single PUT's limit, as S3's (5 GB).
        public var maxObjectSize: UInt64 = 5_000_000_000
        public var threads = System.coreCount
        /// The server's clock (tests skew it to provoke RequestTimeTooSkewed).
        public var clock: @Sendable () -> Date = { Date() }
        /// Seconds every store access waits first (for the mock's own race tests; 0 otherwise).
        public var storeContention: TimeInterval = 0
        public init() {}
    }

    public static let defaultCredential = MockCredential(
        accessKeyId: "AKIAMOCKS3SERVER0001",
        secretAccessKey: "mock/s3+server+secret+key+0000000000001")

    public let configuration: Configuration
    public var journal: Journal { state.journal }
    public var store: any S3Storage { state.store }
    private let state: MockState
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel

    /// Binds and starts serving; `endpoint` then says where.
    public init(configuration: Configuration = Configuration()) async throws {
        self.configuration = configuration
        let context = try Self.makeContext(configuration)
        state = context.state
        group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, configuration.threads))
        do {
            channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 256)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelOption(.maxMessagesPerRead, value: 16)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try Self.configure(channel.pipeline.syncOperations, context)
                    }
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
    public static func addHandlers(to pipeline: ChannelPipeline.SynchronousOperations, configuration: Configuration)
        throws
    {
        try configure(pipeline, makeContext(configuration))
    }

    private static func makeContext(_ configuration: Configuration) throws -> ServerContext {
        let store =
            try configuration.dataDirectory.map { try CatalogStore(disk: DiskBlobStore(directory: $0)) }
            ?? CatalogStore()
        store.contention = configuration.storeContention
        let state = MockState(
            configuration: configuration, store: store, journal: Journal(),
            faults: FaultInjector(plan: configuration.faults, seed: configuration.seed))
        try state.makeBuckets()
        var authenticator = Authenticator(
            credentials: Dictionary(configuration.credentials.map { ($0.accessKeyId, $0) }, uniquingKeysWith: { $1 }),
            region: configuration.region)
        authenticator.acceptAnyKey = configuration.acceptAnyCredentials
        return ServerContext(
            semantics: S3Semantics(
                store: state.store, region: configuration.region,
                extraLocationConstraints: configuration.extraLocationConstraints,
                defaultOwnership: configuration.defaultOwnership,
                accounts: AccountDirectory(accounts: [.mock] + configuration.credentials.map(\.account)),
                authenticator: authenticator),
            policy: RequestPolicy(authenticator: authenticator, faults: state.faults),
            state: state, maxObjectSize: configuration.maxObjectSize, now: configuration.clock)
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
    public func setFaults(_ plan: FaultPlan, seed: UInt64? = nil) { state.setFaults(plan, seed: seed) }

    /// The fault plan in force.
    public var faultPlan: FaultPlan { state.faultPlan }

    /// Every bucket and object gone, the configured buckets made again, the journal cleared, the
    /// configured faults back: a fresh server on the same port.
    public func reset() throws { try state.reset() }

    /// Requests answered, by operation and status, and what the store holds.
    public var counters: MockCounters { state.counters }

    public func stop() async throws {
        try await channel.close()
        try await group.shutdownGracefully()
    }
}
