import ArgumentParser
import Foundation
import RaceData
import S3Kit
import S3Wire

/// S3 requests per load of every table: the loader with its listing warm, and the original
/// service's way (a GET per candidate name until one answers).
struct Requests: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "S3 requests per load, ours and the original's.")
    @Argument var endpoint: String
    @Argument var bucket: String
    @Argument var prefix: String

    func run() async throws {
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
            for kind in kinds
            where try await listed.load(track: track, session: session, kind: kind, filter: .all) != nil {
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
