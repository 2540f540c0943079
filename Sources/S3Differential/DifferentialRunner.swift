import Foundation

/// Sends the same generated sequences to mock-s3 and to other servers, compares what each answered,
/// and shrinks every divergence no `KnownDifference` explains to a short sequence that still shows it.
public struct DifferentialRunner: Sendable {
    public var reference: DiffEndpoint
    public var others: [DiffEndpoint]
    public var known: [KnownDifference]
    /// Steps per seed.
    public var length: Int
    /// Sequence replays the shrinker may spend on one divergence.
    public var shrinkBudget = 120
    /// Brings a server back after it stopped answering (RGW 16.2 crashes on some requests); false
    /// when it could not, and that server is compared no further.
    public var restart: @Sendable (DiffEndpoint) async -> Bool = { _ in false }
    /// Bucket names start with this, so runs against a long-lived server never meet.
    let nonce = String(UInt32.random(in: 0...UInt32.max), radix: 36)

    public init(reference: DiffEndpoint, others: [DiffEndpoint], known: [KnownDifference], length: Int) {
        self.reference = reference
        self.others = others
        self.known = known
        self.length = length
    }

    public struct Difference: Sendable {
        /// "status", "code", "header NAME" or "body PATH" (`body ListBucketResult/Contents#2/Key`).
        public var field: String
        public var mock: String
        public var other: String

