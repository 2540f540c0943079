import Foundation
import NIOHTTP1

/// An answer before it is written.
struct Response: Sendable {
    var status: HTTPResponseStatus
    var body: Data

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static func json(_ value: some Encodable, _ status: HTTPResponseStatus = .ok) -> Response {
        Response(status: status, body: (try? encoder.encode(value)) ?? Data("{}".utf8))
    }

    /// Errors as FastAPI writes them: `{"detail": "..."}`.
    static func detail(_ status: HTTPResponseStatus, _ message: String) -> Response {
        json(["detail": message], status)
    }
}
