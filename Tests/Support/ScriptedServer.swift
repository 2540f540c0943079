import Foundation
import RaceDataTesting

#if canImport(Glibc)
    import Glibc
#endif

/// A tiny HTTP/1.1 server on a loopback port whose every answer a test scripts: S3 errors, 503s,
/// connections dropped before or in the middle of a body, silence. It records each request.
public final class ScriptedServer: @unchecked Sendable {
    public struct Request: Sendable {
        public var method: String
        public var target: String
        public var headers: [String: String]
        public var body: [UInt8]
    }

    public enum Reply: Sendable {
        case respond(status: Int, headers: [String: String] = [:], body: [UInt8] = [])
        /// Sends the head (with the full Content-Length) and only `partial` of the body, then closes.
        case dropMidBody(status: Int, headers: [String: String], contentLength: Int, partial: [UInt8])
        /// Closes the connection without a word.
        case close
        /// Says nothing for this long, then closes.
        case stall(TimeInterval)
        /// The head (with the full Content-Length), then the body a byte every `interval` seconds.
        case trickle(status: Int, headers: [String: String], body: [UInt8], interval: TimeInterval)
        /// A chunked body that never ends (until the client goes away, or `limit` bytes).
        case endlessChunked(status: Int, headers: [String: String], limit: Int)
        /// These bytes as they are (a wrong Content-Length, a broken head), then the connection closes.
        case raw([UInt8])
    }

    public let port: Int
    private let listener: Int32
    private let lock = NSLock()
    private var recorded: [Request] = []
    private let handler: @Sendable (Request, Int) -> Reply

    public var requests: [Request] {
        lock.lock()
        defer { lock.unlock() }
        return recorded
    }
    public var endpoint: String { "http://127.0.0.1:\(port)" }

    /// `handler` gets each request and its index (0 for the first).
    public init(_ handler: @escaping @Sendable (Request, Int) -> Reply) throws {
        self.handler = handler
        (listener, port) = try LoopbackSocket.listen()
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    /// Wakes the accept loop, which closes the listener itself: closing it here could let another
    /// server's new socket get the same descriptor before the loop's next accept, and be served by it.
    public func stop() { shutdown(listener, Int32(SHUT_RDWR)) }

    private func acceptLoop() {
        defer { close(listener) }
        while true {
            let fd = accept(listener, nil, nil)
            guard fd >= 0 else { return }
            Thread { [self] in serve(fd) }.start()
        }
    }

    private func serve(_ fd: Int32) {
        defer { close(fd) }
        var buffer: [UInt8] = []
        while true {
            guard let request = readRequest(fd, &buffer) else { return }
            lock.lock()
            let index = recorded.count
            recorded.append(request)
            lock.unlock()
            switch handler(request, index) {
            case .respond(let status, let headers, let body):
                var head = "HTTP/1.1 \(status) Scripted\r\nContent-Length: \(body.count)\r\n"
                for (name, value) in headers { head += "\(name): \(value)\r\n" }
                write(fd, Array((head + "\r\n").utf8) + (request.method == "HEAD" ? [] : body))
            case .dropMidBody(let status, let headers, let contentLength, let partial):
                var head = "HTTP/1.1 \(status) Scripted\r\nContent-Length: \(contentLength)\r\n"
                for (name, value) in headers { head += "\(name): \(value)\r\n" }
                write(fd, Array((head + "\r\n").utf8) + partial)
                return
            case .close:
                return
            case .stall(let seconds):
                Thread.sleep(forTimeInterval: seconds)
                return
            case .trickle(let status, let headers, let body, let interval):
                var head = "HTTP/1.1 \(status) Scripted\r\nContent-Length: \(body.count)\r\n"
                for (name, value) in headers { head += "\(name): \(value)\r\n" }
                guard LoopbackSocket.sendAll(fd, Array((head + "\r\n").utf8)) else { return }
                for byte in body {
                    Thread.sleep(forTimeInterval: interval)
                    guard LoopbackSocket.sendAll(fd, [byte]) else { return }
                }
            case .endlessChunked(let status, let headers, let limit):
                var head = "HTTP/1.1 \(status) Scripted\r\nTransfer-Encoding: chunked\r\n"
                for (name, value) in headers { head += "\(name): \(value)\r\n" }
                guard LoopbackSocket.sendAll(fd, Array((head + "\r\n").utf8)) else { return }
                let line = Array(
                    ",1,I_R01,R1,kafka:gr-raw,2025-09-07T14:03:21.000Z,GR86-004-3,1,speed,120.5,2025-09-07T14:03:21.000Z,GR86-004-3,3\n"
                        .utf8)
                var chunk: [UInt8] = []
                while chunk.count < 60_000 { chunk += line }
                let framed = Array((String(chunk.count, radix: 16) + "\r\n").utf8) + chunk + [13, 10]
                var sent = 0
                while sent < limit, LoopbackSocket.sendAll(fd, framed) { sent += chunk.count }
                return
            case .raw(let bytes):
                write(fd, bytes)
                return
            }
        }
    }

    private func write(_ fd: Int32, _ bytes: [UInt8]) { LoopbackSocket.sendAll(fd, bytes) }

    private func readRequest(_ fd: Int32, _ buffer: inout [UInt8]) -> Request? {
        let separator: [UInt8] = [13, 10, 13, 10]
        var headEnd: Int?
        while headEnd == nil {
            if buffer.first == 0x16 {  // a TLS ClientHello: answer as a plain HTTP server does
                write(fd, Array("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".utf8))
                return nil
            }
            if let range = buffer.firstRange(of: separator) {
                headEnd = range.lowerBound
                break
            }
            guard fill(fd, &buffer) else { return nil }
        }
        let lines = String(decoding: buffer[..<headEnd!], as: UTF8.self).components(separatedBy: "\r\n")
        buffer.removeFirst(headEnd! + 4)
        let parts = lines[0].split(separator: " ")
        guard parts.count >= 2 else { return nil }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces)
        }
        if headers["expect"]?.lowercased() == "100-continue" { write(fd, Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)) }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        while buffer.count < length { guard fill(fd, &buffer) else { return nil } }
        let body = Array(buffer[..<length])
        buffer.removeFirst(length)
        return Request(method: String(parts[0]), target: String(parts[1]), headers: headers, body: body)
    }

    private func fill(_ fd: Int32, _ buffer: inout [UInt8]) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = recv(fd, &chunk, chunk.count, 0)
        guard n > 0 else { return false }
        buffer += chunk[..<n]
        return true
    }
}

/// S3's error document.
public func s3ErrorXML(_ code: String, _ message: String = "", extra: String = "") -> [UInt8] {
    Array(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>\(code)</Code><Message>\(message)</Message>\(extra)<RequestId>REQ123</RequestId></Error>"
            .utf8)
}
