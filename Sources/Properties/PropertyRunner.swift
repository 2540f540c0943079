import Foundation
import RaceDataTesting

public enum PropertyRunner {
    /// The seed of case `index` of a run started with `seed`.
    public static func caseSeed(_ seed: UInt64, _ index: Int) -> UInt64 {
        var generator = SeededGenerator(seed: seed &+ UInt64(index))
        return generator.next()
    }

    /// Runs `cases` cases (or only `replay`, a case seed), stopping at the first failure, which is
    /// then shrunk: the same seed is run again under smaller budgets (fewer items, shorter names,
    /// smaller tables), keeping each cut that still fails. Deterministic: a seed shrinks the same way.
    public static func run(
        _ property: any RaceProperty, cases: Int, seed: UInt64, replay: UInt64? = nil,
        context: PropertyContext, shrink: Bool = true
    ) async -> PropertyResult {
        let started = Date()
        let count = context.dataset != nil && !property.datasetFormIsSeeded ? 1 : cases
        let seeds = replay.map { [$0] } ?? (0..<count).map { caseSeed(seed, $0) }
        var done = 0
        for caseSeed in seeds {
            guard let failure = await attempt(property, seed: caseSeed, context: context) else {
                done += 1
                continue
            }
            var counterexample = PropertyCounterexample(
                seed: caseSeed, original: failure, minimal: failure, budget: context.budget, shrinkSteps: 0)
            if shrink && context.dataset == nil { await shrinkFailure(property, &counterexample, context: context) }
            return PropertyResult(
                number: property.number, title: property.title, cases: done + 1,
                seconds: Date().timeIntervalSince(started), failure: counterexample)
        }
        return PropertyResult(
            number: property.number, title: property.title, cases: done, seconds: Date().timeIntervalSince(started))
    }

    /// One case; nil when it holds.
    static func attempt(_ property: any RaceProperty, seed: UInt64, context: PropertyContext) async -> PropertyFailure?
    {
        do {
            if let dataset = context.dataset {
                try await property.check(dataset: dataset, seed: seed, context: context)
            } else {
                // A failed case leaves what it wrote; the next run of the same seed (while shrinking,
                // or a replay) must not see it.
                if !context.readOnly { try? await context.clean(context.casePrefix(property.number, seed)) }
                try await property.check(seed: seed, context: context)
            }
            return nil
        } catch let failure as PropertyFailure {
            return failure
        } catch {
            return PropertyFailure("\(error)", case: "seed \(seed)")
        }
    }
}

/// What a failing case was, and the smallest case of the same seed that still fails.
public struct PropertyCounterexample: Sendable {
    /// The case seed: `--replay` with it makes the same case (and shrinks it the same way).
    public var seed: UInt64
    /// The failure as generated, at full size.
    public var original: PropertyFailure
    /// The failure at the smallest budget that still fails (the same as `original` when nothing
    /// could be cut), and that budget.
    public var minimal: PropertyFailure
    public var budget: CaseBudget
    /// Cases tried while shrinking.
    public var shrinkSteps: Int
}

public struct PropertyResult: Sendable {
    public var number: Int
    public var title: String
    public var cases: Int
    public var seconds: TimeInterval
    /// The failing case, if one failed.
    public var failure: PropertyCounterexample?
}
