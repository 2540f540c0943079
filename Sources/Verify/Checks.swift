import Foundation

struct Check: Codable {
    var name: String
    var passed: Bool
    var detail: String
    var seconds: Double
}

/// The report: a line per check as it finishes, then `N passed, N failed`; with `json`, the checks
/// as one JSON array at the end.
final class Checks: @unchecked Sendable {
    private(set) var results: [Check] = []
    let json: Bool
    init(json: Bool) { self.json = json }

    func run(_ name: String, _ body: () async throws -> String) async {
        let started = Date()
        var check: Check
        do {
            check = Check(name: name, passed: true, detail: try await body(), seconds: 0)
        } catch {
            check = Check(name: name, passed: false, detail: "\(error)", seconds: 0)
        }
        check.seconds = Date().timeIntervalSince(started)
        results.append(check)
        if !json {
            print(String(format: "  %@  %@: %@ (%.2f s)", check.passed ? "PASS" : "FAIL", name, check.detail, check.seconds))
        }
    }

    /// The exit code: 0 when every check passed, 1 otherwise.
    func finish() -> Int32 {
        let failed = results.filter { !$0.passed }.count
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: (try? encoder.encode(results)) ?? Data(), as: UTF8.self))
        }
        print("\(results.count - failed) passed, \(failed) failed")
        return failed == 0 ? 0 : 1
    }
}

struct CheckFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
