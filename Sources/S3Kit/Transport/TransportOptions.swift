import Foundation

public struct TransportOptions: Sendable {
    /// Connections (and transfer threads) at most; requests beyond it wait their turn.
    public var maxConnections = 32
    public var connectTimeout: TimeInterval = 10
    /// A transfer that moves no byte for this long is abandoned (time spent waiting on a slow consumer excluded).
    public var idleTimeout: TimeInterval = 30
    /// A transfer that moves fewer than `lowSpeedLimit` bytes a second for `lowSpeedTime` seconds is
    /// abandoned as timed out (and retried like a dropped connection): a server that trickles a byte
    /// every few seconds never trips `idleTimeout`. `S3_LOW_SPEED_LIMIT` and `S3_LOW_SPEED_TIME` set them.
    public var lowSpeedLimit = 1024
    public var lowSpeedTime: TimeInterval = 30
    /// How long to wait for `100 Continue` before sending a body anyway.
    public var expectContinueTimeout: TimeInterval = 1
    /// Bodies from this size up are sent after `Expect: 100-continue`; smaller ones at once.
    public static let expectContinueThreshold: UInt64 = 1 << 20
    /// In-memory bodies up to this size go to curl whole, which sends them with the head (its limit for that).
    static let inlineBodyLimit = 64 << 10
    /// Bytes a streamed body may hold between the transfer and its consumer.
    public var streamBufferBytes = 2 << 20
    /// Bytes per chunk handed to a stream's consumer: larger chunks, fewer thread hand-offs.
    public var streamChunkBytes = 1 << 20
    /// Collected (non-streamed) bodies larger than this are refused: XML answers are small.
    public var maxCollectedBodyBytes = 64 << 20
    public init() {}
}
