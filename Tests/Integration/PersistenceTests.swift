import Foundation
import MockS3Server
import RaceData
import S3Kit
import S3Wire
import TestSupport
import Testing

/// `mock-s3 --data-dir` keeps buckets, objects, their metadata and ACLs, and pending multipart
/// uploads across restarts, even when killed (SIGKILL) in the middle of uploads: what was answered
/// is there afterwards, byte for byte; what was cut off is not served and leaves no file behind.
@Suite("mock-s3 with --data-dir across a SIGKILL", .quietLogs)
struct PersistenceTests {
    static let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("mock-s3")

    /// Starts mock-s3 on a free port over `directory`; its endpoint once it listens.
    static func start(_ directory: String) throws -> (Process, String) {
        let process = Process()
        process.executableURL = binary
        process.arguments = [
            "--port", "0", "--data-dir", directory, "--bucket", "kept", "--object-ownership", "ObjectWriter",
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        var line = Data()
        while let byte = try pipe.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data([0x0A]) {
            line += byte
        }
        let text = String(decoding: line, as: UTF8.self)
        let endpoint = try #require(
            text.split(separator: " ").first { $0.hasPrefix("http://") }.map(String.init), "\(text)")
        return (process, endpoint)
    }

    static func client(_ endpoint: String, anonymous: Bool = false) throws -> S3Client {
        let key = MockS3Server.defaultCredential
        return S3Client(
            configuration: S3Configuration(
                endpoint: try .custom(endpoint),
                credentials: anonymous
                    ? nil
                    : Credentials(
                        accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey), retry: .none))
    }

    static func body(_ key: String) -> [UInt8] { bytes(1_000 + key.utf8.count * 37, seed: UInt64(key.utf8.count)) }

    @Test func survivesSIGKILLMidUpload() async throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: Self.binary.path), "build mock-s3 first (swift build)")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mock-s3-kill-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }

        let (first, endpoint) = try Self.start(directory)
        let client = try Self.client(endpoint)
        try await client.createBucket("made-before")
        _ = try await client.putObject(
            bucket: "made-before", key: "with metadata.csv", body: .bytes([1, 2, 3]),
            options: PutOptions(contentType: "text/csv", acl: "public-read", metadata: ["run": "1"]))
        let upload = try await client.createMultipartUpload(bucket: "made-before", key: "pending.bin")
        _ = try await client.uploadPart(
            bucket: "made-before", key: "pending.bin", uploadId: upload, partNumber: 1, body: .bytes(bytes(5 << 20)))
        // Uploads in flight when the server is killed.
        let answered = Answered()
        let writers = Task {
            await withTaskGroup(of: Void.self) { group in
                for worker in 0..<4 {
                    group.addTask {
                        for i in 0..<10_000 {
                            let key = "flight/\(worker)/\(i)"
                            guard
                                (try? await client.putObject(bucket: "kept", key: key, body: .bytes(Self.body(key))))
                                    != nil
                            else { return }
                            answered.add(key)
                        }
                    }
                }
            }
        }
        // Killed once enough uploads were answered, while the others are on the wire.
        let started = Date()
        while answered.keys.count < 50 && Date().timeIntervalSince(started) < 60 {
            try await Task.sleep(for: .milliseconds(10))
        }
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        await writers.value
        #expect(answered.keys.count >= 50, "too few uploads before the kill to mean anything")

        let (second, again) = try Self.start(directory)
        defer {
            second.terminate()
            second.waitUntilExit()
        }
        let after = try Self.client(again)
        // Every answered upload is there, whole; nothing else is listed.
        let listed = try await after.listAll(bucket: "kept", prefix: "flight/").objects
        let keys = Set(listed.map(\.key))
        print(
            "persistence: \(answered.keys.count) uploads answered before SIGKILL, \(keys.count) objects listed after the restart"
        )
        #expect(answered.keys.isSubset(of: keys), "lost: \(answered.keys.subtracting(keys).prefix(3))")
        #expect(keys.count <= answered.keys.count + 4, "more objects than uploads in flight")
        for object in listed {
            #expect(
                try await after.getObjectBytes(bucket: "kept", key: object.key) == Self.body(object.key),
                "\(object.key) is torn")
        }
        // Metadata, ACLs, ownership and the pending upload survived.
        let head = try #require(try await after.headObject(bucket: "made-before", key: "with metadata.csv"))
        #expect(head.contentType == "text/csv" && head.metadata["run"] == "1")
        // public-read survived: anyone may read it.
        #expect(
            try await Self.client(again, anonymous: true).getObjectBytes(
                bucket: "made-before", key: "with metadata.csv") == [1, 2, 3])
        let pending = try await after.listMultipartUploads(bucket: "made-before")
        #expect(pending.map(\.uploadId) == [upload])
        // No torn or orphaned file: one blob per object and part, none `.partial`.
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix("blob-") }
        #expect(!files.contains { $0.hasSuffix(".partial") })
        #expect(
            files.count == listed.count + 2,
            "\(files.count) files for \(listed.count) objects, 1 object with metadata and 1 part")
        // Removing an object frees its file.
        try await after.deleteObject(bucket: "made-before", key: "with metadata.csv")
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix("blob-") }.count
                == files.count - 1)
    }
}

final class Answered: @unchecked Sendable {
    private let lock = NSLock()
    private var set: Set<String> = []
    func add(_ key: String) {
        lock.lock()
        set.insert(key)
        lock.unlock()
    }
    var keys: Set<String> {
        lock.lock()
        defer { lock.unlock() }
        return set
    }
}
