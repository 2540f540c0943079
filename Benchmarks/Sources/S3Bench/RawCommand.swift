import ArgumentParser
import Foundation
import RaceDataTesting

/// A load generator without libcurl (for HEAD, which wrk and h2load cannot do): each connection a
/// thread sending the same request over one HTTP/1.1 keep-alive socket, blocking; a presigned URL
/// carries the signature. Prints "<method> <connections> <requests/s> <statuses>".
struct Raw: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Requests per second over plain sockets.")
    @Argument var method: String
    @Argument var url: String
    @Argument var connections: Int
    @Argument var seconds: Double
    @Argument var bodyBytes = 0

    func run() throws {
        guard let url = URL(string: url), let host = url.host, let port = url.port else {
            fail("\(self.url) is not a URL with a host and a port")
        }
        let (method, connections, seconds, bodySize) = (method, connections, seconds, bodyBytes)
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
                guard
                    request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) })
                        == request.count
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
                    let got = buffer.withUnsafeMutableBytes {
                        recv(fd, $0.baseAddress!, min($0.count, length - body), 0)
                    }
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
    }
}
