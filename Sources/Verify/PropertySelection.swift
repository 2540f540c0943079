import Foundation
import Properties

/// Which properties and cases a run takes.
struct PropertySelection {
    var cases: Int
    var seed: UInt64
    var only: Int?
    var replay: UInt64?
    var replayCommand: String

    func chosen(_ properties: [any RaceProperty]) -> [any RaceProperty] {
        properties.filter { only == nil || $0.number == only }
    }

    /// Runs the chosen properties on `context` (its dataset when it has one, else generated cases),
    /// one check each, in order.
    func run(_ properties: [any RaceProperty], context: PropertyContext, form: String, checks: Checks) async {
        for property in chosen(properties) {
            checks.record(await check(property, context: context, form: form))
        }
    }

    /// One property's check; a failure is shrunk and reported with its case seed and the replay command.
    func check(_ property: any RaceProperty, context: PropertyContext, form: String) async -> CheckResult {
        let name = "property \(property.number)\(form == "generated" ? "" : " \(form)"): \(property.title)"
        let result = await PropertyRunner.run(property, cases: cases, seed: seed, replay: replay, context: context)
        var check = CheckResult(
            name: name, passed: result.failure == nil, detail: "", seconds: result.seconds,
            property: property.number, form: form, seed: seed, cases: result.cases)
        if let failure = result.failure {
            check.detail = "case \(result.cases) (case seed \(failure.seed)) failed: \(failure.minimal.message)"
            check.failure = PropertyFailureReport(
                caseSeed: failure.seed, message: failure.minimal.message,
                minimalCase: failure.minimal.caseDescription,
                budget: failure.budget.description, originalMessage: failure.original.message,
                originalCase: failure.original.caseDescription, shrinkSteps: failure.shrinkSteps,
                replay: "\(replayCommand) --property \(property.number) --replay \(failure.seed)")
        } else if let replay {
            check.detail = "replayed case seed \(replay): holds"
        } else {
            check.detail = "\(result.cases) case\(result.cases == 1 ? "" : "s"), seed \(seed)"
        }
        return check
    }
}

/// Checks that run side by side but are reported in a fixed order: each is recorded as soon as every
/// check before it has been, so the report reads the same however the work interleaved.
actor OrderedReport {
    private let checks: Checks
    private var waiting: [Int: [CheckResult]] = [:]
    private var next = 0

    init(_ checks: Checks) { self.checks = checks }

    /// The results of slot `index` (slots are numbered from 0 with no gap).
    func finish(_ index: Int, _ results: [CheckResult]) {
        waiting[index] = results
        while let ready = waiting.removeValue(forKey: next) {
            ready.forEach(checks.record)
            next += 1
        }
    }
}
