import Foundation
import MockS3Server
import Properties
import RaceData
import RaceDataTesting
import S3Kit
import S3Wire
import TestSupport
import Testing

/// Each property fails when a fault of the kind it exists to catch is planted: in the loader it judges
/// (`PropertyContext.loader`), in how it reads the environment (`PropertyContext.configuration`), or in
/// the bytes stored after an upload. Which track, session, row, byte or word the fault hits comes from
/// the run's seed, so a property that compares too little passes it, and this fails.
@Suite("Properties' power: planted faults are caught", .quietLogs)
struct PropertyPowerTests {
    static let sample = SampleData.directory

    /// A fresh mock, a bucket and a context on it (the mock is `context.mock`).
    static func withContext(_ body: (MockS3Server, PropertyContext) async throws -> Void) async throws {
        try await PropertyEnvironment.withMockContext { context in try await body(context.mock!, context) }
    }

    static func expectCaught(_ number: Int, _ fault: String, context: PropertyContext) async throws {
        let property = try #require(PropertyRegistry.property(number))
        let result = await PropertyRunner.run(
            property, cases: 100, seed: PropertyEnvironment.seed, context: context, shrink: false)
        #expect(
            result.failure != nil,
            "property \(number) passed \(result.cases) cases with \(fault) planted (seed \(PropertyEnvironment.seed))")
    }

    static let loaderFaults: [(Int, FaultySource.Fault)] = [
        (3, .swallowedError), (3, .emptyForMissing), (4, .wrongFile), (5, .droppedTrack), (6, .droppedSession),
        (7, .swallowedError), (8, .droppedRow), (8, .wrongVehicle), (8, .droppedSession), (8, .droppedTrack),
    ]

    @Test(arguments: loaderFaults)
    func aLoaderFaultFailsItsProperty(number: Int, fault: FaultySource.Fault) async throws {
        try await Self.withContext { _, base in
            var context = base
            let seed = PropertyEnvironment.seed
            context.loader = { FaultySource($0, fault: fault, seed: seed) }
            try await Self.expectCaught(number, fault.rawValue, context: context)
        }
    }

    /// Property 2 against readers of the environment that are wrong in one way: a true word read as
    /// false, a missing bucket given a default, the data folder ignored.
    @Test(arguments: ["a true word read as false", "a default bucket", "DATA_DIR ignored"])
    func aConfigurationFaultFailsProperty2(fault: String) async throws {
        try await Self.withContext { _, base in
            var context = base
            var random = SeededGenerator(seed: PropertyEnvironment.seed)
            let misread = random.pick(["true", "1", "yes", "on"])
            context.configuration = { environment in
                var environment = environment
                switch fault {
                case "a true word read as false":
                    if environment["USE_S3_DATA"]?.trimmingCharacters(in: .whitespaces).lowercased() == misread {
                        environment["USE_S3_DATA"] = "false"
                    }
                case "a default bucket": environment["S3_BUCKET_NAME"] = environment["S3_BUCKET_NAME"] ?? "race-data"
                default: environment["DATA_DIR"] = nil
                }
                return try DataConfiguration.fromEnvironment(environment)
            }
            try await Self.expectCaught(2, fault, context: context)
        }
    }

    /// Properties 1 and 8 on the sample after the upload was damaged in the store: a byte changed, an
    /// object gone, an object that is no data file added.
    @Test(arguments: [
        (1, "a changed byte"), (1, "a missing object"), (1, "an extra object"), (8, "a changed byte"),
    ])
    func damagedStorageFailsTheDatasetForm(number: Int, damage: String) async throws {
        try await Self.withContext { server, base in
            _ = try await Uploader(client: base.client, bucket: base.bucket).upload(directory: Self.sample)
            var random = SeededGenerator(seed: PropertyEnvironment.seed)
            let keys = try server.store.list(base.bucket, prefix: "data/", delimiter: nil, after: nil, maxKeys: 1000)
                .objects.map(\.key).filter { $0.lowercased().hasSuffix(".csv") }
            // Property 8 reads tables: the damage goes into one the loader serves, on a digit.
            let tables = keys.filter { FileNaming.classify(fileName: String($0.split(separator: "/").last!)) != nil }
            let key = random.pick(number == 8 ? tables : keys)
            switch damage {
            case "a changed byte":
                var bytes = try await base.client.getObjectBytes(bucket: base.bucket, key: key) ?? []
                let digits = bytes.indices.filter { (48...57).contains(bytes[$0]) }
                let at = random.pick(digits)
                bytes[at] = bytes[at] == 57 ? 48 : bytes[at] + 1
                try server.store.put(base.bucket, key: key, bytes: bytes)
            case "a missing object": try server.store.delete(base.bucket, key)
            default: try server.store.put(base.bucket, key: "data/COTA/Race 1/notes.csv", bytes: Array("x\n".utf8))
            }
            var context = base
            context.dataset = Dataset(prefix: "data/", local: Self.sample)
            try await Self.expectCaught(number, "\(damage) in \(key)", context: context)
        }
    }
}
