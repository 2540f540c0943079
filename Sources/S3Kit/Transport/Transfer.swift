import CCurl
import Foundation
import S3Wire

/// One request in flight: its C callbacks find it through an unretained pointer while `run` holds it.
final class Transfer: @unchecked Sendable {
    let request: HTTPRequest
    let streamBody: Bool
    let options: TransportOptions

    private let lock = NSLock()
    private var continuation: CheckedContinuation<HTTPResponse, any Error>?
    private var cancelled = false

    // Touched only by the transfer thread.
    private var status = 0
    private var headers = HeaderFields()
    private var collected: [UInt8] = []
    private var pending: [UInt8] = []
    private var stream: ResponseBodyStream?
    private var headDelivered = false
    private var localFailure: TransportError?
    private var bodyReader: BodyReader?
    private var lastProgressBytes: Int64 = -1
    private var lastProgressTime = Date()
    /// The low-speed window: when it started and the bytes moved by then.
    private var windowStart = Date()
    private var windowBytes: Int64 = 0
    /// Body bytes streamed so far, and what the answer's Content-Length announced.
    private var streamedBytes: UInt64 = 0
    private var announcedLength: UInt64?

    init(request: HTTPRequest, streamBody: Bool, options: TransportOptions) {
        self.request = request
        self.streamBody = streamBody
        self.options = options
    }

    func setContinuation(_ c: CheckedContinuation<HTTPResponse, any Error>) {
        lock.lock()
        continuation = c
        lock.unlock()
    }

    func cancel() {
        lock.lock()
        cancelled = true
        lock.unlock()
        stream?.cancel()
    }

    private var isCancelled: Bool {
        lock.lock()
        defer { lock.unlock() }
        return cancelled
    }

    /// The answer of a transfer run by its caller's own thread (`runHere`), which has no continuation.
    private var outcome: Result<HTTPResponse, any Error>?

    private func resume(_ result: Result<HTTPResponse, any Error>) {
        lock.lock()
        let c = continuation
        continuation = nil
        if c == nil { outcome = result }
        lock.unlock()
        c?.resume(with: result)
    }

    /// Ends a transfer that could not be run.
    func fail(_ error: TransportError) { resume(.failure(error)) }

    /// Runs the transfer on the calling thread and returns its answer (a collected body only).
    func runHere(on handle: UnsafeMutableRawPointer) throws -> HTTPResponse {
        precondition(!streamBody, "a streamed body needs a transfer thread")
        run(on: handle)
        lock.lock()
        defer { lock.unlock() }
        return try outcome!.get()
    }

    var endpoint: String {
        "\(request.target.scheme)://\(request.target.hostHeader)"
    }

