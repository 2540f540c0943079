import ArgumentParser
import Foundation
import MockS3Server
import NIOCore
import NIOEmbedded
import NIOHTTP1
import RaceData
import S3Kit
import S3Wire

struct Handler: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The mock's CPU time per request, without sockets.")
    @Argument(help: "requests per measure") var count = 20_000
    @Argument(help: "run only this measure (for a profiler)") var only: String?

    func run() throws { try handlerBench(count, only: only) }
}

/// `s3bench handler [N] [NAME]`: the mock's own CPU time per request, without sockets, the kernel or thread
/// wake-ups: its real pipeline (NIO's HTTP/1 codec and the S3 handler) on an EmbeddedChannel, fed the
/// bytes of signed requests N times each. `floor` is the same GET answered by a handler that only sends
/// 1 KiB: what NIO's HTTP pipeline itself costs. With NAME, only that measure (for a profiler).
func handlerBench(_ n: Int, only: String? = nil) throws {
    var configuration = MockS3Server.Configuration()
    configuration.buckets = ["bench"]
    let credential = configuration.credentials[0]
    let channel = EmbeddedChannel()
    try MockS3Server.addHandlers(to: channel.pipeline.syncOperations, configuration: configuration)
    let signer = SigV4Signer(
        credentials: Credentials(accessKeyId: credential.accessKeyId, secretAccessKey: credential.secretAccessKey),
        region: configuration.region, keyCache: SigningKeyCache())

    /// The bytes a client sends: header-signed as our client signs, or presigned as wrk's URLs are.
    func request(
        _ method: RequestMethod, _ path: String, query: [RequestTarget.QueryItem] = [], body: [UInt8] = [],
        presigned: Bool = false
    ) -> ByteBuffer {
        let target = RequestTarget(scheme: "http", host: "127.0.0.1", port: 9000, path: path, query: query)
        var text: String
        if presigned {
            let url = signer.presign(target, method: method, expires: 3600, date: Date()).url
            text =
                "\(method.rawValue) \(url.dropFirst("http://127.0.0.1:9000".count)) HTTP/1.1\r\nHost: 127.0.0.1:9000\r\n"
            if !body.isEmpty { text += "Content-Length: \(body.count)\r\n" }
        } else {
            var signed = S3Wire.HTTPRequest(method: method, target: target)
            signed.headers.set("User-Agent", "racedata")
            if !body.isEmpty {
                signed.headers.set("Content-Length", String(body.count))
                signed.headers.set("Content-MD5", Data(Digest.md5(body)).base64EncodedString())
            }
            signer.sign(&signed, payloadHash: Digest.sha256(body).hexString, date: Date())
            text =
                "\(method.rawValue) \(target.encodedPath)\(query.isEmpty ? "" : "?" + target.encodedQuery) HTTP/1.1\r\n"
                + "Host: 127.0.0.1:9000\r\n" + signed.headers.fields.map { "\($0.name): \($0.value)\r\n" }.joined()
        }
        var buffer = ByteBuffer(string: text + "\r\n")
        buffer.writeBytes(body)
        return buffer
    }
    /// Sends `bytes` and reads the whole answer; returns its status.
    func exchange(_ channel: EmbeddedChannel, _ bytes: ByteBuffer) throws -> String {
        try channel.writeInbound(bytes)
        var status = ""
        while let part = try channel.readOutbound(as: IOData.self) {
            if status.isEmpty, case .byteBuffer(let b) = part {
                status = b.getString(at: b.readerIndex + 9, length: 3) ?? "?"
            }
        }
        return status
    }
    let evictionSpace = UnsafeMutableRawBufferPointer.allocate(byteCount: 8 << 20, alignment: 64)
    evictionSpace.initializeMemory(as: UInt8.self, repeating: 0)
    defer { evictionSpace.deallocate() }
    func time(_ name: String, _ channel: EmbeddedChannel, _ bytes: ByteBuffer) throws {
        let status = try exchange(channel, bytes)
        guard status.hasPrefix("2") else { fail("\(name) answered \(status)") }
        let label = name.replacingOccurrences(of: " ", with: "-")
        if let only, only != label { return }
        let started = Date()
        for _ in 0..<n { _ = try exchange(channel, bytes) }
        let hot = Date().timeIntervalSince(started) / Double(n) * 1e6
        // Cold: the caches refilled with other data before each request, as between requests on a
        // socket (the kernel, the client, other work run in between); the refill's own time is taken out.
        let rounds = max(1, n / 20)
        var coldTime = 0.0
        for _ in 0..<rounds {
            evictCaches(evictionSpace)
            let t = Date()
            _ = try exchange(channel, bytes)
            coldTime += Date().timeIntervalSince(t)
        }
        print(String(format: "%@ %.2f us %.2f", label, hot, coldTime / Double(rounds) * 1e6))
    }

    let payload = [UInt8](repeating: 0x61, count: 1024)
    for i in 0..<2000 { _ = try exchange(channel, request(.put, "/bench/list/dir\(i % 50)/key\(i).csv", body: [1])) }
    try time("put", channel, request(.put, "/bench/ops/k0", body: payload))
    try time("get", channel, request(.get, "/bench/ops/k0"))
    try time("head", channel, request(.head, "/bench/ops/k0"))
    try time(
        "list", channel,
        request(.get, "/bench/", query: [.init("list-type", "2"), .init("prefix", "list/"), .init("delimiter", "/")]))
    try time("presigned put", channel, request(.put, "/bench/ops/k1", body: payload, presigned: true))
    try time("presigned get", channel, request(.get, "/bench/ops/k0", presigned: true))

    let floor = EmbeddedChannel()
    try floor.pipeline.syncOperations.configureHTTPServerPipeline(
        withErrorHandling: true, withOutboundHeaderValidation: false)
    try floor.pipeline.syncOperations.addHandler(OneKiB())
    try time("floor", floor, request(.get, "/bench/ops/k0"))
}

/// Walks `space` (made larger than the L2 caches) so that the next request starts cold.
private func evictCaches(_ space: UnsafeMutableRawBufferPointer) {
    for i in stride(from: 0, to: space.count, by: 64) { space[i] &+= 1 }
}

/// Answers every request with 1 KiB and nothing else.
private final class OneKiB: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    private let body = ByteBuffer(repeating: 0x61, count: 1024)

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .end = unwrapInboundIn(data) else { return }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Length", value: "1024")
        context.write(
            wrapOutboundOut(.head(NIOHTTP1.HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))),
            promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
