import Foundation
import MockS3Server
import Properties
import RaceData
import S3Kit
import TestSupport
import Testing

/// A failing property reports the smallest case of its seed that still fails. The bug is planted
/// through property 1's test-only hook: after each upload, every object whose key has a space is
/// deleted (an uploader that drops such files). Generated trees have many files and long names;
/// the reported case must come down to one file whose name is a word or two.
@Suite("Shrinking a failing case", .quietLogs)
struct ShrinkingTests {
    static let droppingSpaces = UploadPreservesStructure(afterUpload: { context, prefix in
        let keys = try await context.client.listAll(bucket: context.bucket, prefix: prefix).objects.map(\.key)
        let dropped = keys.filter { $0.dropFirst(prefix.count).contains(" ") }
        if !dropped.isEmpty { _ = try await context.client.deleteObjects(bucket: context.bucket, keys: dropped) }
    })

    static func files(in description: String) -> Int? {
        description.split(separator: " ").first.flatMap { Int($0) }
    }

    @Test func aPlantedBugIsReportedOnAOneFileTree() async throws {
        try await withMock({ $0.buckets = ["shrink"] }) { server in
            let context = PropertyContext(
                client: try server.client(), bucket: "shrink", prefix: "run/", mock: server,
                scratch: FileManager.default.temporaryDirectory.appendingPathComponent("shrink-\(UUID())"))
            defer { try? FileManager.default.removeItem(at: context.scratch) }
            let result = await PropertyRunner.run(Self.droppingSpaces, cases: 100, seed: 2025, context: context)
            let failure = try #require(result.failure, "the planted bug was not found in 100 cases")
            let before = try #require(Self.files(in: failure.original.caseDescription))
            let after = try #require(Self.files(in: failure.minimal.caseDescription))
            print(
                "shrinking: case seed \(failure.seed), \(before) files -> \(after) (\(failure.budget), \(failure.shrinkSteps) cases tried)"
            )
            print("  as generated: \(failure.original.caseDescription)")
            print("  minimal: \(failure.minimal.caseDescription)")
            #expect(after == 1, "\(failure.minimal)")
            #expect(after < before || before == 1)
            #expect(failure.budget.nameParts <= 2 && failure.budget.rows == 0, "\(failure.budget)")
            #expect(failure.minimal.message.contains("lacks"), "\(failure.minimal.message)")

            // The seed replays the same case and shrinks it the same way.
            let replayed = await PropertyRunner.run(
                Self.droppingSpaces, cases: 1, seed: 2025, replay: failure.seed, context: context)
            #expect(replayed.failure?.minimal.caseDescription == failure.minimal.caseDescription)
            #expect(replayed.failure?.budget == failure.budget)
        }
    }

    @Test func withoutTheBugTheSameSeedsPass() async throws {
        try await withMock({ $0.buckets = ["shrink"] }) { server in
            let context = PropertyContext(
                client: try server.client(), bucket: "shrink", prefix: "run/", mock: server,
                scratch: FileManager.default.temporaryDirectory.appendingPathComponent("shrink-\(UUID())"))
            defer { try? FileManager.default.removeItem(at: context.scratch) }
            let result = await PropertyRunner.run(UploadPreservesStructure(), cases: 20, seed: 2025, context: context)
            #expect(result.failure == nil, "\(String(describing: result.failure?.minimal))")
        }
    }
}
