import ArgumentParser
import Foundation
import S3Kit
import S3Wire

/// 1 KiB PUT, GET, HEAD and ListObjectsV2 (prefix + delimiter, 2,000 keys), each for SECONDS with
/// THREADS concurrent callers; prints "<operation> <threads> <ops/s>".
struct Ops: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Small-request throughput by operation.")
    @Argument var endpoint: String
    @Argument var bucket: String
    @Argument var threads: Int
    @Argument var seconds: Double

    func run() async throws {
        let (threads, seconds, bucket) = (threads, seconds, bucket)
        let s3 = try client(endpoint)
        let payload = [UInt8](repeating: 0x61, count: 1024)
        // The listing's bucket: 2,000 keys in 50 folders.
        if try await s3.listObjectsV2(bucket: bucket, prefix: "list/", maxKeys: 1).objects.isEmpty {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for t in 0..<8 {
                    group.addTask {
                        for i in stride(from: t, to: 2000, by: 8) {
                            _ = try await s3.putObject(
                                bucket: bucket, key: "list/dir\(i % 50)/key\(i).csv", body: .bytes([1]))
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        for i in 0..<threads { _ = try await s3.putObject(bucket: bucket, key: "ops/k\(i)", body: .bytes(payload)) }
        let operations: [(String, @Sendable (Int) async throws -> Void)] = [
            ("put", { t in _ = try await s3.putObject(bucket: bucket, key: "ops/k\(t)", body: .bytes(payload)) }),
            ("get", { t in _ = try await s3.getObjectBytes(bucket: bucket, key: "ops/k\(t)") }),
            ("head", { t in _ = try await s3.headObject(bucket: bucket, key: "ops/k\(t)") }),
            (
                "list",
                { _ in
                    let page = try await s3.listObjectsV2(bucket: bucket, prefix: "list/", delimiter: "/")
                    guard page.commonPrefixes.count == 50 else {
                        fail("listing returned \(page.commonPrefixes.count) prefixes")
                    }
                }
            ),
        ]
        for (name, operation) in operations {
            let deadline = Date().addingTimeInterval(seconds)
            let started = Date()
            let count = try await withThrowingTaskGroup(of: Int.self) { group in
                for t in 0..<threads {
                    group.addTask {
                        // Each client thread is a connection thread the loop runs on.
                        try await s3.withConnection {
                            var n = 0
                            while Date() < deadline {
                                try await operation(t)
                                n += 1
                            }
                            return n
                        }
                    }
                }
                return try await group.reduce(0, +)
            }
            print(String(format: "%@ %d %.0f", name, threads, Double(count) / Date().timeIntervalSince(started)))
        }
    }
}
