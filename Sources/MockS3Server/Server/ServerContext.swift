import Foundation

/// Everything a connection's handler shares with the server.
struct ServerContext: Sendable {
    let semantics: S3Semantics
    let policy: RequestPolicy
    let state: MockState
    var journal: Journal { state.journal }
    let maxObjectSize: UInt64
    let now: @Sendable () -> Date
}
