import Foundation
import S3Wire

/// The report as JUnit XML, which CI systems show natively: one testcase per check and per property,
/// a failure with the message, the minimal case and the replay command.
struct JUnitReport {
    var report: Report
    init(_ report: Report) { self.report = report }

    var xml: String {
        let suite = "verify (\(report.mode))"
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out +=
            "<testsuites name=\"verify\" tests=\"\(report.checks.count)\" failures=\"\(report.totals.failed)\" time=\(attribute(seconds(report.totals.seconds)))>\n"
        out +=
            "  <testsuite name=\(attribute(suite)) tests=\"\(report.checks.count)\" failures=\"\(report.totals.failed)\" errors=\"0\" time=\(attribute(seconds(report.totals.seconds)))>\n"
        out += "    <properties>\n"
        for (name, value) in report.configuration.sorted(by: { $0.key < $1.key }) {
            out += "      <property name=\(attribute(name)) value=\(attribute(value))/>\n"
        }
        out += "    </properties>\n"
        for check in report.checks {
            let classname = check.property.map { "verify.\(report.mode).property\($0)" } ?? "verify.\(report.mode)"
            out +=
                "    <testcase classname=\(attribute(classname)) name=\(attribute(check.name)) time=\(attribute(seconds(check.seconds)))"
            if check.passed {
                out += "/>\n"
                continue
            }
            out += ">\n      <failure message=\(attribute(firstLine(check.detail)))>"
            var text = check.detail
            if let failure = check.failure {
                text += "\ncase seed: \(failure.caseSeed)\nminimal case (\(failure.budget)): \(failure.minimalCase)"
                text += "\nas generated: \(failure.originalCase)\nreplay: \(failure.replay)"
            }
            out += XML.escape(clean(text)) + "</failure>\n    </testcase>\n"
        }
        out += "  </testsuite>\n</testsuites>\n"
        return out
    }

    private func attribute(_ text: String) -> String { "\"" + XML.escape(clean(text)) + "\"" }
    /// XML 1.0 has no place for other control characters (a generated name may hold one).
    private func clean(_ text: String) -> String {
        String(
            String.UnicodeScalarView(text.unicodeScalars.map { $0.value < 0x20 && $0 != "\n" && $0 != "\t" ? "?" : $0 })
        )
    }
    private func seconds(_ value: Double) -> String { String(format: "%.3f", value) }
    private func firstLine(_ text: String) -> String { String(text.split(separator: "\n", maxSplits: 1).first ?? "") }
}
