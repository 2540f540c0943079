import CCurl
import Foundation
import RaceData
import RaceDataTesting
import S3Kit
import S3Wire

// s3bench: times S3 operations in-process, for the scripts in Benchmarks/.
//   s3bench get  ENDPOINT BUCKET KEY
//   s3bench put  ENDPOINT BUCKET KEY FILE signed|unsigned|streaming|checksum md5|nomd5
//       prints "<operation> <bytes> <seconds> <MB/s>" (MB = 10^6 bytes)
//   s3bench parse FILE [VEHICLE]            the loader over a local telemetry file
//   s3bench s3parse ENDPOINT BUCKET TRACK SESSION PREFIX [VEHICLE]   the same through S3
//   s3bench requests ENDPOINT BUCKET PREFIX  S3 requests per load of every table: the loader with its
//       listing warm, and the original service's way (a GET per candidate name until one answers)
//   s3bench hash                            MD5, SHA-256 (one stream, and four at once), CRC32, CRC32C
//       over 256 MiB in memory, in MB/s
//   s3bench ops  ENDPOINT BUCKET THREADS SECONDS
//       1 KiB PUT, GET, HEAD and ListObjectsV2 (prefix + delimiter, 2,000 keys), each for SECONDS
//       with THREADS concurrent callers; prints "<operation> <threads> <ops/s>"
//   s3bench latency ENDPOINT BUCKET
//       where one 1 KiB GET's time goes, one request at a time (µs each): libcurl alone on this thread
//       (a presigned URL), an empty hand-off to a thread and back, our transport (the same URL),
//       S3Client.getObjectBytes (signing included), the same on a connection of its own, and a 1 KiB
//       PutObject there; each with this process's CPU time per request next to it
//   s3bench handler [N] [NAME]
//       the mock's CPU time per request on its own, in-process (no sockets), hot and cold; NAME runs
//       one measure: see Handler.swift
//   s3bench raw  METHOD URL CONNECTIONS SECONDS [BODY_BYTES]
//       a load generator without libcurl (for HEAD, which wrk and h2load cannot do): each connection a
//       thread sending the same request over one HTTP/1.1 keep-alive socket, blocking; a presigned URL
//       carries the signature. Prints "<method> <connections> <requests/s> <statuses>"
// Credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, else the mock server's defaults.

let arguments = CommandLine.arguments
func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("s3bench: \(message)\n".utf8))
    exit(2)
}
guard arguments.count >= 2,
    ["get", "put", "ops", "latency", "parse", "s3parse", "hash", "requests", "raw", "handler"].contains(arguments[1])
