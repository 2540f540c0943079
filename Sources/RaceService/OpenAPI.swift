import Foundation

/// /openapi.json, made from `Route.table` (so every route is described, and nothing else), with
/// the answers' schemas written out here beside the types they describe.
enum OpenAPI {
    static let document: Data = {
        var paths: [String: Any] = [:]
        for route in Route.table {
            let parameters: [[String: Any]] = route.path.compactMap { segment in
                guard case .parameter(let name) = segment else { return nil }
                return [
                    "name": name, "in": "path", "required": true,
                    "schema": ["type": name == "lap_number" ? "integer" : "string"],
                ]
            }
            var responses: [String: Any] = [:]
            if let schema = route.schema {
                responses["200"] = [
                    "description": "OK",
                    "content": ["application/json": ["schema": ["$ref": "#/components/schemas/\(schema)"]]],
                ]
                if !parameters.isEmpty {
                    responses["400"] = error("A track or session argument that is not acceptable")
                    responses["404"] = error("No such track, session, driver, lap or table")
                }
                if route.template.hasPrefix("/api/") {
                    responses["503"] = error("The data source failed; the detail says what to fix")
                }
                if route.template.hasSuffix("{lap_number}") { responses["422"] = error("lap_number is not an integer") }
            } else if route.template == "/openapi.json" {
                responses["200"] = [
                    "description": "This document", "content": ["application/json": ["schema": ["type": "object"]]],
                ]
            } else {
                responses["501"] = error("Not served: application logic of the original backend")
            }
            var operation: [String: Any] = [
                "summary": route.summary, "responses": responses,
                "operationId": operationId(route),
            ]
            if !parameters.isEmpty { operation["parameters"] = parameters }
            var item = paths[route.template] as? [String: Any] ?? [:]
            item[route.method.rawValue.lowercased()] = operation
            paths[route.template] = item
        }
        let object: [String: Any] = [
            "openapi": "3.1.0",
            "info": [
                "title": "GR Cup Racing Intelligence API (race-api)", "version": "1.0.0",
                "description": "The app's data endpoints, served from the RaceData loader. Times are seconds.",
            ],
            "paths": paths,
            "components": ["schemas": schemas],
        ]
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data("{}".utf8)
    }()

    static func operationId(_ route: Route) -> String {
        route.method.rawValue.lowercased()
            + route.path.map { segment -> String in
                switch segment {
                case .literal(let s):
                    s.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map {
                        $0.prefix(1).uppercased() + $0.dropFirst()
                    }.joined()
                case .parameter(let p):
                    "By" + p.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
                }
            }.joined()
    }

    static func error(_ description: String) -> [String: Any] {
        [
            "description": description,
            "content": ["application/json": ["schema": ["$ref": "#/components/schemas/Detail"]]],
        ]
    }

    static func object(_ properties: [String: String]) -> [String: Any] {
        [
            "type": "object", "required": properties.keys.sorted(),
            "properties": properties.mapValues { type -> [String: Any] in
                if type.hasPrefix("#") { return ["$ref": "#/components/schemas/\(type.dropFirst())"] }
                if type.hasPrefix("[") {
                    return ["type": "array", "items": ["type": String(type.dropFirst().dropLast())]]
                }
                return ["type": type]
            },
        ]
    }

    static var schemas: [String: Any] {
        [
            "Detail": object(["detail": "string"]),
            "Root": object(["message": "string", "version": "string", "docs": "string"]),
            "Health": object(["status": "string"]),
            "StringList": ["type": "array", "items": ["type": "string"]],
            "BestLap": object([
                "best_lap_time": "number", "driver_id": "string", "lap_number": "integer", "track": "string",
                "session": "string",
            ]),
            "Performance": object([
                "driver_id": "string", "best_lap": "number", "average_lap": "number", "std_deviation": "number",
                "consistency_score": "number", "total_laps": "integer", "lap_times": "[number]",
            ]),
            "Consistency": object([
                "driver_id": "string", "consistency_score": "number", "coefficient_of_variation": "number",
                "best_lap": "number", "average_lap": "number", "std_deviation": "number",
                "laps_within_05s": "integer", "total_laps": "integer",
            ]),
            "SpeedSummary": object(["max": "number", "avg": "number", "min": "number"]),
            "LapTelemetry": object([
                "lap_number": "integer", "driver_id": "string", "speed": "#SpeedSummary", "throttle_avg": "number",
                "data_points": "integer",
            ]),
            "SpeedAnalysis": object([
                "driver_id": "string", "vmax": "number", "vmin": "number", "vavg": "number", "speed_range": "number",
                "avg_acceleration": "number",
            ]),
            "BrakingAnalysis": object([
                "driver_id": "string", "brake_applications": "integer", "avg_brake_pressure": "number",
                "max_brake_pressure": "number", "braking_efficiency": "number",
            ]),
        ]
    }
}
