import Foundation
import NIOHTTP1

/// One endpoint: its path, what it answers, and how. The table below is the API: the router
/// matches it and /openapi.json describes it, so the two cannot disagree.
struct Route: Sendable {
    enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(String)
    }

    var method: HTTPMethod = .GET
    var path: [Segment]
    var summary: String
    /// The answer's schema in /openapi.json (a name under components/schemas), nil for 501 routes.
    var schema: String?
    /// Throws `Analytics.Failure`.
    var handler: @Sendable (Analytics, [String: String]) async throws -> Response

    /// `/api/analytics/track/{track_name}/sessions` and the like.
    init(
        _ template: String, _ summary: String, schema: String?, method: HTTPMethod = .GET,
        _ handler: @escaping @Sendable (Analytics, [String: String]) async throws -> Response
    ) {
        self.method = method
        path = template.split(separator: "/").map { part in
            part.hasPrefix("{") ? .parameter(String(part.dropFirst().dropLast())) : .literal(String(part))
        }
        self.summary = summary
        self.schema = schema
        self.handler = handler
    }

    var template: String {
        "/"
            + path.map { segment in
                switch segment {
                case .literal(let s): s
                case .parameter(let p): "{\(p)}"
                }
            }.joined(separator: "/")
    }

    /// The path's parameters, when `segments` is this route's path.
    func match(_ segments: [String]) -> [String: String]? {
        guard segments.count == path.count else { return nil }
        var parameters: [String: String] = [:]
        for (segment, value) in zip(path, segments) {
            switch segment {
            case .literal(let s): guard s == value else { return nil }
            case .parameter(let p): parameters[p] = value
            }
        }
        return parameters
    }
}

extension Route {
    static let session = "/track/{track_name}/session/{session}"
    static let driver = session + "/driver/{driver_id}"

    /// The app's application logic (vehicle specifications, cornering models, strategy), not data:
    /// answered 501 with a detail that says so.
    static func notData(_ template: String, _ what: String, method: HTTPMethod = .GET) -> Route {
        Route(
            template, "\(what): application logic of the original backend, not served here (501)", schema: nil,
            method: method
        ) { _, _ in
            Response.detail(
                .notImplemented,
                "\(what) is application logic of the original backend (vehicle specifications and models), not data: race-api serves the data endpoints only."
            )
        }
    }

    /// The API. /openapi.json is made from this list.
    static let table: [Route] = [
        Route("/", "What this service is", schema: "Root") { _, _ in
            Response.json([
                "message": "GR Cup Racing Intelligence API (race-api)", "version": "1.0.0", "docs": "/openapi.json",
            ])
        },
        Route("/health", "Whether the data source answers (503 with the reason when it does not)", schema: "Health") {
            analytics, _ in
            do {
                _ = try await analytics.tracks()
                return Response.json(["status": "healthy"])
            } catch {
                return Response.json(["status": "unhealthy", "detail": "\(error)"], .serviceUnavailable)
            }
        },
        Route("/openapi.json", "This API, described (OpenAPI 3.1)", schema: nil) { _, _ in
            Response(status: .ok, body: OpenAPI.document)
        },
        Route("/api/analytics/tracks", "The tracks: the first-level folders of the data", schema: "StringList") {
            analytics, _ in
            Response.json(try await analytics.tracks())
        },
        Route("/api/analytics/track/{track_name}/sessions", "A track's sessions in natural order", schema: "StringList")
        { analytics, p in
            Response.json(try await analytics.sessions(track: p["track_name"]!).map(\.token))
        },
        Route("/api/analytics" + session + "/drivers", "The vehicles with a valid lap, sorted", schema: "StringList") {
            analytics, p in
            Response.json(try await analytics.drivers(track: p["track_name"]!, session: p["session"]!))
        },
        Route("/api/analytics" + session + "/best-lap", "The session's fastest valid lap (seconds)", schema: "BestLap")
        { analytics, p in
            Response.json(try await analytics.bestLap(track: p["track_name"]!, session: p["session"]!))
        },
        Route(
            "/api/analytics" + driver + "/performance", "A driver's valid laps (seconds), best, mean, spread",
            schema: "Performance"
        ) { analytics, p in
            Response.json(
                try await analytics.performance(
                    track: p["track_name"]!, session: p["session"]!, driver: p["driver_id"]!))
        },
        Route(
            "/api/strategy" + driver + "/consistency", "A driver's laps within 0.5 s of the best", schema: "Consistency"
        ) { analytics, p in
            Response.json(
                try await analytics.consistency(
                    track: p["track_name"]!, session: p["session"]!, driver: p["driver_id"]!))
        },
        Route(
            "/api/telemetry" + driver + "/lap/{lap_number}", "One lap's speed, throttle and sample count",
            schema: "LapTelemetry"
        ) { analytics, p in
            guard let lap = Int(p["lap_number"]!) else {
                return Response.detail(
                    .unprocessableEntity, "lap_number must be an integer, not \"\(p["lap_number"]!)\".")
            }
            return Response.json(
                try await analytics.lapTelemetry(
                    track: p["track_name"]!, session: p["session"]!, driver: p["driver_id"]!, lap: lap))
        },
        Route(
            "/api/telemetry" + driver + "/speed-analysis", "A driver's speed range and mean acceleration",
            schema: "SpeedAnalysis"
        ) { analytics, p in
            Response.json(
                try await analytics.speedAnalysis(
                    track: p["track_name"]!, session: p["session"]!, driver: p["driver_id"]!))
        },
        Route("/api/telemetry" + driver + "/braking-analysis", "A driver's brake pressures", schema: "BrakingAnalysis")
        { analytics, p in
            Response.json(
                try await analytics.brakingAnalysis(
                    track: p["track_name"]!, session: p["session"]!, driver: p["driver_id"]!))
        },
        notData("/api/analytics" + driver + "/detailed-performance", "Detailed performance"),
        notData("/api/analytics" + driver + "/speed-analysis", "Speed analysis with vehicle specifications"),
        notData("/api/analytics" + driver + "/braking-analysis", "Braking analysis with brake specifications"),
        notData("/api/analytics" + driver + "/amicos-analysis", "AMICOS cornering analysis"),
        notData("/api/analytics" + session + "/sector-analysis", "Sector analysis"),
        notData("/api/strategy" + driver + "/tire-degradation", "Tire degradation prediction"),
        notData("/api/strategy" + driver + "/pit-strategy", "Pit strategy", method: .POST),
    ]
}

extension Analytics.Failure: CustomStringConvertible {
    public var description: String {
        switch self {
        case .notFound(let m), .badRequest(let m), .unavailable(let m): m
        }
    }
}