        /// The field without the positions of repeated elements: what known differences name.
        public var kind: String { field.replacing(/#[0-9]+/, with: "") }
    }

    /// A divergence no known difference explains, shrunk.
    public struct Divergence: Sendable {
        public var seed: UInt64
        public var server: String
        /// Indexes into the seed's generated sequence: the minimal sequence that still diverges.
        public var steps: [Int]
        public var sequence: [Step]
        public var differences: [Difference]
    }

    /// The other server stopped answering at this step: its bug, not a difference in S3 semantics.
    public struct Crash: Sendable {
        public var seed: UInt64
        public var server: String
        public var step: Int
        public var request: Step
        public var restarted: Bool
    }

    public struct Report: Sendable {
        public var seeds: [UInt64] = []
        public var crashes: [Crash] = []
        /// Steps compared on every server (a sequence stops at its first divergence).
        public var operations = 0
        /// Steps each known difference explained.
        public var known: [String: Int] = [:]
        public var divergences: [Divergence] = []
        public var seconds = 0.0
    }

    /// Runs each seed's sequence (or only the steps `only` names) on every server.
    public func run(seeds: [UInt64], only: [Int]? = nil, progress: (UInt64, Report) -> Void = { _, _ in }) async
        -> Report
    {
        var report = Report()
        let started = Date()
        var down: Set<String> = []
        for seed in seeds {
            report.seeds.append(seed)
            let generated = SequenceGenerator(seed: seed, length: length).steps()
            let indexes = only?.filter { generated.indices.contains($0) } ?? Array(generated.indices)
            for other in others where !down.contains(other.name) {
                var attempt = 0
                let outcome = await compare(indexes.map { generated[$0] }, with: other, seed: seed, attempt: &attempt)
                report.operations += outcome.compared
                for id in outcome.known { report.known[id, default: 0] += 1 }
                if let step = outcome.crashed {
                    let restarted = await restart(other)
                    if !restarted { down.insert(other.name) }
                    report.crashes.append(
                        Crash(
                            seed: seed, server: other.name, step: indexes[step], request: generated[indexes[step]],
                            restarted: restarted))
                    continue
                }
                if let failure = outcome.failure {
                    let kept = await shrink(
                        Array(indexes[...failure.index]), generated: generated, with: other, seed: seed,
                        attempt: &attempt,
                        signature: failure.signature)
                    let last = await compare(kept.map { generated[$0] }, with: other, seed: seed, attempt: &attempt)
                    report.divergences.append(
                        Divergence(
                            seed: seed, server: other.name, steps: kept, sequence: kept.map { generated[$0] },
                            differences: last.failure?.differences ?? failure.differences))
                }
            }
            progress(seed, report)
        }
        report.seconds = Date().timeIntervalSince(started)
        return report
    }

    struct Failure {
        var index: Int
        var signature: String
        var differences: [Difference]
    }

    struct Outcome {
        var compared = 0
        var known: [String] = []
        var failure: Failure?
        /// The step at which the other server stopped answering.
        var crashed: Int?
    }

    /// Plays `steps` on mock-s3 and on `other` (at once), then compares step by step up to the first
    /// unexplained divergence or the first known one that leaves the servers in different states.
    func compare(_ steps: [Step], with other: DiffEndpoint, seed: UInt64, attempt: inout Int) async -> Outcome {
        attempt += 1
        let namespace = "d\(nonce)-\(seed)-\(attempt)"
        var mine = Replayer(endpoint: reference, namespace: namespace)
        var theirs = Replayer(endpoint: other, namespace: namespace)
        async let a = mine.playAndClean(steps)
        async let b = theirs.playAndClean(steps)
        let (left, right) = await (a, b)
        var outcome = Outcome()
        for (index, step) in steps.enumerated() {
            if right[index].status == Observation.unanswered && left[index].status != Observation.unanswered {
                outcome.crashed = index
                return outcome
            }
            let differences = left[index].differences(from: right[index])
            if differences.isEmpty {
                outcome.compared += 1
                continue
            }
            var unexplained: [Difference] = []
            var explainedBy: Set<String> = []
            var stateChanged = false
            for difference in differences {
                if let entry = known.first(where: {
                    $0.explains(
                        server: other.name, step: step, field: difference.kind, mock: difference.mock,
                        other: difference.other)
                }) {
                    explainedBy.insert(entry.id)
                    stateChanged = stateChanged || entry.changesState
                } else {
                    unexplained.append(difference)
                }
            }
            outcome.known += explainedBy.sorted()
            // Where servers part, ids seen by one and not the other renumber the symbols after them
            // in the same answer: a consequence of the known difference, not a difference of its own.
            if stateChanged { unexplained.removeAll { Self.isSymbol($0.mock) && Self.isSymbol($0.other) } }
            if !unexplained.isEmpty {
                let signature = step.operation + " " + unexplained.map(\.kind).joined(separator: ",")
                outcome.failure = Failure(index: index, signature: signature, differences: unexplained)
                return outcome
            }
            outcome.compared += 1
            if stateChanged { return outcome }
        }
        return outcome
    }

    /// A version or upload id as the observations write it: `v3`, `u0`.
    static func isSymbol(_ text: String) -> Bool {
        text.count > 1 && (text.first == "v" || text.first == "u")
            && text.dropFirst().allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// Removes steps (halves, then quarters, ... then one at a time) while the last step still diverges
    /// the same way; the last step is always kept.
    func shrink(
        _ indexes: [Int], generated: [Step], with other: DiffEndpoint, seed: UInt64, attempt: inout Int,
        signature: String
    ) async -> [Int] {
        var kept = indexes
        var budget = shrinkBudget
        var chunk = max(1, (kept.count - 1) / 2)
        while chunk >= 1 && budget > 0 {
            var start = 0
            var removedAny = false
            while start < kept.count - 1 && budget > 0 {
                let end = min(start + chunk, kept.count - 1)
                let candidate = Array(kept[..<start] + kept[end...])
                budget -= 1
                let outcome = await compare(candidate.map { generated[$0] }, with: other, seed: seed, attempt: &attempt)
                if outcome.crashed != nil, !(await restart(other)) { return kept }
                if let failure = outcome.failure, failure.index == candidate.count - 1, failure.signature == signature {
                    kept = candidate
                    removedAny = true
                } else {
                    start = end
                }
            }
            if !removedAny || chunk == 1 { chunk = chunk == 1 ? 0 : chunk / 2 }
        }
        return kept
    }
}

extension Replayer {
    mutating func playAndClean(_ steps: [Step]) async -> [Observation] {
        let observations = await play(steps)
        await clean()
        return observations
    }
}
