import Foundation
import NIOCore
import NIOHTTP1
import S3Wire

/// Answers: S3's errors as XML, responses with their headers, bodies from memory or files, and
/// each recorded in the journal.
extension S3Handler {
    func fail(context: ChannelHandlerContext, _ error: S3ServerError, exchange: S3Exchange, bodyPending: Bool) {
        fail(
            context: context, error, method: exchange.request.method, bucket: exchange.request.bucket,
            key: exchange.request.key,
            operation: exchange.operation.rawValue, principal: exchange.principal, requestId: exchange.requestId,
            isHead: exchange.request.method == "HEAD", bodyPending: bodyPending, fault: Self.faultName(exchange.fault))
    }

    func fail(
        context: ChannelHandlerContext, _ error: S3ServerError, method: String, bucket: String?, key: String?,
        operation: String, principal: Principal, requestId: String, isHead: Bool, bodyPending: Bool,
        fault: String? = nil
    ) {
        var response = S3Response(status: error.status, headers: error.headers)
        if !isHead && error.status != 304 {
            let resource = "/" + [bucket, key].compactMap { $0 }.joined(separator: "/")
            response = .xml(error.xml(resource: resource, requestId: requestId), status: error.status)
            response.headers += error.headers
        }
        state = bodyPending ? .discarding : .idle
        server.journal.record(
            JournalEntry(
                time: server.now(), method: method, bucket: bucket, key: key, operation: operation,
                status: error.status, errorCode: error.code, principal: principal, fault: fault))
        write(context: context, response, requestId: requestId, isHead: isHead, close: bodyPending, dropMidBody: false)
    }

    func send(context: ChannelHandlerContext, _ response: S3Response, exchange: S3Exchange) {
        record(exchange, status: response.status, error: nil, fault: Self.faultName(exchange.fault))
        let drop = exchange.dropMidBody && !exchange.operation.streamsBodyToStorage
        let delay = server.policy.latency()
        let isHead = exchange.request.method == "HEAD"
        if delay > 0 {
            let loopBound = NIOLoopBound((self, context, response), eventLoop: context.eventLoop)
            let requestId = exchange.requestId
            context.eventLoop.scheduleTask(in: .nanoseconds(Int64(delay * 1e9))) {
                let (handler, context, response) = loopBound.value
                handler.write(
                    context: context, response, requestId: requestId, isHead: isHead, close: false, dropMidBody: drop)
            }
        } else {
            write(
                context: context, response, requestId: exchange.requestId, isHead: isHead, close: false,
                dropMidBody: drop)
        }
    }

    func record(_ exchange: S3Exchange, status: Int, error: String?, fault: String?) {
        server.journal.record(
            JournalEntry(
                time: server.now(), method: exchange.request.method, bucket: exchange.request.bucket,
                key: exchange.request.key, operation: exchange.operation.rawValue, status: status,
                errorCode: error, principal: exchange.principal, fault: fault))
    }

    static func faultName(_ fault: FaultInjector.Decision) -> String? {
        switch fault {
        case .none: nil
        case .slowDown: "slowDown"
        case .internalError: "internalError"
        case .dropMidBody: "dropMidBody"
        }
    }

    func write(
        context: ChannelHandlerContext, _ response: S3Response, requestId: String, isHead: Bool,
        close: Bool, dropMidBody: Bool
    ) {
        var headers = HTTPHeaders()
        headers.reserveCapacity(7 + response.headers.count)
        headers.add(name: "x-amz-request-id", value: requestId)
        headers.add(name: "x-amz-id-2", value: requestId)
        let now = server.now()
        let second = Int(now.timeIntervalSince1970)
        if second != date.second { date = (second, UTCDate(now).httpDate) }
        headers.add(name: "Date", value: date.text)
        headers.add(name: "Server", value: "AmazonS3")
        for (name, value) in response.headers { headers.add(name: name, value: value) }
        for (name, value) in corsHeaders { headers.add(name: name, value: value) }
        let length: UInt64 =
            switch response.body {
            case .empty: 0
            case .bytes(let b): UInt64(b.readableBytes)
            case .blob(_, let range): UInt64(range.count)
            }
        if response.status != 304 && response.status != 204 {
            headers.add(name: "Content-Length", value: String(length))
        }
        let close = close || !keepAlive
        if close {
            headers.add(name: "Connection", value: "close")
        } else if announceKeepAlive {
            headers.add(name: "Connection", value: "keep-alive")
        }
        let status = HTTPResponseStatus(statusCode: response.status)
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        if !isHead {
            switch response.body {
            case .empty: break
            case .bytes(let buffer):
                context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
            case .blob(let blob, let range):
                let sent = dropMidBody ? range.lowerBound..<(range.lowerBound + UInt64(range.count) / 2) : range
                writeBlob(context: context, blob, sent)
                if dropMidBody {
                    context.flush()
                    context.close(promise: nil)
                    return
                }
            }
        }
        if close {
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
        } else {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }

    /// Memory slices go out as they are (no copy); file slices as file regions (sendfile).
    func writeBlob(context: ChannelHandlerContext, _ blob: Blob, _ range: Range<UInt64>) {
        guard !range.isEmpty else { return }
        for slice in blob.slices(range) {
            switch slice {
            case .memory(let buffer):
                context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
            case .file(let path, let fileRange):
                guard let handle = try? NIOFileHandle(_deprecatedPath: path) else {
                    context.close(promise: nil)
                    return
                }
                let region = FileRegion(
                    fileHandle: handle, readerIndex: Int(fileRange.lowerBound), endIndex: Int(fileRange.upperBound))
                let promise = context.eventLoop.makePromise(of: Void.self)
                promise.futureResult.whenComplete { _ in try? handle.close() }
                context.write(wrapOutboundOut(.body(.fileRegion(region))), promise: promise)
            }
        }
    }

    /// Unique per request: a random per-process base plus a counter (no syscall per request).
    private static let requestIds = RequestIdSource()
    static func requestId() -> String { requestIds.next() }
}
