import Foundation
import MockS3Server
import RaceData
import RaceDataTesting
import S3Kit
import S3Wire

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
    /// Seams for the tests of the properties' power, which plant a fault and expect the property to
    /// fail: every S3 loader a property judges is passed through `loader`, and the environment is read
    /// by `configuration`. As they are by default.
    public var loader: @Sendable (any DataSource) -> any DataSource = { $0 }
    public var configuration: @Sendable ([String: String]) throws -> DataConfiguration = {
        try DataConfiguration.fromEnvironment($0)
    }

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

    /// The loader under test over `prefix` of the bucket (with `client`'s credentials when given).
    func source(prefix: String, client: S3Client? = nil) -> any DataSource {
        loader(S3DataSource(client: client ?? self.client, bucket: bucket, prefix: prefix))
    }

    /// The dataset's source and one of its tracks, chosen by the seed.
    func datasetTrack(_ dataset: Dataset, seed: UInt64) async throws -> (any DataSource, String) {
        let prefix = dataset.prefix
        let source = self.source(prefix: prefix)
        var random = SeededGenerator(seed: seed)
        let tracks = try await source.tracks()
        guard !tracks.isEmpty else { throw PropertyFailure("no tracks", case: prefix) }
        return (source, random.pick(tracks))
    }

    /// Puts `bytes` at `key`: straight into the in-process mock's store when there is one, else a PUT.
    /// The properties that use it are about reading and discovery, not about how the data got there
    /// (property 1 and verify's upload check go through the uploader), and a PUT over loopback costs a
    /// debug build more than the rest of the case.
    func put(_ key: String, _ bytes: [UInt8]) async throws {
        if let mock {
            try mock.store.put(bucket, key: key, bytes: bytes)
        } else {
            _ = try await client.putObject(bucket: bucket, key: key, body: .bytes(bytes))
        }
    }

    /// Removes everything a case wrote under `prefix`.
    public func clean(_ prefix: String) async throws {
        let keys = try await client.listAll(bucket: bucket, prefix: prefix).objects.map(\.key)
        if !keys.isEmpty { _ = try await client.deleteObjects(bucket: bucket, keys: keys) }
    }
}

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
