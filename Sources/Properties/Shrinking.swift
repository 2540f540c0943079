import Foundation

/// Shrinking: a failing case's seed run again under smaller budgets.
extension PropertyRunner {
    /// Each budget dimension in turn, the smallest cap first: the first that still fails is kept.
    static func shrinkFailure(
        _ property: any RaceProperty, _ counterexample: inout PropertyCounterexample, context: PropertyContext
    ) async {
        for dimension in CaseBudget.Dimension.allCases {
            for cap in CaseBudget.caps where cap < counterexample.budget[dimension] {
                var budget = counterexample.budget
                budget[dimension] = cap
                var trial = context
                trial.budget = budget
                counterexample.shrinkSteps += 1
                if let failure = await attempt(property, seed: counterexample.seed, context: trial) {
                    counterexample.budget = budget
                    counterexample.minimal = failure
                    break
                }
            }
        }
    }
}