    func run(on handle: UnsafeMutableRawPointer) {
        if isCancelled {
            resume(.failure(CancellationError()))
            return
        }
        var headerList: UnsafeMutablePointer<curl_slist>? = nil
        defer {
            curl_slist_free_all(headerList)
            bodyReader?.close()
            bodyReader = nil
        }
        for (name, value) in request.headers {
            headerList = curl_slist_append(headerList, value.isEmpty ? "\(name);" : "\(name): \(value)")
        }
        // curl adds these on its own; S3 must not see a form content type or an Accept it did not ask for.
        if request.headers["Content-Type"] == nil { headerList = curl_slist_append(headerList, "Content-Type:") }
        headerList = curl_slist_append(headerList, "Accept:")
        // Waiting for "100 Continue" saves sending a large body a server refuses; below 1 MiB it only
        // costs a round trip per request (curl 7.x asks from 1 KiB up; 8.x, like this, from 1 MiB).
        if request.body.length < TransportOptions.expectContinueThreshold {
            headerList = curl_slist_append(headerList, "Expect:")
        }

        let context = Unmanaged.passUnretained(self).toOpaque()
        ccurl_setopt_string(handle, CURLOPT_URL, request.target.urlString)
        ccurl_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList)
        ccurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        // Keys are sent as signed: curl must not fold "a/../b" into "b" (another object, and a broken signature).
        ccurl_setopt_long(handle, CURLOPT_PATH_AS_IS, 1)
        ccurl_setopt_long(handle, CURLOPT_TCP_NODELAY, 1)
        ccurl_setopt_long(handle, CURLOPT_TCP_KEEPALIVE, 1)
        ccurl_setopt_long(handle, CURLOPT_BUFFERSIZE, 512 * 1024)
        ccurl_setopt_long(handle, CURLOPT_UPLOAD_BUFFERSIZE, 2 * 1024 * 1024)
        ccurl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Int(options.connectTimeout * 1000))
        ccurl_setopt_long(handle, CURLOPT_EXPECT_100_TIMEOUT_MS, Int(options.expectContinueTimeout * 1000))
        ccurl_setopt_long(handle, CURLOPT_NOPROGRESS, 0)
        ccurl_setopt_progress(handle, progressCallback)
        ccurl_setopt_pointer(handle, CURLOPT_XFERINFODATA, context)
        ccurl_setopt_io(handle, CURLOPT_HEADERFUNCTION, headerCallback)
        ccurl_setopt_pointer(handle, CURLOPT_HEADERDATA, context)
        ccurl_setopt_io(handle, CURLOPT_WRITEFUNCTION, writeCallback)
        ccurl_setopt_pointer(handle, CURLOPT_WRITEDATA, context)

        let length = curl_off_t(request.body.length)
        // A small in-memory body is handed to curl whole: it goes out with the head in one send, where a
        // read callback's body follows in a second one (a second segment the server may wake up for).
        var inline: [UInt8]? = nil
        if case .bytes(let bytes) = request.body, !bytes.isEmpty, bytes.count <= TransportOptions.inlineBodyLimit {
            inline = bytes
        }
        switch request.method {
        case .get: ccurl_setopt_long(handle, CURLOPT_HTTPGET, 1)
        case .head: ccurl_setopt_long(handle, CURLOPT_NOBODY, 1)
        case .delete, .options: ccurl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, request.method.rawValue)
        case .put, .post:
            if let inline {
                // curl sends such a body as a POST's fields; the method is named explicitly.
                ccurl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, request.method.rawValue)
                ccurl_setopt_offset(handle, CURLOPT_POSTFIELDSIZE_LARGE, length)
                inline.withUnsafeBytes {
                    _ = ccurl_setopt_pointer(
                        handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: $0.baseAddress))
                }
            } else if request.method == .put {
                ccurl_setopt_long(handle, CURLOPT_UPLOAD, 1)
                ccurl_setopt_offset(handle, CURLOPT_INFILESIZE_LARGE, length)
            } else {
                ccurl_setopt_long(handle, CURLOPT_POST, 1)
                ccurl_setopt_offset(handle, CURLOPT_POSTFIELDSIZE_LARGE, length)
            }
        }
        if inline == nil && (request.method == .put || request.method == .post) {
            do {
                try openBody()
            } catch {
                resume(.failure(error))
                return
            }
            ccurl_setopt_io(handle, CURLOPT_READFUNCTION, readCallback)
            ccurl_setopt_pointer(handle, CURLOPT_READDATA, context)
            ccurl_setopt_seek(handle, seekCallback)
            ccurl_setopt_pointer(handle, CURLOPT_SEEKDATA, context)
        }

        lastProgressTime = Date()
        windowStart = lastProgressTime
        let code = curl_easy_perform(handle)
        finish(code: code)
    }

    private func finish(code: CURLcode) {
        let failure: (any Error)?
        if code == CURLE_OK {
            failure = nil
        } else if let localFailure {
            failure = localFailure
        } else if isCancelled || (stream?.isCancelled ?? false) {
            failure = CancellationError()
        } else {
            failure = Self.mapError(code, endpoint: endpoint)
        }
        if headDelivered {
            if failure == nil, !pending.isEmpty { _ = stream?.push(pending) }
            stream?.finish(throwing: failure)
        } else if let failure {
            resume(.failure(failure))
        } else {
            resume(
                .success(
                    HTTPResponse(head: ResponseHead(status: status, headers: headers), body: collected, stream: nil)
                ))
        }
    }

    static func mapError(_ code: CURLcode, endpoint: String) -> TransportError {
        let detail = "curl: \(String(cString: curl_easy_strerror(code)))"
        let kind: TransportError.Kind =
            switch code {
            case CURLE_COULDNT_CONNECT: .connectionRefused
            case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY: .dns
            case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE,
                CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH:
                .tls
            case CURLE_OPERATION_TIMEDOUT: .timeout
            case CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_WEIRD_SERVER_REPLY,
                CURLE_HTTP2, CURLE_HTTP2_STREAM:
                .connectionDropped
            default: .other
            }
        return TransportError(kind, endpoint: endpoint, detail: detail)
    }

    // MARK: callbacks (transfer thread)

    fileprivate func onHeaderLine(_ line: UnsafeBufferPointer<UInt8>) {
        var end = line.count
        while end > 0 && (line[end - 1] == 0x0A || line[end - 1] == 0x0D) { end -= 1 }
        let bytes = UnsafeBufferPointer(rebasing: line[0..<end])
        if bytes.starts(with: "HTTP/".utf8) {
            // A new status line (after `100 Continue`, say) starts a new set of headers.
            let parts = String(decoding: bytes, as: UTF8.self).splitting(" ", maxSplits: 2)
            status = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
            headers = HeaderFields()
        } else if let colon = bytes.firstIndex(of: UInt8(ascii: ":")) {
            let name = String(decoding: UnsafeBufferPointer(rebasing: bytes[..<colon]), as: UTF8.self)
            let value = String(decoding: UnsafeBufferPointer(rebasing: bytes[(colon + 1)...]), as: UTF8.self)
                .trimmingSpaces
            headers.add(name, value)
        }
    }

    fileprivate func onBody(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        if streamBody && (200..<300).contains(status) {
            if !headDelivered {
                // S3 announces every object body's length; without it an answer could go on for ever.
                guard let length = headers["Content-Length"].flatMap({ UInt64($0) }) else {
                    localFailure = TransportError(
                        .invalidResponse, endpoint: endpoint,
                        detail:
                            "a \(status) answer to \(request.method.rawValue) with no Content-Length, which S3 always sends"
                    )
                    return false
                }
                announcedLength = length
                headDelivered = true
                let stream = ResponseBodyStream(capacity: options.streamBufferBytes)
                self.stream = stream
                resume(
                    .success(
                        HTTPResponse(head: ResponseHead(status: status, headers: headers), body: [], stream: stream)
                    ))
            }
            streamedBytes += UInt64(bytes.count)
            if let announced = announcedLength, streamedBytes > announced {
                localFailure = TransportError(
                    .invalidResponse, endpoint: endpoint,
                    detail: "the body ran past the \(announced) bytes its Content-Length announced")
                return false
            }
            // Coalesce curl's writes into chunks of exactly `streamChunkBytes` (fewer, larger hand-offs;
            // no chunk reserves more than it holds, which for a reader keeping several parts is memory).
            var rest = UnsafeRawBufferPointer(bytes)
            while !rest.isEmpty {
                if pending.capacity == 0 { pending.reserveCapacity(options.streamChunkBytes) }
                let take = min(rest.count, options.streamChunkBytes - pending.count)
                pending.append(contentsOf: rest.prefix(take))
                rest = UnsafeRawBufferPointer(rebasing: rest.dropFirst(take))
                guard pending.count == options.streamChunkBytes else { break }
                let chunk = pending
                pending = []
                guard stream!.push(chunk) else { return false }
                // Time spent waiting for the consumer is not the server's slowness.
                lastProgressTime = Date()
                windowStart = lastProgressTime
                windowBytes = max(lastProgressBytes, 0)
            }
            return true
        }
        // A declared length over the limit is refused before a byte is kept.
        let limit = request.maxResponseBytes ?? options.maxCollectedBodyBytes
        let declared = collected.isEmpty ? headers["Content-Length"].flatMap { Int($0) } ?? 0 : 0
        if collected.count + bytes.count > limit || declared > limit {
            localFailure = TransportError(.responseTooLarge, endpoint: endpoint, detail: "body over \(limit) bytes")
            return false
        }
        collected.append(contentsOf: bytes)
        return true
    }

    fileprivate func onRead(_ buffer: UnsafeMutableRawBufferPointer) -> Int {
        guard let bodyReader else { return 0 }
        do {
            return try bodyReader.read(into: buffer)
        } catch {
            localFailure = located(error)
            return -1
        }
    }

    /// curl sends a body again from its start when a reused connection turns out closed, or a server
    /// answers before taking the whole body: a fresh reader starts over (and an aws-chunked body's
    /// signatures chain from the seed again, as the request is the same).
    fileprivate func onRewind() -> Bool {
        do {
            try openBody()
            return true
        } catch {
            localFailure = error
            return false
        }
    }

    /// Opens the request's body from its first byte, closing a reader already open.
    private func openBody() throws(TransportError) {
        bodyReader?.close()
        bodyReader = nil
        do { bodyReader = try BodyReader(request.body) } catch { throw located(error) }
    }

    /// A body's error (a body knows no endpoint) as this transfer reports it.
    private func located(_ error: TransportError) -> TransportError {
        TransportError(error.kind, endpoint: endpoint, detail: error.detail)
    }

    /// Aborts a cancelled transfer, and one that has moved no byte for `idleTimeout`.
    fileprivate func onProgress(downloaded: Int64, uploaded: Int64) -> Bool {
        if isCancelled { return false }
        let now = Date()
        let moved = downloaded + uploaded
        if moved != lastProgressBytes {
            lastProgressBytes = moved
            lastProgressTime = now
        } else if now.timeIntervalSince(lastProgressTime) > options.idleTimeout {
            localFailure = TransportError(
                .timeout, endpoint: endpoint,
                detail: "no data moved for \(Int(options.idleTimeout)) s")
            return false
        }
        if options.lowSpeedLimit > 0, now.timeIntervalSince(windowStart) >= options.lowSpeedTime {
            let rate = Double(moved - windowBytes) / now.timeIntervalSince(windowStart)
            if rate < Double(options.lowSpeedLimit) {
                localFailure = TransportError(
                    .timeout, endpoint: endpoint,
                    detail: String(
                        format:
                            "%.0f bytes a second for %.0f s, under the %d B/s floor (S3_LOW_SPEED_LIMIT, S3_LOW_SPEED_TIME)",
                        rate, now.timeIntervalSince(windowStart), options.lowSpeedLimit))
                return false
            }
            windowStart = now
            windowBytes = moved
        }
        return true
    }
}

