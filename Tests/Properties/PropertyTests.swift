import Foundation
import MockS3Server
import Properties
import RaceData
import S3Kit
import S3Wire
import TestSupport
import Testing

/// The properties (docs/properties.md) over generated cases, against the in-process mock server (all of them)
/// and moto_server (those whose `onMoto` is `.runs`). PROPERTY_CASES sets the count (default 100),
/// PROPERTY_CASES_MOTO the count against moto (default 25: moto is a second opinion, and a Python server's
/// requests are what the suite's time went on), PROPERTY_SEED the run's seed (default 2025; `random` picks
/// one and prints it), PROPERTY_REPLAY one case's seed.
enum PropertyEnvironment {
    static let environment = ProcessInfo.processInfo.environment
    static let cases = Int(environment["PROPERTY_CASES"] ?? "") ?? 100
    static let motoCases = Int(environment["PROPERTY_CASES_MOTO"] ?? "") ?? 25
    static let seed: UInt64 = {
        if environment["PROPERTY_SEED"] == "random" {
            let seed = UInt64.random(in: 0...UInt64.max)
            print("properties: PROPERTY_SEED=\(seed)")
            return seed
        }
        return UInt64(environment["PROPERTY_SEED"] ?? "") ?? 2025
    }()
    static let replay = UInt64(environment["PROPERTY_REPLAY"] ?? "")

    /// A mock of its own for each property (some set their server's faults), so they run side by side.
    static func withMockContext(_ body: (PropertyContext) async throws -> Void) async throws {
        try await withMock({
            $0.credentials = [MockS3Server.defaultCredential, PropertyFixtures.expiredCredential]
            $0.defaultOwnership = .objectWriter
            $0.buckets = ["properties"]
        }) { server in
            let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("properties-mock-\(UUID())")
            defer { try? FileManager.default.removeItem(at: scratch) }
            try await body(
                PropertyContext(
                    client: try server.client(retry: RetryPolicy(maxAttempts: 3, baseDelay: 0.001)),
                    bucket: "properties", prefix: "run/", mock: server, scratch: scratch))
        }
    }

    static let moto = Task<PropertyContext, any Error> {
        let moto = try await MotoServer.open.value
        let (client, bucket) = try await moto.bucket("properties")
        return PropertyContext(
            client: client, bucket: bucket, prefix: "run/", mock: nil,
            scratch: FileManager.default.temporaryDirectory.appendingPathComponent("properties-moto-\(UUID())"))
    }

    static func run(_ number: Int, on context: PropertyContext, cases: Int = PropertyEnvironment.cases) async throws {
        let property = try #require(PropertyRegistry.property(number))
        let result = await PropertyRunner.run(property, cases: cases, seed: seed, replay: replay, context: context)
        if let failure = result.failure {
            Issue.record(
                """
                property \(number) (\(property.title)) failed at case \(result.cases) of seed \(seed) (case seed \(failure.seed)):
                minimal case (\(failure.budget), \(failure.shrinkSteps) cases tried while shrinking): \(failure.minimal)
                as generated: \(failure.original)
                replay: PROPERTY_REPLAY=\(failure.seed) swift test --filter PropertyTests   or   swift run verify --property \(number) --replay \(failure.seed)
                """)
        } else {
            #expect(result.cases == (replay == nil ? cases : 1))
        }
    }
}

@Suite("Properties against the mock server", .quietLogs)
struct PropertyTests {
    @Test(arguments: PropertyRegistry.all.map(\.number))
    func property(_ number: Int) async throws {
        try await PropertyEnvironment.withMockContext { try await PropertyEnvironment.run(number, on: $0) }
    }

    @Test func theRegistryIsInNumberOrder() {
        #expect(PropertyRegistry.all.map(\.number) == Array(1...PropertyRegistry.all.count))
    }
}

@Suite("Properties against moto_server", .quietLogs)
struct MotoPropertyTests {
    @Test(arguments: PropertyRegistry.all.filter { $0.onMoto == .runs }.map(\.number))
    func property(_ number: Int) async throws {
        try await PropertyEnvironment.run(
            number, on: try await PropertyEnvironment.moto.value, cases: PropertyEnvironment.motoCases)
    }
}
