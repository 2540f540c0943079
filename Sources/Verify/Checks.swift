import CommandSupport
import Foundation
import Properties

/// One line of the report: a check of the deployment or the sample, or a property's run.
struct CheckResult: Codable {
    var name: String
    var passed: Bool
    var detail: String
    var seconds: Double
    /// For a property: its number, which form ran ("on the sample", "on the deployment", "generated"),
    /// the run's seed and the cases run.
    var property: Int?
    var form: String?
    var seed: UInt64?
    var cases: Int?
    var failure: PropertyFailureReport?
}

/// A property's failing case: its seed, the failure as generated, the smallest case of that seed
/// that still fails, and the command that runs it again in the same mode.
struct PropertyFailureReport: Codable {
    var caseSeed: UInt64
    var message: String
    var minimalCase: String
    var budget: String
    var originalMessage: String
    var originalCase: String
    var shrinkSteps: Int
    var replay: String
}

/// Everything a run found: with `--json`, exactly this on standard output.
struct Report: Codable {
    var tool = "verify"
    var version: String
    /// "sample" or "deployment".
    var mode: String
    /// What ran (no secret: an access key id shows only its last four characters).
    var configuration: [String: String]
    var checks: [CheckResult] = []
    var totals = Totals()

    struct Totals: Codable {
        var passed = 0
        var failed = 0
        var seconds = 0.0
    }
}

/// Collects the report; on a terminal or a pipe without `--json`, a line per check as it ends.
final class Checks: @unchecked Sendable {
    private(set) var report: Report
    let json: Bool
    private let started = Date()

    init(json: Bool, mode: String, configuration: [String: String]) {
        self.json = json
        report = Report(version: ProjectVersion.current, mode: mode, configuration: configuration)
    }

    /// Human lines: standard output, unless the output is the JSON document.
    func say(_ line: String) {
        if !json { print(line) }
    }

    func run(_ name: String, _ body: () async throws -> String) async {
        let started = Date()
        var check: CheckResult
        do {
            check = CheckResult(name: name, passed: true, detail: try await body(), seconds: 0)
        } catch {
            check = CheckResult(name: name, passed: false, detail: "\(error)", seconds: 0)
        }
        check.seconds = Date().timeIntervalSince(started)
        record(check)
    }

    func record(_ check: CheckResult) {
        report.checks.append(check)
        say(
            String(
                format: "  %@  %@: %@ (%.2f s)", check.passed ? "PASS" : "FAIL", check.name, check.detail, check.seconds
            ))
        if let failure = check.failure, failure.shrinkSteps == 0 {
            say("        case: \(failure.minimalCase)\n        replay: \(failure.replay)")
        } else if let failure = check.failure {
            say(
                "        minimal case (\(failure.budget), \(failure.shrinkSteps) cases tried while shrinking): \(failure.minimalCase)"
            )
            if failure.minimalCase != failure.originalCase {
                say("        as generated: \(failure.originalMessage)\n          case: \(failure.originalCase)")
            }
            say("        replay: \(failure.replay)")
        }
    }

    /// Totals, then the exit code: 0 when every check passed, 1 otherwise.
    func finish(junit: String?) throws -> Int32 {
        report.totals.failed = report.checks.filter { !$0.passed }.count
        report.totals.passed = report.checks.count - report.totals.failed
        report.totals.seconds = Date().timeIntervalSince(started)
        if let junit { try JUnitReport(report).xml.write(toFile: junit, atomically: true, encoding: .utf8) }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print("\(report.totals.passed) passed, \(report.totals.failed) failed")
        }
        return report.totals.failed == 0 ? 0 : 1
    }
}

struct CheckFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
