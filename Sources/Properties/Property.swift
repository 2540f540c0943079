import Foundation
import RaceDataTesting
import MockS3Server
import RaceData
import S3Kit
import S3Wire

/// Data already in the bucket, which the properties' second form checks instead of generating
/// cases: a deployment's tracks, or the bundled sample once verify has uploaded it.
public struct Dataset: Sendable {
    /// Where its tracks are, such as `data/`.
    public var prefix: String
    /// The same data on disk, when there is a copy (verify's sample mode): properties 1 and 8 need it.
    public var local: URL?

    public init(prefix: String, local: URL? = nil) { self.prefix = prefix; self.local = local }
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

    public init(client: S3Client, bucket: String, prefix: String, mock: MockS3Server?, scratch: URL,
                dataset: Dataset? = nil, readOnly: Bool = false) {
        self.client = client; self.bucket = bucket; self.prefix = prefix; self.mock = mock; self.scratch = scratch
        self.dataset = dataset; self.readOnly = readOnly
    }

    /// A client with other credentials (or none) against the same endpoint, never retrying.
    func client(credentials: Credentials?, now: @escaping @Sendable () -> Date = { Date() }, retry: RetryPolicy = .none) -> S3Client {
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

/// A failed case: what was generated and what went wrong.
public struct PropertyFailure: Error, CustomStringConvertible {
    public var message: String
    public var caseDescription: String
    public init(_ message: String, case caseDescription: String) { self.message = message; self.caseDescription = caseDescription }
    public var description: String { "\(message)\n    case: \(caseDescription)" }
}

func require(_ condition: Bool, _ message: @autoclosure () -> String, case description: @autoclosure () -> String) throws {
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

public struct PropertyResult: Sendable {
    public var number: Int
    public var title: String
    public var cases: Int
    public var seconds: TimeInterval
    /// The seed of the failing case and what failed, if one did.
    public var failure: (seed: UInt64, message: String)?
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

    /// Runs `cases` cases (or only `replay`, a case seed), stopping at the first failure.
    public static func run(_ property: any RaceProperty, cases: Int, seed: UInt64, replay: UInt64? = nil,
                           context: PropertyContext) async -> PropertyResult {
        let started = Date()
        let count = context.dataset != nil && !property.datasetFormIsSeeded ? 1 : cases
        let seeds = replay.map { [$0] } ?? (0..<count).map { caseSeed(seed, $0) }
        var done = 0
        for caseSeed in seeds {
            do {
                if let dataset = context.dataset {
                    try await property.check(dataset: dataset, seed: caseSeed, context: context)
                } else {
                    try await property.check(seed: caseSeed, context: context)
                }
                done += 1
            } catch {
                return PropertyResult(number: property.number, title: property.title, cases: done + 1,
                                      seconds: Date().timeIntervalSince(started), failure: (caseSeed, "\(error)"))
            }
        }
        return PropertyResult(number: property.number, title: property.title, cases: done, seconds: Date().timeIntervalSince(started))
    }

    public static let all: [any RaceProperty] = [
        UploadPreservesStructure(), ConfigurationChoosesSource(), NotFoundIsNil(), AlternativePatterns(),
        TrackDiscovery(), SessionDiscovery(), InvalidCredentials(), SameDataFromBothSources(),
    ]
}
