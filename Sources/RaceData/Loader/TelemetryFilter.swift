import Foundation
import Logging
import S3Kit
import S3Wire

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

    public init(
        vehicles: Set<String>? = nil, laps: ClosedRange<Int>? = nil, parameters: Set<String>? = nil,
        parametersContaining: [String]? = nil, dropGlitchLaps: Bool = false
    ) {
        self.vehicles = vehicles
        self.laps = laps
        self.parameters = parameters
        self.parametersContaining = parametersContaining
        self.dropGlitchLaps = dropGlitchLaps
    }

    public static let all = TelemetryFilter()
    public static let glitchLap = 32768
}
