import Foundation
import S3Wire

/// The report as JUnit XML, which CI systems show natively: one testcase per check and per property,
/// a failure with the message, the minimal case and the replay command.
struct JUnitReport {
    var report: Report
    init(_ report: Report) { self.report = report }

    var xml: String {
        let time = seconds(report.totals.seconds)
        let counts = [("tests", String(report.checks.count)), ("failures", String(report.totals.failed))]
        var document = XMLWriter(
            root: "testsuites", namespace: nil, attributes: [("name", "verify")] + counts + [("time", time)])
        let suite = [("name", clean("verify (\(report.mode))"))] + counts + [("errors", "0"), ("time", time)]
        document.element("testsuite", attributes: suite) { suite in
            suite.element("properties") { properties in
                for (name, value) in report.configuration.sorted(by: { $0.key < $1.key }) {
                    properties.empty("property", attributes: [("name", clean(name)), ("value", clean(value))])
                }
            }
            for check in report.checks {
                let classname = check.property.map { "verify.\(report.mode).property\($0)" } ?? "verify.\(report.mode)"
                let attributes = [
                    ("classname", clean(classname)), ("name", clean(check.name)), ("time", seconds(check.seconds)),
                ]
                guard !check.passed else {
                    suite.empty("testcase", attributes: attributes)
                    continue
                }
                var text = check.detail
                if let failure = check.failure {
                    text += "\ncase seed: \(failure.caseSeed)\nminimal case (\(failure.budget)): \(failure.minimalCase)"
                    text += "\nas generated: \(failure.originalCase)\nreplay: \(failure.replay)"
                }
                suite.element("testcase", attributes: attributes) {
                    $0.element("failure", attributes: [("message", clean(firstLine(check.detail)))]) {
                        $0.text(clean(text))
                    }
                }
            }
        }
        return document.finish()
    }

    /// XML 1.0 has no place for other control characters (a generated name may hold one).
    private func clean(_ text: String) -> String {
        String(
            String.UnicodeScalarView(text.unicodeScalars.map { $0.value < 0x20 && $0 != "\n" && $0 != "\t" ? "?" : $0 })
        )
    }
    private func seconds(_ value: Double) -> String { String(format: "%.3f", value) }
    private func firstLine(_ text: String) -> String { String(text.split(separator: "\n", maxSplits: 1).first ?? "") }
}
