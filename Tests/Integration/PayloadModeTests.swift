import Foundation
import MockS3Server
import S3Wire
import TestSupport
import Testing

@testable import S3Kit

/// Servers that predate checksum trailers (Ceph RGW 16.2 answers `STREAMING-UNSIGNED-PAYLOAD-TRAILER` with
/// 400 XAmzContentSHA256Mismatch): the client falls back once, says so once, and remembers it. The mock's
/// `refusedPayloadModes` fault plays that server; the RGW integration tests meet the real one.
@Suite("Payload modes a server refuses")
struct PayloadModeTests {
    static let trailer = ChecksumTrailerFraming.payloadHash

    /// A mock-s3 that refuses bodies framed in `modes` as an old server does, a bucket `b` on it, and a
    /// client in checksum-trailer mode whose notices are kept.
    static func withOldServer(
        refusing modes: Set<String>, environment: [String: String] = [:],
        _ body: (MockS3Server, S3Client, LineRecorder) async throws -> Void
    ) async throws {
        try await withMock { server in
            try server.store.createBucket("b")
            var plan = FaultPlan()
            plan.refusedPayloadModes = modes
            server.setFaults(plan)
            let notices = LineRecorder()
            var configuration = try server.client(signing: .checksumTrailer).configuration
            configuration.checksumCalculation = try ChecksumCalculation.configured(
                environment: environment, chain: CredentialChain(environment: ["AWS_CONFIG_FILE": "/nonexistent"]))
            configuration.notice = { notices.add($0) }
            try await body(server, S3Client(configuration: configuration), notices)
        }
    }

    @Test func aRefusedTrailerFallsBackOnceAndIsRemembered() async throws {
        try await Self.withOldServer(refusing: [Self.trailer]) { server, client, notices in
            let bodies = (0..<4).map { n in (0..<(1000 + n * 70_000)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ n) } }
            for (n, body) in bodies.enumerated() {
                _ = try await client.putObject(bucket: "b", key: "k\(n)", body: .bytes(body))
            }
            for (n, body) in bodies.enumerated() {
                #expect(try await client.getObjectBytes(bucket: "b", key: "k\(n)") == body)
            }
            // One refusal: the first PUT; every later PUT goes straight to the mode the server takes.
            let puts = server.journal.entries(operation: "PutObject").map { "\($0.status) \($0.errorCode ?? "")" }
            #expect(puts == ["400 XAmzContentSHA256Mismatch"] + Array(repeating: "200 ", count: 4))
            #expect(notices.all.count == 1)
            let notice = try #require(notices.all.first)
            #expect(notice.contains("does not understand checksum trailers") && notice.contains(Self.trailer))
            #expect(notice.contains(ChunkSigner.payloadHash) && notice.contains("AWS_REQUEST_CHECKSUM_CALCULATION"))
        }
    }

    @Test func whenRequiredNeverSendsATrailer() async throws {
        try await Self.withOldServer(
            refusing: [Self.trailer], environment: ["AWS_REQUEST_CHECKSUM_CALCULATION": "when_required"]
        ) { server, client, notices in
            _ = try await client.putObject(bucket: "b", key: "k", body: .bytes(Array(repeating: 7, count: 100_000)))
            #expect(server.journal.entries(operation: "PutObject").map(\.status) == [200])
            #expect(notices.all.isEmpty)
        }
    }

    /// A server that takes no aws-chunked body at all: the error says which framing it did not understand
    /// and how to choose another, and does not blame the network (that message is for a real mismatch).
    @Test func aServerRefusingEveryChunkedModeGetsAnErrorThatSaysSo() async throws {
        try await Self.withOldServer(refusing: [Self.trailer, ChunkSigner.payloadHash]) { _, client, notices in
            let error = await #expect(throws: S3Error.self) {
                _ = try await client.putObject(bucket: "b", key: "k", body: .bytes(Array(repeating: 1, count: 10)))
            }
            let text = "\(try #require(error))"
            #expect(text.contains("did not understand the body's framing") && text.contains(ChunkSigner.payloadHash))
            #expect(text.contains("--payload-signing signed or unsigned") && !text.contains("corrupted in transit"))
            #expect(notices.all.count == 1)
        }
    }

    /// S3 answers a trailer that does not match with BadDigest: that is corruption, and no fallback hides it.
    @Test func aRealMismatchIsNotTakenForARefusal() {
        func error(_ code: String) -> S3Error {
            .service(
                .init(
                    operation: .putObject, code: code, message: "", status: 400, requestId: nil, bucket: "b",
                    key: "k", region: nil, configuredRegion: "us-east-1", redactedKeyId: nil, attempts: 1))
        }
        #expect(!PayloadModeMemory.isTrailerRefusal(error("BadDigest")))
        #expect(PayloadModeMemory.isTrailerRefusal(error("XAmzContentSHA256Mismatch")))
        #expect("\(error("BadDigest"))".contains("corrupted in transit"))
    }

    @Test func theSettingComesFromTheEnvironmentOrTheConfigFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("config-\(UUID())").path
        try """
        [default]
        request_checksum_calculation = WHEN_REQUIRED
        [profile odd]
        request_checksum_calculation = sometimes
        """.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        func setting(_ environment: [String: String]) throws(S3Error) -> ChecksumCalculation {
            var environment = environment
            environment["AWS_CONFIG_FILE"] = path
            return try ChecksumCalculation.configured(
                environment: environment, chain: CredentialChain(environment: environment))
        }
        #expect(try setting([:]) == .whenRequired)
        #expect(try setting(["AWS_REQUEST_CHECKSUM_CALCULATION": "when_supported"]) == .whenSupported)
        #expect(try setting(["AWS_PROFILE": "missing"]) == .whenSupported)
        let error = #expect(throws: S3Error.self) { try setting(["AWS_PROFILE": "odd"]) }
        #expect("\(try #require(error))".contains("[odd] is \"sometimes\"; it takes when_supported or when_required"))
        #expect(throws: S3Error.self) { try setting(["AWS_REQUEST_CHECKSUM_CALCULATION": "always"]) }
    }
}
