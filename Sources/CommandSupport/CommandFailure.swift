import ArgumentParser
import Foundation

/// A failure a command reports in one line and exits with: 1 for a failure of the work, 2 for a
/// configuration the user must fix.
public struct CommandFailure: Error, CustomStringConvertible {
    public var description: String
    public var exitCode: Int32

    public init(_ description: String, exitCode: Int32) {
        self.description = description
        self.exitCode = exitCode
    }
}

extension AsyncParsableCommand {
    /// What every program here does in `main()`: `--help` to standard output (exit 0); a usage error
    /// (unknown flag, bad value, failed validation) with argument-parser's message on standard error,
    /// exit 2; a failure while running as `name: message`, exit 1 or the `CommandFailure`'s code.
    public static func parseAndRun() async {
        let name = configuration.commandName ?? "\(Self.self)"
        // argument-parser's own outcomes (help, usage errors) can come from parsing or from running
        // the command it returns for `--help`.
        func parserOutcome(_ error: any Error) {
            switch exitCode(for: error) {
            case .success:
                print(fullMessage(for: error))
                Foundation.exit(0)
            case .validationFailure:
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            default: break
            }
        }
        let command: any ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            parserOutcome(error)
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(2)
        }
        do {
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                var command = command
                try command.run()
            }
        } catch let failure as CommandFailure {
            FileHandle.standardError.write(Data("\(name): \(failure)\n".utf8))
            Foundation.exit(failure.exitCode)
        } catch let code as ExitCode {
            Foundation.exit(code.rawValue)
        } catch {
            parserOutcome(error)
            FileHandle.standardError.write(Data("\(name): \(error)\n".utf8))
            Foundation.exit(1)
        }
    }
}
