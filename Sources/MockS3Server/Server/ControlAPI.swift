import Foundation
import S3Wire

/// The mock's control plane, over HTTP at `/_mock/…`: no S3 request can reach it, since a bucket
/// name starts with a letter or a digit. moto's `/moto-api/` is the model. The same controls are
/// Swift API on `MockS3Server` (`reset()`, `journal`, `setFaults`, `counters`), over one `MockState`.
///
///     POST   /_mock/reset              every bucket and object gone, the configured buckets made again,
///                                      the journal cleared, faults off
///     GET    /_mock/journal            the requests, oldest first; ?operation=GetObject&key=K&status=503&bucket=B
///     DELETE /_mock/journal            clears it
///     GET    /_mock/faults             the fault plan;  PUT with a plan (and "seed") sets it;  DELETE: none
///     GET    /_mock/counters           requests by operation and status; buckets, objects, bytes, uploads
struct ControlAPI: Sendable {
    let server: MockState

    struct Answer {
        var status: Int
        var body: Data
    }

    /// Asked of every request: bytes, not Characters.
    static func isControlPath(_ uri: String) -> Bool {
        let bytes = uri.utf8
        guard bytes.starts(with: "/_mock".utf8) else { return false }
        let next = bytes.dropFirst(6).first
        return next == nil || next == UInt8(ascii: "/") || next == UInt8(ascii: "?")
    }

    func handle(method: String, uri: String, headers: [(String, String)], body: [UInt8]) -> Answer {
        switch server.configuration.control {
        case .off:
            return error(
                403, "The control API is off. Start mock-s3 with --admin (anyone on the port) or --admin-token TOKEN.")
        case .open:
            break
        case .token(let token):
            let given =
                headers.first { $0.0.lowercased() == "x-mock-token" }?.1
                ?? headers.first { $0.0.lowercased() == "authorization" }?.1.afterPrefix("Bearer ").map(String.init)
            guard given == token else {
                return error(
                    401, "The control API needs the token given to --admin-token (Authorization: Bearer TOKEN).")
            }
        }
        let parts = uri.split(separator: "?", maxSplits: 1)
        let path = String(parts[0])
        let query = Dictionary(
            (parts.count > 1 ? parts[1] : "").split(separator: "&").compactMap { pair -> (String, String)? in
                let kv = pair.split(separator: "=", maxSplits: 1).map { URIEncoding.decode(String($0)) ?? String($0) }
                return kv.isEmpty ? nil : (kv[0], kv.count > 1 ? kv[1] : "")
            }, uniquingKeysWith: { $1 })
        switch (method, path) {
        case ("POST", "/_mock/reset"):
            do { try server.reset() } catch { return self.error(500, "reset failed: \(error)") }
            return json(["reset": true])
        case ("GET", "/_mock/journal"):
            let entries = server.journal.entries.filter { entry in
                (query["operation"].map { $0 == entry.operation } ?? true)
                    && (query["key"].map { $0 == entry.key } ?? true)
                    && (query["bucket"].map { $0 == entry.bucket } ?? true)
                    && (query["status"].map { $0 == String(entry.status) } ?? true)
            }
            return json(entries.map(Self.describe))
        case ("DELETE", "/_mock/journal"):
            server.journal.clear()
            return Answer(status: 204, body: Data())
        case ("GET", "/_mock/faults"):
            return encode(server.faultPlan)
        case ("PUT", "/_mock/faults"), ("POST", "/_mock/faults"):
            struct Seeded: Decodable { var seed: UInt64? }
            do {
                let plan = try JSONDecoder().decode(FaultPlan.self, from: Data(body))
                server.setFaults(plan, seed: try JSONDecoder().decode(Seeded.self, from: Data(body)).seed)
                return encode(plan)
            } catch {
                return self.error(
                    400,
                    "The body is not a fault plan: \(error). Example: {\"slowDownRate\": {\"GetObject\": 0.5}, \"seed\": 7}"
                )
            }
        case ("DELETE", "/_mock/faults"):
            server.setFaults(FaultPlan())
            return Answer(status: 204, body: Data())
        case ("GET", "/_mock/counters"):
            return json(server.counters.dictionary)
        default:
            return error(
                404,
                "No control \(method) \(path). See GET /_mock/journal, /_mock/faults, /_mock/counters; POST /_mock/reset."
            )
        }
    }

    static func describe(_ entry: JournalEntry) -> [String: Any] {
        var out: [String: Any] = [
            "time": UTCDate(entry.time).iso8601, "method": entry.method, "operation": entry.operation,
            "status": entry.status, "principal": entry.principal.description,
        ]
        out["bucket"] = entry.bucket
        out["key"] = entry.key
        out["errorCode"] = entry.errorCode
        out["fault"] = entry.fault
        return out
    }

    func json(_ value: Any) -> Answer {
        Answer(
            status: 200,
            body: (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]))
                ?? Data())
    }

    func encode(_ plan: FaultPlan) -> Answer {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Answer(status: 200, body: (try? encoder.encode(plan)) ?? Data())
    }

    func error(_ status: Int, _ message: String) -> Answer {
        var answer = json(["error": message])
        answer.status = status
        return answer
    }
}

/// What the server has answered, for `/_mock/counters` and in-process tests.
public struct MockCounters: Sendable {
    public var requests: Int
    public var byOperation: [String: Int]
    public var byStatus: [Int: Int]
    public var buckets: Int
    public var objects: Int
    public var bytes: UInt64
    public var uploads: Int

    var dictionary: [String: Any] {
        [
            "requests": requests, "byOperation": byOperation,
            "byStatus": Dictionary(uniqueKeysWithValues: byStatus.map { (String($0.key), $0.value) }),
            "buckets": buckets, "objects": objects, "bytes": bytes, "uploads": uploads,
        ]
    }
}

/// Who may use the control API.
public enum ControlAccess: Sendable, Equatable {
    /// Off: a mock left listening hands out no state (the default).
    case off
    /// Anyone who can reach the port (`mock-s3 --admin`).
    case open
    /// Requests carrying `Authorization: Bearer TOKEN` or `X-Mock-Token: TOKEN` (`--admin-token`).
    case token(String)
}