private func transfer(_ context: UnsafeMutableRawPointer?) -> Transfer {
    Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
}

private let headerCallback: ccurl_io_callback = { buffer, size, count, context in
    let n = size * count
    transfer(context).onHeaderLine(
        UnsafeBufferPointer(start: UnsafeRawPointer(buffer)?.assumingMemoryBound(to: UInt8.self), count: n))
    return n
}

private let writeCallback: ccurl_io_callback = { buffer, size, count, context in
    let n = size * count
    let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(buffer)?.assumingMemoryBound(to: UInt8.self), count: n)
    return transfer(context).onBody(bytes) ? n : ccurl_writefunc_error()
}

private let readCallback: ccurl_io_callback = { buffer, size, count, context in
    let n = transfer(context).onRead(UnsafeMutableRawBufferPointer(start: buffer, count: size * count))
    return n < 0 ? ccurl_readfunc_abort() : n
}

private let seekCallback: ccurl_seek_callback = { context, offset, origin in
    // Only rewinds to the start are asked for (curl seeks elsewhere only to resume uploads, never used here).
    guard offset == 0, origin == SEEK_SET else { return ccurl_seekfunc_cantseek() }
    return transfer(context).onRewind() ? ccurl_seekfunc_ok() : ccurl_seekfunc_cantseek()
}

private let progressCallback: ccurl_progress_callback = { context, _, downloaded, _, uploaded in
    transfer(context).onProgress(downloaded: Int64(downloaded), uploaded: Int64(uploaded)) ? 0 : 1
}
