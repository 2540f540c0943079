import Foundation
import MockS3Server
import S3Differential
import S3Wire
import TestSupport
import Testing

/// The differential runner judged on servers whose differences are known: two mock-s3 servers alike
/// (ids, dates and tokens differ, so everything the runner normalizes is exercised) must never
/// diverge; one with a planted difference must be caught, shrunk, and replayed from its seed.
@Suite("Differential runner")
struct DifferentialTests {
    static func endpoint(_ server: MockS3Server, name: String) throws -> DiffEndpoint {
        let key = MockS3Server.defaultCredential
        return try DiffEndpoint(
            name: name, url: server.endpoint,
            credentials: Credentials(accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey))
    }

    @Test func serversThatBehaveAlikeNeverDiverge() async throws {
        try await withMock { first in
            try await withMock { second in
                let runner = DifferentialRunner(
                    reference: try Self.endpoint(first, name: "mock"),
                    others: [try Self.endpoint(second, name: "twin")],
                    known: [], length: 40)
                let report = await runner.run(seeds: Array(1...20))
                #expect(
                    report.divergences.isEmpty,
                    "\(report.divergences.first.map { "\($0.seed) \($0.differences)" } ?? "")")
                #expect(report.operations == 20 * 40 && report.crashes.isEmpty)
            }
        }
    }

    @Test func aPlantedDifferenceIsCaughtShrunkAndReplayed() async throws {
        try await withMock { first in
            try await withMock({ $0.faults.listBucketDenied = true }) { second in
                let runner = DifferentialRunner(
                    reference: try Self.endpoint(first, name: "mock"),
                    others: [try Self.endpoint(second, name: "denier")],
                    known: [], length: 40)
                let report = await runner.run(seeds: [5])
                let divergence = try #require(report.divergences.first)
                // The shortest sequence that shows it: a bucket, then one request refused (a listing, or a
                // missing key answered AccessDenied, as S3 answers callers without s3:ListBucket).
                #expect(divergence.steps.count == 2 && divergence.steps.first == 0, "\(divergence.sequence)")
                #expect(divergence.differences.contains { $0.field == "status" && $0.other == "403" })
                let replayed = await runner.run(seeds: [5], only: divergence.steps)
                #expect(replayed.divergences.first?.steps == divergence.steps)

                // Explained by a known difference, it is counted and no longer fails.
                let known = KnownDifference(
                    id: "denies-listings", server: "denier",
                    operations: [try #require(divergence.sequence.last).operation],
                    fields: Set(["status", "code"] + divergence.differences.map(\.kind)), awsAgreesWith: .mock,
                    documentation: "test", explanation: "a GET-only policy")
                var explained = runner
                explained.known = [known]
                let quiet = await explained.run(seeds: [5], only: divergence.steps)
                #expect(
                    quiet.divergences.isEmpty && quiet.known["denies-listings"] == 1,
                    "\(quiet.divergences.map { "\($0.sequence) \($0.differences)" })")
            }
        }
    }
}