else {
    fail(
        "usage: s3bench get|put|ops|latency|parse|s3parse|hash|requests|raw|handler ... (see Benchmarks/S3Bench/main.swift)"
    )
}
if arguments[1] == "handler" {
    try handlerBench(
        arguments.count > 2 ? Int(arguments[2]) ?? 20_000 : 20_000, only: arguments.count > 3 ? arguments[3] : nil)
    exit(0)
}
if arguments[1] == "raw" {
    guard arguments.count >= 6, let url = URL(string: arguments[3]), let host = url.host, let port = url.port,
        let connections = Int(arguments[4]), let seconds = Double(arguments[5])
    else { fail("raw needs METHOD URL CONNECTIONS SECONDS [BODY_BYTES]") }
    let method = arguments[2]
    let bodySize = arguments.count > 6 ? Int(arguments[6]) ?? 0 : 0
    let target = url.path(percentEncoded: true) + (url.query(percentEncoded: true).map { "?" + $0 } ?? "")
    let length = bodySize > 0 || method == "PUT" ? "Content-Length: \(bodySize)\r\n" : ""
    let request =
        Array("\(method) \(target) HTTP/1.1\r\nHost: \(host):\(port)\r\n\(length)\r\n".utf8)
        + [UInt8](repeating: 0x61, count: bodySize)
    let deadline = Date().addingTimeInterval(seconds)
    /// Each connection writes only its own slot; they are read once every connection has finished.
    final class Tally: @unchecked Sendable {
        var counts: [Int], statuses: [[Int: Int]]
        init(_ n: Int) {
            counts = Array(repeating: 0, count: n)
            statuses = Array(repeating: [:], count: n)
        }
    }
    let tally = Tally(connections)
    let contentLength = Array("\r\ncontent-length:".utf8)
    let connectionClose = Array("\r\nconnection: close".utf8)
    @Sendable func connectSocket() -> Int32 {
        guard let fd = try? LoopbackSocket.connect(port: port, host: host) else {
            fail("cannot connect to \(host):\(port)")
        }
        return fd
    }
    @Sendable func connection(_ c: Int) {
        var fd = connectSocket()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var n = 0
        while Date() < deadline {
            guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == request.count
            else { fail("send failed") }
            // The head, then Content-Length bytes of body unless this is a HEAD.
            var have = 0
            var headEnd = -1
            while headEnd < 0 {
                let got = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + have, $0.count - have, 0) }
                guard got > 0 else { fail("connection closed by the server") }
                have += got
                if have >= 4 {
                    for i in 3..<have
                    where buffer[i - 3] == 13 && buffer[i - 2] == 10 && buffer[i - 1] == 13 && buffer[i] == 10 {
                        headEnd = i + 1
                        break
                    }
                }
            }
            // The head read as bytes, lower-cased in place (ASCII): String's lowercased() and Foundation's
            // searches cost the client more per request than some servers spend answering.
            for i in 0..<headEnd where (65...90).contains(buffer[i]) { buffer[i] |= 0x20 }
            let status =
                (buffer[9] &- 48) < 10
                ? Int(buffer[9] - 48) * 100 + Int(buffer[10] &- 48) * 10 + Int(buffer[11] &- 48) : 0
            tally.statuses[c][status, default: 0] += 1
            /// The offset just past `needle` in the head.
            func find(_ needle: [UInt8]) -> Int? {
                buffer.withUnsafeBufferPointer { b in
                    guard headEnd >= needle.count else { return nil }
                    outer: for start in 0...(headEnd - needle.count) {
                        for j in 0..<needle.count where b[start + j] != needle[j] { continue outer }
                        return start + needle.count
                    }
                    return nil
                }
            }
            var length = 0
            if method != "HEAD", var at = find(contentLength) {
                while buffer[at] == UInt8(ascii: " ") { at += 1 }
                var digits = 0
                while (48...57).contains(buffer[at]) {
                    length = length * 10 + Int(buffer[at] - 48)
                    at += 1
                    digits += 1
                }
                guard digits > 0 else {
                    fail("unreadable Content-Length in \(String(decoding: buffer[0..<headEnd], as: UTF8.self))")
                }
            }
            let closing = find(connectionClose) != nil
            var body = have - headEnd
            while body < length {
                let got = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, min($0.count, length - body), 0) }
                guard got > 0 else { fail("connection closed by the server") }
                body += got
            }
            n += 1
            // A server that ends each connection (moto does) costs a new one per request, as with wrk.
            if closing {
                close(fd)
                fd = connectSocket()
            }
        }
        close(fd)
        tally.counts[c] = n
    }
    // A thread per connection (concurrentPerform would run only as many at once as there are cores).
    let finished = DispatchGroup()
    for c in 0..<connections {
        finished.enter()
        Thread {
            connection(c)
            finished.leave()
        }.start()
    }
    finished.wait()
    let total = tally.counts.reduce(0, +)
    let seen = tally.statuses.reduce(into: [Int: Int]()) { all, one in all.merge(one, uniquingKeysWith: +) }
    print(
        "\(method) \(connections) \(Int(Double(total) / seconds)) \(seen.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: ","))"
    )
    exit(0)
}
if arguments[1] == "hash" {
    let data = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 << 20, alignment: 64)
    for i in 0..<data.count { data[i] = UInt8(truncatingIfNeeded: i &* 2_654_435_761 >> 13) }
    let block = 1 << 20
    func time(_ name: String, _ body: (UnsafeRawBufferPointer) -> Void) {
        let started = Date()
        for offset in stride(from: 0, to: data.count, by: block) {
            body(UnsafeRawBufferPointer(rebasing: data[offset..<(offset + block)]))
        }
        print(String(format: "%@ %.0f MB/s", name, Double(data.count) / Date().timeIntervalSince(started) / 1e6))
    }
    let md5 = Digest(.md5)
    let sha = Digest(.sha256)
    var ieee = CRC32(.ieee)
    var castagnoli = CRC32(.castagnoli)
    time("md5") { md5.update($0) }
    time("sha256") { sha.update($0) }
    if SHA256x4.isAvailable {
        // Four 1 MiB blocks at a time, as signed aws-chunked uploads hash their chunks.
        let started = Date()
        for offset in stride(from: 0, to: data.count, by: 4 * block) {
            var four = SHA256x4()
            _ = four.finalize(
                (0..<4).map {
                    UnsafeRawBufferPointer(rebasing: data[(offset + $0 * block)..<(offset + ($0 + 1) * block)])
                })
        }
        print(String(format: "sha256x4 %.0f MB/s", Double(data.count) / Date().timeIntervalSince(started) / 1e6))
    }
    time("crc32") { ieee.update($0) }
    time("crc32c") { castagnoli.update($0) }
    // What signing costs per request: a SHA-256 of a canonical request and an HMAC of a string to sign.
    let message = [UInt8](repeating: 0x61, count: 400)
    let key = [UInt8](repeating: 7, count: 32)
    var started = Date()
    for _ in 0..<100_000 { _ = Digest.sha256(message) }
    print(String(format: "sha256 of 400 bytes: %.2f us", Date().timeIntervalSince(started) * 10))
    started = Date()
    for _ in 0..<100_000 { _ = Digest.hmacSHA256(key: key, message: message) }
    print(String(format: "hmac-sha256 of 400 bytes: %.2f us", Date().timeIntervalSince(started) * 10))
    // A whole signature as a verifier computes it: a presigned GET (as wrk sends) and a header-signed GET.
    let signer = SigV4Signer(
        credentials: Credentials(
            accessKeyId: "AKIAMOCKS3SERVER0001", secretAccessKey: "mock/s3+server+secret+key+0000000000001"),
        region: "us-east-1", keyCache: SigningKeyCache())
    let amzDate = "20261201T120000Z"
    let presigned = RequestTarget(
        scheme: "http", host: "127.0.0.1", port: 9000, path: "/bench/wrk/object",
        query: [
            .init("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
            .init("X-Amz-Credential", "AKIAMOCKS3SERVER0001/20261201/us-east-1/s3/aws4_request"),
            .init("X-Amz-Date", amzDate), .init("X-Amz-Expires", "3600"), .init("X-Amz-SignedHeaders", "host"),
        ])
    let plain = RequestTarget(scheme: "http", host: "127.0.0.1", port: 9000, path: "/bench/ops/k0")
    for (name, target, headers, payload) in [
        ("presigned GET", presigned, [(name: "host", value: "127.0.0.1:9000")], SigV4Signer.unsignedPayload),
        (
            "header-signed GET", plain,
            [
                (name: "host", value: "127.0.0.1:9000"),
                (name: "x-amz-content-sha256", value: SigV4Signer.emptyPayloadSHA256),
                (name: "x-amz-date", value: amzDate),
            ], SigV4Signer.emptyPayloadSHA256
        ),
    ] {
        started = Date()
        for _ in 0..<100_000 {
            _ = signer.expectedSignature(
                method: .get, target: target, headers: headers, payloadHash: payload, amzDate: amzDate)
        }
        print(String(format: "signature of a %@: %.2f us", name, Date().timeIntervalSince(started) * 10))
    }
    exit(0)
}
let environment = ProcessInfo.processInfo.environment
let credentials = Credentials(
    accessKeyId: environment["AWS_ACCESS_KEY_ID"] ?? "AKIAMOCKS3SERVER0001",
    secretAccessKey: environment["AWS_SECRET_ACCESS_KEY"] ?? "mock/s3+server+secret+key+0000000000001")

