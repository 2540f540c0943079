import Foundation
import NIOCore
import NIOHTTP1

/// One connection: each request routed (no route reads a body), answered with its headers, logged.
final class APIHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    let router: APIRouter
    private var head: HTTPRequestHead?

    init(router: APIRouter) { self.router = router }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): self.head = head
        case .body: break  // no route reads a body
        case .end:
            guard let head else { return }
            self.head = nil
            let router = self.router
            let channel = context.channel
            let started = Date()
            Task {
                let answer = await router.respond(method: head.method, uri: head.uri, headers: head.headers)
                channel.write(
                    HTTPServerResponsePart.head(
                        HTTPResponseHead(version: head.version, status: answer.status, headers: answer.headers)),
                    promise: nil)
                if !answer.body.isEmpty {
                    channel.write(
                        HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(bytes: answer.body))), promise: nil)
                }
                channel.writeAndFlush(HTTPServerResponsePart.end(nil), promise: nil)
                router.logger.info(
                    "request",
                    metadata: [
                        "method": .string(head.method.rawValue), "path": .string(head.uri),
                        "status": .stringConvertible(answer.status.code),
                        "ms": .stringConvertible(Int(Date().timeIntervalSince(started) * 1000)),
                    ])
            }
        }
    }
}
