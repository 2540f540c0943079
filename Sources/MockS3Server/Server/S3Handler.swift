import Foundation
import NIOCore
import NIOHTTP1
import S3Wire

/// One HTTP connection: each request is authenticated from its head, its body verified and stored
/// as it arrives, then answered. Errors are S3's XML; a request whose body is refused unread closes
/// the connection after the answer (the client may still be sending).
final class S3Handler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let server: ServerContext

    enum State {
        case idle
        case receiving(S3Exchange)
        /// A request to the control API (`/_mock/`), its body so far.
        case control(HTTPRequestHead, [UInt8])
        /// The answer is sent; the rest of this request's body is ignored and the connection closed.
        case discarding
    }

    var state = State.idle
    /// Whether the client keeps the connection after this request (HTTP/1.1 unless it says `close`,
    /// HTTP/1.0 only when it asks for `keep-alive`), and whether it must be told so (HTTP/1.0).
    var keepAlive = true
    /// What the bucket's CORS rules add to this request's answer, whatever it is (errors too).
    var corsHeaders: [(String, String)] = []
    var announceKeepAlive = false
    /// The `Date` header changes once a second; formatting it per response showed in profiles.
    var date: (second: Int, text: String) = (-1, "")

    init(server: ServerContext) { self.server = server }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): begin(context: context, head: head)
        case .body(let buffer): receive(context: context, buffer)
        case .end: end(context: context)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        abandon()
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        abandon()
        context.fireChannelInactive()
    }

    func abandon() {
        if case .receiving(let exchange) = state { exchange.writer?.abandon() }
        state = .idle
    }

    // MARK: request head

    private func begin(context: ChannelHandlerContext, head: HTTPRequestHead) {
        let requestId = Self.requestId()
        corsHeaders = []
        keepAlive = head.isKeepAlive
        announceKeepAlive = head.isKeepAlive && head.version == .http1_0
        if ControlAPI.isControlPath(head.uri) {
            state = .control(head, [])
            return
        }
        var request: IncomingRequest
        do {
            request = try IncomingRequest(head)
        } catch {
            fail(
                context: context, error, method: head.method.rawValue, bucket: nil, key: nil, operation: "Unknown",
                principal: .anonymous, requestId: requestId, isHead: head.method == .HEAD,
                bodyPending: Self.hasBody(head))
            return
        }
        corsHeaders = head.headers.contains(name: "origin") ? server.semantics.corsHeaders(request) : []
        let operation = Router.classify(request)
        request.receivedAt = server.now()
        request.operation = operation
        let (verdict, fault) = server.policy.decide(request, operation: operation, now: request.receivedAt)
        let admission: RequestPolicy.Admission
        switch verdict {
        case .admit(let admitted): admission = admitted
        case .refuse(let error, let principal):
            fail(
                context: context, error, method: request.method, bucket: request.bucket, key: request.key,
                operation: operation.rawValue, principal: principal, requestId: requestId,
                isHead: request.method == "HEAD", bodyPending: Self.hasBody(head), fault: Self.faultName(fault))
            return
        }
        request.requester = admission.requester
        request.remoteAddress = context.remoteAddress?.ipAddress
        do {
            let exchange = S3Exchange(
                request: request, operation: operation, admission: admission, requestId: requestId, fault: fault)
            try server.semantics.authorize(operation, request)
            try prepareBody(exchange, head: head, check: admission.payload)
            state = .receiving(exchange)
            if head.headers.first(name: "expect")?.lowercased() == "100-continue" {
                context.writeAndFlush(
                    wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .continue))), promise: nil)
            }
        } catch let error as S3ServerError {
            fail(
                context: context, error, method: request.method, bucket: request.bucket, key: request.key,
                operation: operation.rawValue, principal: admission.principal, requestId: requestId,
                isHead: request.method == "HEAD", bodyPending: Self.hasBody(head), fault: Self.faultName(fault))
        } catch {
            context.close(promise: nil)
        }
    }

    private static func hasBody(_ head: HTTPRequestHead) -> Bool {
        if let length = head.headers.first(name: "content-length") { return length != "0" }
        return head.headers.first(name: "transfer-encoding") != nil
    }

    private func prepareBody(_ exchange: S3Exchange, head: HTTPRequestHead, check: PayloadCheck) throws {
        let headers = head.headers
        let contentLength = headers.first(name: "content-length").flatMap { UInt64($0) }
        if headers.first(name: "content-length") != nil && contentLength == nil {
            throw S3ServerError.invalidArgument("Content-Length is not a number", name: "Content-Length")
        }
        let chunkedTE = headers.first(name: "transfer-encoding")?.lowercased().contains("chunked") == true
        let decoded = headers.first(name: "x-amz-decoded-content-length").flatMap { UInt64($0) }
        exchange.expectedLength = contentLength
        if exchange.operation.streamsBodyToStorage {
            guard contentLength != nil || chunkedTE else { throw S3ServerError.missingContentLength }
            if (decoded ?? contentLength ?? 0) > server.maxObjectSize { throw S3ServerError.entityTooLarge }
            let writer = try server.semantics.makeBodyWriter(expectedSize: decoded ?? contentLength)
            exchange.writer = writer
            exchange.verifier = try BodyVerifier(check: check, headers: headers) { buffer throws(S3ServerError) in
                try writer.write(buffer)
            }
        } else {
            // Most requests (GET, HEAD, listings) carry no body and nothing to check against one:
            // they need no verifier (nor the MD5 context it would set up).
            if (contentLength ?? 0) == 0 && !chunkedTE, try Self.nothingToVerify(headers, check) { return }
            let limit = exchange.operation.smallBodyLimit
            let tooLarge = exchange.operation.tooLargeBody
            if (contentLength ?? 0) > UInt64(limit) { throw tooLarge }
            exchange.verifier = try BodyVerifier(
                check: check, headers: headers, checksumHeaders: exchange.operation != .completeMultipartUpload
            ) {
                [unowned exchange] buffer throws(S3ServerError) in
                guard exchange.small.count + buffer.readableBytes <= limit else { throw tooLarge }
                exchange.small.append(contentsOf: buffer.readableBytesView)
            }
        }
    }

    /// An empty body whose only claim, if any, is the SHA-256 of nothing.
    private static func nothingToVerify(_ headers: HTTPHeaders, _ check: PayloadCheck) throws(S3ServerError)
        -> Bool
    {
        switch check {
        case .none: break
        case .sha256(let claimed): if claimed != SigV4Signer.emptyPayloadSHA256 { throw .contentSHA256Mismatch }
        default: return false
        }
        return
            !(headers.contains(name: "content-md5") || headers.contains(name: "x-amz-trailer")
            || headers.hasChecksumHeader)
    }

    // MARK: body

    private func receive(context: ChannelHandlerContext, _ buffer: ByteBuffer) {
        if case .control(let head, var body) = state {
            // A fault plan is a few hundred bytes; anything past 1 MiB is not one.
            if body.count + buffer.readableBytes <= 1 << 20 { body += buffer.readableBytesView }
            state = .control(head, body)
            return
        }
        guard case .receiving(let exchange) = state else { return }
        exchange.received += UInt64(buffer.readableBytes)
        if exchange.dropMidBody, exchange.operation.streamsBodyToStorage,
            exchange.received * 2 >= (exchange.expectedLength ?? 0)
        {
            record(exchange, status: 0, error: nil, fault: "dropMidBody")
            abandon()
            context.close(promise: nil)
            return
        }
        do {
            try exchange.verifier?.feed(buffer)
        } catch {
            exchange.writer?.abandon()
            exchange.writer = nil
            fail(context: context, error, exchange: exchange, bodyPending: true)
        }
    }

    private func end(context: ChannelHandlerContext) {
        switch state {
        case .idle: return
        case .discarding:
            state = .idle
            return
        case .control(let head, let body):
            state = .idle
            let answer = ControlAPI(server: server.state).handle(
                method: head.method.rawValue, uri: head.uri,
                headers: head.headers.map { ($0.name, $0.value) }, body: body)
            var response = S3Response(
                status: answer.status, headers: answer.body.isEmpty ? [] : [("Content-Type", "application/json")])
            response.body = answer.body.isEmpty ? .empty : .bytes(ByteBuffer(bytes: answer.body))
            write(
                context: context, response, requestId: Self.requestId(), isHead: head.method == .HEAD, close: false,
                dropMidBody: false)
            return
        case .receiving(let exchange):
            state = .idle
            do {
                let body: ReceivedBody
                let result = try exchange.verifier?.finish()
                if let writer = exchange.writer, let result {
                    body = .stored(try writer.finish(), result)
                } else if let result {
                    body = .small(exchange.small, result)
                } else {
                    body = .none
                }
                let response = try server.semantics.execute(
                    exchange.operation, exchange.request, caller: exchange.caller, body: body)
                send(context: context, response, exchange: exchange)
            } catch {
                exchange.writer?.abandon()
                fail(context: context, server.policy.visible(error), exchange: exchange, bodyPending: false)
            }
        }
    }
}
