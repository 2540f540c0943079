import ArgumentParser
import CCurl
import Foundation
import S3Kit
import S3Wire

/// Where one 1 KiB GET's time goes, one request at a time (µs each): libcurl alone on this thread (a
/// presigned URL), an empty hand-off to a thread and back, our transport (the same URL),
/// S3Client.getObjectBytes (signing included), the same on a connection of its own, and a 1 KiB
/// PutObject there; each with this process's CPU time per request next to it.
struct Latency: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Where one small GET's time goes.")
    @Argument var endpoint: String
    @Argument var bucket: String

    func run() async throws {
        let bucket = bucket
        let s3 = try client(endpoint)
        _ = try await s3.putObject(
            bucket: bucket, key: "latency/object", body: .bytes([UInt8](repeating: 0x61, count: 1024)))
        let url = try s3.presignedURL(method: .get, bucket: bucket, key: "latency/object")
        let n = 20_000
        // Wall time per request, and this process's CPU time per request (all its threads).
        func cpuTime() -> Double {
            var t = timespec()
            clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
            return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
        }
        /// Runs `request` n times and prints the wall and CPU microseconds per request.
        func measure(_ name: String, _ request: () async throws -> Void) async rethrows {
            let started = Date()
            let cpuStarted = cpuTime()
            for _ in 0..<n { try await request() }
            print(
                String(
                    format: "%@ %.1f us %.1f", name, Date().timeIntervalSince(started) / Double(n) * 1e6,
                    (cpuTime() - cpuStarted) / Double(n) * 1e6))
        }

        // libcurl's own cost: one easy handle, a blocking loop, the body thrown away.
        guard let handle = curl_easy_init() else { fail("curl_easy_init failed") }
        let discard: ccurl_io_callback = { _, size, count, _ in size * count }
        await measure("libcurl-loop") {
            ccurl_setopt_string(handle, CURLOPT_URL, url)
            ccurl_setopt_io(handle, CURLOPT_WRITEFUNCTION, discard)
            ccurl_setopt_long(handle, CURLOPT_TCP_NODELAY, 1)
            guard curl_easy_perform(handle) == CURLE_OK else { fail("curl_easy_perform failed") }
        }
        curl_easy_cleanup(handle)

        // What handing a request to a transfer thread and resuming the caller costs, with no request.
        final class HandOff: @unchecked Sendable {
            private let condition = NSCondition()
            private var waiting: [CheckedContinuation<Void, Never>] = []
            init() {
                let thread = Thread { [self] in
                    while true {
                        condition.lock()
                        while waiting.isEmpty { condition.wait() }
                        let next = waiting.removeFirst()
                        condition.unlock()
                        next.resume()
                    }
                }
                thread.start()
            }
            func roundTrip() async {
                await withCheckedContinuation { continuation in
                    condition.lock()
                    waiting.append(continuation)
                    condition.signal()
                    condition.unlock()
                }
            }
        }
        let handOff = HandOff()
        await measure("hand-off") { await handOff.roundTrip() }

        guard let parts = URLComponents(string: url) else { fail("cannot read the presigned URL") }
        let target = RequestTarget(
            scheme: parts.scheme ?? "http", host: parts.host ?? "127.0.0.1", port: parts.port, path: parts.path,
            query: (parts.queryItems ?? []).map { RequestTarget.QueryItem($0.name, $0.value ?? "") })
        let transport = CurlTransport()
        try await measure("transport") {
            let response = try await transport.execute(HTTPRequest(method: .get, target: target), streamBody: false)
            guard response.head.status == 200 else { fail("transport GET answered \(response.head.status)") }
        }
        try await measure("s3client-get") { _ = try await s3.getObjectBytes(bucket: bucket, key: "latency/object") }
        try await s3.withConnection {
            try await measure("s3client-own") { _ = try await s3.getObjectBytes(bucket: bucket, key: "latency/object") }
            let body = [UInt8](repeating: 0x61, count: 1024)
            try await measure("s3client-put") {
                _ = try await s3.putObject(bucket: bucket, key: "latency/object", body: .bytes(body))
            }
        }
    }
}