func client(_ endpoint: String, signing: PayloadSigning = .signed) throws -> S3Client {
    var configuration = S3Configuration(
        region: "us-east-1", endpoint: try S3Endpoint.custom(endpoint),
        credentials: credentials, retry: .none, payloadSigning: signing)
    configuration.download = try DownloadOptions(environment: environment)  // S3_GET_PART_MIB, S3_GET_CONCURRENCY
    return S3Client(configuration: configuration)
}

/// User and system time of this process so far (all threads).
func processorSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(
        usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

if arguments.count >= 3 && arguments[1] == "parse" {
    // s3bench parse FILE [VEHICLE]: the loader's CSV path over a local file, whole or filtered.
    let path = arguments[2]
    let url = URL(fileURLWithPath: path)
    let source = LocalDataSource(root: url.deletingLastPathComponent().deletingLastPathComponent())
    let track = url.deletingLastPathComponent().lastPathComponent
    let filter = arguments.count > 3 ? TelemetryFilter(vehicles: [arguments[3]]) : .all
    let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.doubleValue ?? 0
    let cpu0 = processorSeconds()
    let started = Date()
    guard let session = FileNaming.classify(fileName: url.lastPathComponent)?.session,
        let loaded = try await source.telemetry(track: track, session: session, filter: filter)
    else { fail("not a telemetry file") }
    let seconds = Date().timeIntervalSince(started)
    print(
        String(format: "parse %d rows %.3f s %.1f MB/s", loaded.table.rowCount, seconds, size / seconds / 1e6),
        String(format: "cpu %.3f s", processorSeconds() - cpu0))
    exit(0)
}
if arguments.count >= 7 && arguments[1] == "s3parse" {
    // s3bench s3parse ENDPOINT BUCKET TRACK SESSION PREFIX [VEHICLE]: the same through S3DataSource.
    let source = S3DataSource(client: try client(arguments[2]), bucket: arguments[3], prefix: arguments[6])
    let filter = arguments.count > 7 ? TelemetryFilter(vehicles: [arguments[7]]) : .all
    let started = Date()
    guard let loaded = try await source.telemetry(track: arguments[4], session: Session(arguments[5])!, filter: filter)
    else { fail("no telemetry") }
    print(String(format: "s3parse %d rows %.3f s", loaded.table.rowCount, Date().timeIntervalSince(started)))
    exit(0)
}
func transfer() async throws {
    let (operation, endpoint, bucket, key) = (arguments[1], arguments[2], arguments[3], arguments[4])
    let signing: PayloadSigning =
        switch arguments.count > 6 ? arguments[6] : "signed" {
        case "unsigned": .unsigned
        case "streaming": .streaming
        case "checksum": .checksumTrailer
        default: .signed
        }
    let s3 = try client(endpoint, signing: signing)
    let started = Date()
    var bytes: UInt64 = 0
    if operation == "get" {
        guard let object = try await s3.getObject(bucket: bucket, key: key) else { fail("no such object") }
        for try await chunk in object.body { bytes += UInt64(chunk.count) }
    } else {
        let file = arguments[5]
        let size = (try FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.uint64Value ?? 0
        let md5 = arguments.count > 7 && arguments[7] == "md5"
        _ = try await s3.putObject(
            bucket: bucket, key: key, body: .file(path: file, offset: 0, length: size),
            options: PutOptions(contentMD5: md5))
        bytes = size
    }
    let seconds = Date().timeIntervalSince(started)
    print(String(format: "%@ %llu %.4f %.1f", operation, bytes, seconds, Double(bytes) / seconds / 1e6))
}

/// Counts requests by kind; with `denyListing`, answers listings itself with S3's AccessDenied, as a
/// bucket policy granting only s3:GetObject would (so the loader takes its GET-only path).
final class CountingTransport: HTTPTransport, @unchecked Sendable {
    private let inner = CurlTransport()
    private let lock = NSLock()
    private var counts: [String: Int] = [:]
    let denyListing: Bool

    init(denyListing: Bool) { self.denyListing = denyListing }

    func execute(_ request: HTTPRequest, streamBody: Bool) async throws -> HTTPResponse {
        let listing = request.method == .get && request.target.query.contains { $0.name == "list-type" }
        lock.withLock { counts[listing ? "LIST" : request.method.rawValue, default: 0] += 1 }
        if listing && denyListing {
            let xml = "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"
            return HTTPResponse(
                head: ResponseHead(status: 403, headers: ["Content-Type": "application/xml"]), body: Array(xml.utf8)
            )
        }
        return try await inner.execute(request, streamBody: streamBody)
    }

    func take() -> [String: Int] {
        lock.lock()
        defer {
            counts = [:]
            lock.unlock()
        }
        return counts
    }
}

func requests() async throws {
    guard arguments.count >= 5 else { fail("requests needs ENDPOINT BUCKET PREFIX") }
    let (endpoint, bucket, prefix) = (arguments[2], arguments[3], arguments[4])
    func source(denyListing: Bool) throws -> (S3DataSource, CountingTransport) {
        let transport = CountingTransport(denyListing: denyListing)
        let client = S3Client(
            configuration: S3Configuration(
                region: "us-east-1", endpoint: try S3Endpoint.custom(endpoint),
                credentials: credentials, retry: .none),
            transport: transport)
        return (S3DataSource(client: client, bucket: bucket, prefix: prefix), transport)
    }
    let kinds: [TableKind] = [.lap(.lapStart), .lap(.lapEnd), .lap(.lapTime), .telemetry]
    let (listed, counter) = try source(denyListing: false)
    var loads: [(String, Session)] = []
    for track in try await listed.tracks() {
        // Warms the listing.
        for session in try await listed.sessions(track: track) ?? [] { loads.append((track, session)) }
    }
    _ = counter.take()
    var found = 0
    for (track, session) in loads {
        for kind in kinds where try await listed.load(track: track, session: session, kind: kind, filter: .all) != nil {
            found += 1
        }
    }
    let warm = counter.take()
    let (getOnly, getCounter) = try source(denyListing: true)
    var perLoad: [Int] = []
    for (track, session) in loads {
        for kind in kinds {
            _ = getCounter.take()
            _ = try await getOnly.load(track: track, session: session, kind: kind, filter: .all)
            perLoad.append(getCounter.take()["GET", default: 0])
        }
    }
    let total = Double(loads.count * kinds.count)
    print(
        String(
            format: "loader, listing warm: %.2f requests per load (%d GET, %d LIST for %d loads, %d tables found)",
            Double(warm.values.reduce(0, +)) / total, warm["GET", default: 0], warm["LIST", default: 0], Int(total),
            found))
    print(
        String(
            format: "original approach (a GET per candidate name until one answers): %.2f GETs per load, up to %d",
            Double(perLoad.reduce(0, +)) / total, perLoad.max() ?? 0))
}

func ops() async throws {
    let (endpoint, bucket) = (arguments[2], arguments[3])
    guard arguments.count >= 6, let threads = Int(arguments[4]), let seconds = Double(arguments[5]) else {
        fail("ops needs THREADS SECONDS")
    }
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

func latency() async throws {
    let (endpoint, bucket) = (arguments[2], arguments[3])
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

do {
    switch arguments[1] {
    case "ops": try await ops()
    case "latency": try await latency()
    case "requests": try await requests()
    default: try await transfer()
    }
} catch {
    fail("\(error)")
}
