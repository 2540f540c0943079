import Foundation
import TestSupport
import Testing

@testable import S3Kit
@testable import S3Wire

/// `getObjectInParts`: ranged GETs in flight at once, joined in order, later parts pinned to the first
/// answer's ETag, a dropped part resumed alone.
@Suite("Parted reads")
struct PartedReadTests {
    static let body = (0..<1_000_000).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ $0 >> 9) }
    static let options = DownloadOptions(partSize: 100_000, concurrency: 3)

    func client(_ server: ScriptedServer) throws -> S3Client {
        S3Client(
            configuration: S3Configuration(
                region: "us-east-1", endpoint: try .custom(server.endpoint),
                credentials: RetryAndErrorTests.credentials,
                retry: RetryPolicy(maxAttempts: 4, baseDelay: 0.001, maxDelay: 0.01)))
    }

    /// `bytes=a-b` of the request, clamped to the body as S3 does.
    static func range(_ request: ScriptedServer.Request) -> ClosedRange<Int>? {
        guard let value = request.headers["range"], value.hasPrefix("bytes=") else { return nil }
        let ends = value.dropFirst(6).split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
        guard ends.count == 2, let first = ends[0] else { return nil }
        return first...min(ends[1] ?? (body.count - 1), body.count - 1)
    }

    static func ranged(_ range: ClosedRange<Int>, etag: String = "v1") -> ScriptedServer.Reply {
        .respond(
            status: 206,
            headers: [
                "ETag": "\"\(etag)\"", "Content-Range": "bytes \(range.lowerBound)-\(range.upperBound)/\(body.count)",
            ],
            body: Array(body[range]))
    }

    func read(_ client: S3Client, options: DownloadOptions = PartedReadTests.options) async throws -> [UInt8] {
        let object = try #require(try await client.getObjectInParts(bucket: "b", key: "t.csv", options: options))
        #expect(object.head.size == UInt64(Self.body.count))
        var got: [UInt8] = []
        for try await chunk in object { got += chunk }
        return got
    }

    @Test(arguments: [1, 2, 3, 16])
    func partsAreJoinedInOrderAndPinnedToTheFirstETag(concurrency: Int) async throws {
        let server = try ScriptedServer { request, _ in
            guard let range = Self.range(request) else { return .respond(status: 400) }
            return Self.ranged(range)
        }
        defer { server.stop() }
        #expect(
            try await read(client(server), options: DownloadOptions(partSize: 100_000, concurrency: concurrency))
                == Self.body)
        let requests = server.requests
        #expect(requests.count == 10)
        #expect(
            Set(requests.compactMap { Self.range($0)?.lowerBound }) == Set(stride(from: 0, to: 1_000_000, by: 100_000)))
        #expect(requests.filter { Self.range($0)?.lowerBound != 0 }.allSatisfy { $0.headers["if-match"] == "\"v1\"" })
        #expect(requests.first { Self.range($0)?.lowerBound == 0 }?.headers["if-match"] == nil)
    }

    @Test func aDroppedPartIsResumedAloneFromWhereItStopped() async throws {
        let dropped = Counter()
        let server = try ScriptedServer { request, _ in
            guard let range = Self.range(request) else { return .respond(status: 400) }
            if range.lowerBound == 300_000 && dropped.increment() == 1 {
                return .dropMidBody(
                    status: 206,
                    headers: ["ETag": "\"v1\"", "Content-Range": "bytes 300000-399999/\(Self.body.count)"],
                    contentLength: 100_000, partial: Array(Self.body[300_000..<340_000]))
            }
            return Self.ranged(range)
        }
        defer { server.stop() }
        #expect(try await read(client(server)) == Self.body)
        // Only that part is asked for again (whole, or from where it stopped when the bytes before the
        // drop reached the reader), pinned to the same version; every other part once.
        let requests = server.requests
        let again = requests.filter { (300_000..<400_000).contains(Self.range($0)?.lowerBound ?? -1) }
        #expect(requests.count == 11 && again.count == 2, "\(requests.map { $0.headers["range"] ?? "" })")
        #expect(again.last?.headers["if-match"] == "\"v1\"" && Self.range(again.last!)?.upperBound == 399_999)
        let others = requests.compactMap { Self.range($0)?.lowerBound }.filter { !(300_000..<400_000).contains($0) }
        #expect(others.sorted() == Array(stride(from: 0, to: 1_000_000, by: 100_000)).filter { $0 != 300_000 })
    }

    @Test func anObjectReplacedDuringTheReadIsAnErrorNotAMix() async throws {
        let server = try ScriptedServer { request, _ in
            guard let range = Self.range(request) else { return .respond(status: 400) }
            if request.headers["if-match"] != nil {
                return .respond(
                    status: 412,
                    body: s3ErrorXML(
                        "PreconditionFailed", "At least one of the pre-conditions you specified did not hold"))
            }
            return Self.ranged(range)
        }
        defer { server.stop() }
        let error = await #expect(throws: S3Error.self) { _ = try await read(client(server)) }
        #expect(String(describing: error).contains("changed while it was read"))
    }

    @Test func anEmptyObjectAndAServerWithoutRangesReadWhole() async throws {
        let empty = try ScriptedServer { request, _ in
            request.headers["range"] != nil
                ? .respond(status: 416, body: s3ErrorXML("InvalidRange", "The requested range is not satisfiable"))
                : .respond(status: 200, headers: ["ETag": "\"e\""])
        }
        defer { empty.stop() }
        let nothing = try #require(
            try await client(empty).getObjectInParts(bucket: "b", key: "e", options: Self.options))
        var count = 0
        for try await chunk in nothing { count += chunk.count }
        #expect(count == 0 && empty.requests.count == 2)

        let whole = try ScriptedServer { _, _ in .respond(status: 200, headers: ["ETag": "\"w\""], body: Self.body) }
        defer { whole.stop() }
        #expect(try await read(client(whole)) == Self.body)
        #expect(whole.requests.count == 1)
    }

    /// A server that answers a range with fewer bytes than the object has, and says so in its
    /// Content-Range, must not make a short read look complete.
    @Test func partsThatDoNotAddUpAreAnError() async throws {
        let server = try ScriptedServer { request, _ in
            guard let range = Self.range(request) else { return .respond(status: 400) }
            let short = range.lowerBound...min(range.upperBound, range.lowerBound + 99)  // 100 bytes a part
            return .respond(
                status: 206,
                headers: [
                    "ETag": "\"v1\"",
                    "Content-Range": "bytes \(short.lowerBound)-\(short.upperBound)/\(Self.body.count)",
                ],
                body: Array(Self.body[short]))
        }
        defer { server.stop() }
        let error = await #expect(throws: S3Error.self) { _ = try await read(client(server)) }
        #expect(String(describing: error).contains("of its 1000000 bytes"))
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func increment() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}
