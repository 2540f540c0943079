import Foundation
import Logging

/// Logging set up the one way every program here (and the test suite) does: to standard error, at
/// the level `LOG_LEVEL` names (trace, debug, info, notice, warning, error, critical), else the
/// caller's default. swift-log allows one set-up per process: later calls do nothing.
public enum Logs {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var done = false

    public static func bootstrap(
        default level: Logger.Level, environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        let chosen =
            environment["LOG_LEVEL"].flatMap {
                Logger.Level(rawValue: $0.trimmingCharacters(in: .whitespaces).lowercased())
            } ?? level
        lock.lock()
        defer { lock.unlock() }
        guard !done else { return }
        done = true
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = chosen
            return handler
        }
    }
}
