import Dispatch
import Foundation

/// Waits until the process is asked to stop (SIGINT or SIGTERM), for the long-running programs
/// (`mock-s3`, `race-api`) to shut down cleanly.
public enum Termination {
    public static func wait() async {
        let signals = AsyncStream<Int32> { continuation in
            let sources = [SIGINT, SIGTERM].map { sig -> any DispatchSourceSignal in
                signal(sig, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: sig)
                source.setEventHandler { continuation.yield(sig) }
                source.resume()
                return source
            }
            // The sources live until the stream ends: a released source would stop listening.
            nonisolated(unsafe) let keep = sources
            continuation.onTermination = { _ in keep.forEach { $0.cancel() } }
        }
        for await _ in signals { return }
    }
}
