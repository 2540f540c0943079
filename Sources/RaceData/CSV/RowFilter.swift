import Foundation

/// The telemetry filter, looking at a row's bytes: rows it drops never become values.
struct RowFilter: Sendable {
    private let vehicles: [[UInt8]]?
    private let parameters: Set<[UInt8]>?
    /// Lower-cased ASCII.
    private let parameterParts: [[UInt8]]?
    private let laps: ClosedRange<Int>?
    private let dropGlitchLaps: Bool
    private let vehicleId: Int?, vehicleNumber: Int?, lap: Int?, name: Int?

    init?(_ filter: TelemetryFilter, kind: TableKind, header: [String]) {
        guard kind == .telemetry && filter != .all else { return nil }
        vehicles = filter.vehicles.map { $0.map { Array($0.utf8) } }
        parameters = filter.parameters.map { Set($0.map { Array($0.utf8) }) }
        parameterParts = filter.parametersContaining.map { $0.map { Array($0.lowercased().utf8) } }
        laps = filter.laps
        dropGlitchLaps = filter.dropGlitchLaps
        vehicleId = header.firstIndex(of: "vehicle_id")
        vehicleNumber = header.firstIndex(of: "vehicle_number")
        lap = header.firstIndex(of: "lap")
        name = header.firstIndex(of: "telemetry_name")
    }

    func keeps(_ field: (Int) -> UnsafeBufferPointer<UInt8>) -> Bool {
        if let vehicles {
            let id = vehicleId.map(field)
            let number = vehicleNumber.map(field)
            guard
                vehicles.contains(where: { wanted in
                    id.map { $0.elementsEqual(wanted) } == true || number.map { $0.elementsEqual(wanted) } == true
                })
            else { return false }
        }
        if laps != nil || dropGlitchLaps {
            guard let lap = lap.flatMap({ Cell.integer(field($0)) }), lap >= 0 else { return false }
            if dropGlitchLaps && lap == TelemetryFilter.glitchLap { return false }
            if let laps, !laps.contains(Int(lap)) { return false }
        }
        if parameters != nil || parameterParts != nil {
            guard let name else { return false }
            let value = field(name)
            let exact = parameters?.contains(Array(value)) ?? false
            guard exact || parameterParts?.contains(where: { Self.contains(value, lowercased: $0) }) == true else {
                return false
            }
        }
        return true
    }

    /// Whether `text` contains `part` (lower-case ASCII), ignoring ASCII case.
    static func contains(_ text: UnsafeBufferPointer<UInt8>, lowercased part: [UInt8]) -> Bool {
        guard !part.isEmpty else { return true }
        guard text.count >= part.count else { return false }
        for start in 0...(text.count - part.count) {
            var i = 0
            while i < part.count {
                let c = text[start + i]
                if (c >= 65 && c <= 90 ? c + 32 : c) != part[i] { break }
                i += 1
            }
            if i == part.count { return true }
        }
        return false
    }
}
