import Foundation
import MockS3Server
import RaceData
import RaceDataTesting
import S3Kit
import S3Wire

/// Data already in the bucket, which the properties' second form checks instead of generating
/// cases: a deployment's tracks, or the bundled sample once verify has uploaded it.
public struct Dataset: Sendable {
    /// Where its tracks are, such as `data/`.
    public var prefix: String
    /// The same data on disk, when there is a copy (verify's sample mode): properties 1 and 8 need it.
    public var local: URL?

    public init(prefix: String, local: URL? = nil) {
        self.prefix = prefix
        self.local = local
    }
}

/// What a property runs against: a server (the in-process mock, moto, or production), a bucket it
/// may write to under `prefix`, and a local scratch folder; with `dataset`, the data already there.
public struct PropertyContext: Sendable {
    public var client: S3Client
    public var bucket: String
    /// Every key a property writes starts with this (a scratch prefix in production).
    public var prefix: String
    /// Set when the server is the in-process mock: faults and the journal are then available.
    public var mock: MockS3Server?
    public var scratch: URL
    /// Set to check the data already in the bucket (each property's `check(dataset:)` form)
    /// rather than generated cases.
    public var dataset: Dataset?
    /// Nothing may be written (a deployment checked read-only).
    public var readOnly: Bool
    /// Caps on generated cases (shrinking lowers them).
    public var budget = CaseBudget.unlimited

    public init(
        client: S3Client, bucket: String, prefix: String, mock: MockS3Server?, scratch: URL,
        dataset: Dataset? = nil, readOnly: Bool = false
    ) {
        self.client = client
        self.bucket = bucket
        self.prefix = prefix
        self.mock = mock
        self.scratch = scratch
        self.dataset = dataset
        self.readOnly = readOnly
    }

    /// A client with other credentials (or none) against the same endpoint, never retrying.
    func client(credentials: Credentials?, now: @escaping @Sendable () -> Date = { Date() }, retry: RetryPolicy = .none)
        -> S3Client
    {
        var configuration = client.configuration
        configuration.credentials = credentials
        configuration.retry = retry
        return S3Client(configuration: configuration, now: now)
    }

    /// A fresh key prefix for one case, and a local folder for it.
    func casePrefix(_ property: Int, _ seed: UInt64) -> String { "\(prefix)p\(property)-\(String(seed, radix: 36))/" }

    func caseFolder(_ property: Int, _ seed: UInt64) throws -> URL {
        let url = scratch.appendingPathComponent("p\(property)-\(String(seed, radix: 36))")
        try? FileManager.default.removeItem(at: url)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The dataset's source and one of its tracks, chosen by the seed.
    func datasetTrack(_ dataset: Dataset, seed: UInt64) async throws -> (S3DataSource, String) {
        let prefix = dataset.prefix
        let source = S3DataSource(client: client, bucket: bucket, prefix: prefix)
        var random = SeededGenerator(seed: seed)
        let tracks = try await source.tracks()
        guard !tracks.isEmpty else { throw PropertyFailure("no tracks", case: prefix) }
        return (source, random.pick(tracks))
    }

    /// Removes everything a case wrote under `prefix`.
    public func clean(_ prefix: String) async throws {
        let keys = try await client.listAll(bucket: bucket, prefix: prefix).objects.map(\.key)
        if !keys.isEmpty { _ = try await client.deleteObjects(bucket: bucket, keys: keys) }
    }
}

/// Caps on what a generated case holds; every generator draws its numbers as usual and then caps
/// them, so a smaller budget gives a smaller version of the same case. Shrinking lowers them.
public struct CaseBudget: Sendable, Equatable, CustomStringConvertible {
    public enum Dimension: CaseIterable, Sendable { case items, nameParts, rows }
    /// Tracks, folders, files, sessions, cars, laps: each count is capped at this.
    public var items = Int.max
    /// Words in a generated name.
    public var nameParts = Int.max
    /// Rows of a table, bytes of a file.
    public var rows = Int.max

    public init() {}
    public static let unlimited = CaseBudget()
    static let caps = [0, 1, 2, 4, 8, 16, 64, 256]

    subscript(_ dimension: Dimension) -> Int {
        get {
            switch dimension {
            case .items: items
            case .nameParts: nameParts
            case .rows: rows
            }
        }
        set {
            switch dimension {
            case .items: items = newValue
            case .nameParts: nameParts = newValue
            case .rows: rows = newValue
            }
        }
    }

    /// A count drawn from `range`, capped (never below the range's least).
    func count(_ dimension: Dimension, _ range: ClosedRange<Int>, using random: inout SeededGenerator) -> Int {
        max(range.lowerBound, min(random.int(range), self[dimension]))
    }

    public var description: String {
        let parts = [("items", items), ("name parts", nameParts), ("rows", rows)].filter { $0.1 != Int.max }
        return parts.isEmpty ? "full size" : parts.map { "\($0.0) ≤ \($0.1)" }.joined(separator: ", ")
    }
}

/// A failed case: what was generated and what went wrong.
public struct PropertyFailure: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var caseDescription: String
    public init(_ message: String, case caseDescription: String) {
        self.message = message
        self.caseDescription = caseDescription
    }
    public var description: String { "\(message)\n    case: \(caseDescription)" }
}

func require(_ condition: Bool, _ message: @autoclosure () -> String, case description: @autoclosure () -> String)
    throws
{
    if !condition { throw PropertyFailure(message(), case: description()) }
}

/// One of the eight properties (docs/properties.md): one case per seed, the same case for the same
/// seed everywhere. Each has two forms: over generated cases (`check(seed:context:)`), and over a
/// dataset already in the bucket (`check(dataset:seed:context:)`), which verify runs on the bundled
/// sample and on a deployment.
public protocol RaceProperty: Sendable {
    var number: Int { get }
    var title: String { get }
    /// Whether it needs the in-process mock (faults, journal, configured credentials).
    var needsMock: Bool { get }
    func check(seed: UInt64, context: PropertyContext) async throws
    /// Whether it has a form for this dataset (some need its local copy, or must write).
    func canCheck(_ dataset: Dataset, readOnly: Bool) -> Bool
    /// Whether that form's answer depends on the seed; one case does the work when it does not.
    var datasetFormIsSeeded: Bool { get }
    func check(dataset: Dataset, seed: UInt64, context: PropertyContext) async throws
}

extension RaceProperty {
    public var needsMock: Bool { false }
    public func canCheck(_ dataset: Dataset, readOnly: Bool) -> Bool { false }
    public var datasetFormIsSeeded: Bool { true }
    public func check(dataset: Dataset, seed: UInt64, context: PropertyContext) async throws {
        throw PropertyFailure("property \(number) has no form for a dataset", case: dataset.prefix)
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

public enum PropertyFixtures {
    /// The temporary key pair the mock must know as expired, for property 7.
    public static var expiredCredential: MockCredential { InvalidCredentials.expired }
}

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

    public static let all: [any RaceProperty] = [
        UploadPreservesStructure(), ConfigurationChoosesSource(), NotFoundIsNil(), AlternativePatterns(),
        TrackDiscovery(), SessionDiscovery(), InvalidCredentials(), SameDataFromBothSources(),
    ]
}
