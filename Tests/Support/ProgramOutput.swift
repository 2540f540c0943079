import Foundation

extension Process {
    /// Starts the process with standard output (and standard error, when `mergingErrors`) into a pipe,
    /// and waits for its end and everything it printed on a thread of its own: a test blocking one of
    /// the process's few shared threads for seconds starves every other test of the run (a live server
    /// among them timed out so).
    public func runCollectingOutput(mergingErrors: Bool = false) async throws -> (status: Int32, output: String) {
        let pipe = Pipe()
        standardOutput = pipe
        if mergingErrors { standardError = pipe }
        try run()
        return await withCheckedContinuation { continuation in
            Thread {
                let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                self.waitUntilExit()
                continuation.resume(returning: (self.terminationStatus, text))
            }.start()
        }
    }
}
