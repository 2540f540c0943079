import CommandSupport
import Testing

/// The suites' logs go through the programs' own set-up at warning (the loader's notes about files it
/// did not find are what most tests expect), unless LOG_LEVEL asks for more: `LOG_LEVEL=info swift test`.
public struct QuietLogs: SuiteTrait, TestTrait, TestScoping {
    public var isRecursive: Bool { true }

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        Logs.bootstrap(default: .warning)
        try await function()
    }
}

extension Trait where Self == QuietLogs {
    public static var quietLogs: Self { QuietLogs() }
}
