import Foundation
import S3Kit
import S3Wire
import Logging

/// Keeps only the telemetry rows a caller wants, while the file streams by, so memory follows the
/// result rather than the file (a telemetry file is 1.5 to 3 GB).
public struct TelemetryFilter: Sendable, Equatable {
    /// `vehicle_id` (GR86-004-78) or `vehicle_number` (78) values; nil keeps every vehicle.
    public var vehicles: Set<String>?
    public var laps: ClosedRange<Int>?
    /// `telemetry_name` values (speed, gear, …); nil keeps every parameter.
    public var parameters: Set<String>?
    /// Parameters whose name contains one of these, ignoring ASCII case (`brake` keeps `pbrake_f`
    /// and `pbrake_r`). With `parameters` too, a row is kept when either keeps it.
    public var parametersContaining: [String]?
    /// Drops rows whose lap is the 32768 glitch.
    public var dropGlitchLaps: Bool

    public init(vehicles: Set<String>? = nil, laps: ClosedRange<Int>? = nil, parameters: Set<String>? = nil,
                parametersContaining: [String]? = nil, dropGlitchLaps: Bool = false) {
        self.vehicles = vehicles; self.laps = laps; self.parameters = parameters; self.parametersContaining = parametersContaining
        self.dropGlitchLaps = dropGlitchLaps
    }

    public static let all = TelemetryFilter()
    public static let glitchLap = 32768
}

extension TelemetryFilter: CustomStringConvertible {
    public var description: String {
        var parts: [String] = []
        if let vehicles { parts.append("vehicles \(vehicles.sorted().joined(separator: ", "))") }
        if let laps { parts.append("laps \(laps.lowerBound)-\(laps.upperBound)") }
        if let parameters { parts.append("parameters \(parameters.sorted().joined(separator: ", "))") }
        if let parametersContaining { parts.append("parameters containing \(parametersContaining.joined(separator: " or "))") }
        if dropGlitchLaps { parts.append("glitch lap dropped") }
        return parts.isEmpty ? "no filter" : parts.joined(separator: "; ")
    }
}

/// A table and where it came from (a key or a path).
public struct LoadedTable: Sendable, Equatable {
    public var location: String
    public var table: Table
}

/// Tracks, sessions and tables, from local files or from S3, with the same answers either way.
/// Not found is nil; every other failure throws a `DataError` that says what to do.
public protocol DataSource: Sendable {
    var name: String { get }
    /// The first-level folders under the root or prefix.
    func tracks() async throws(DataError) -> [String]
    /// The track's sessions in natural order; nil if there is no such track.
    func sessions(track: String) async throws(DataError) -> [Session]?
    /// The file a load of (track, session, kind) would read, relative to the track; nil if none.
    func locate(track: String, session: Session, kind: TableKind) async throws(DataError) -> String?
    func load(track: String, session: Session, kind: TableKind, filter: TelemetryFilter) async throws(DataError) -> LoadedTable?
}

extension DataSource {
    public func lapTimes(track: String, session: Session, kind: LapKind) async throws(DataError) -> LoadedTable? {
        try await load(track: track, session: session, kind: .lap(kind), filter: .all)
    }

    public func telemetry(track: String, session: Session, filter: TelemetryFilter = .all) async throws(DataError) -> LoadedTable? {
        try await load(track: track, session: session, kind: .telemetry, filter: filter)
    }
}

/// Made for each message, not kept: a logger keeps the handler of the moment it is made, and a
/// program (or the test suite) may set up logging after this module was first used.
var loaderLog: Logger { Logger(label: "racedata.loader") }
