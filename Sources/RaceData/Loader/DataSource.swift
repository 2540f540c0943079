import Foundation
import Logging
import S3Kit
import S3Wire

extension TelemetryFilter: CustomStringConvertible {
    public var description: String {
        var parts: [String] = []
        if let vehicles { parts.append("vehicles \(vehicles.sorted().joined(separator: ", "))") }
        if let laps { parts.append("laps \(laps.lowerBound)-\(laps.upperBound)") }
        if let parameters { parts.append("parameters \(parameters.sorted().joined(separator: ", "))") }
        if let parametersContaining {
            parts.append("parameters containing \(parametersContaining.joined(separator: " or "))")
        }
        if dropGlitchLaps { parts.append("glitch lap dropped") }
        return parts.isEmpty ? "no filter" : parts.joined(separator: "; ")
    }
}

/// A folder that is not served as a track, and why (its name could climb out of the data root or
/// break a path: `..`, a slash, a backslash, a control character).
public struct SkippedEntry: Sendable, Equatable, Codable {
    public var name: String
    public var reason: String
    public init(name: String, reason: String) {
        self.name = name
        self.reason = reason
    }
}

/// The first-level folders: the tracks, and the folders refused as tracks.
public struct TrackListing: Sendable, Equatable {
    public var tracks: [String]
    public var skipped: [SkippedEntry]

    /// Safe names as tracks, in byte order; the rest as skipped entries (one bad folder never sinks
    /// the others).
    public init(names: [String]) {
        var tracks: [String] = []
        var skipped: [SkippedEntry] = []
        for name in names {
            do {
                try FileNaming.validateTrack(name)
                tracks.append(name)
            } catch {
                skipped.append(SkippedEntry(name: name, reason: "\(error)"))
                loaderLog.warning("skipped folder \(name.debugDescription): \(error)")
            }
        }
        self.tracks = tracks.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        self.skipped = skipped
    }
}

/// What one load may take, so memory stays bounded by what the caller asked for whatever the
/// input is: a header of 200,000 columns, a body that never ends, a table of a billion rows.
/// `MAX_TABLE_COLUMNS`, `MAX_TABLE_ROWS` and `MAX_TABLE_BYTES` set them.
public struct LoadLimits: Sendable, Equatable {
    /// Columns a header may name (the real files have 11 to 13).
    public var maxColumns = 16_384
    /// Rows a loaded table may keep (after any filter).
    public var maxRows = 250_000_000
    /// Bytes a load may read from its file or object (the real telemetry files are under 4 GB).
    public var maxBytes: Int64 = 16 << 30

    public init() {}
    public static let standard = LoadLimits()

    static func fromEnvironment(_ environment: [String: String]) throws(DataError) -> LoadLimits {
        var limits = LoadLimits()
        for (name, set) in [
            ("MAX_TABLE_COLUMNS", { (v: Int64) in limits.maxColumns = Int(v) }),
            ("MAX_TABLE_ROWS", { (v: Int64) in limits.maxRows = Int(v) }),
            ("MAX_TABLE_BYTES", { (v: Int64) in limits.maxBytes = v }),
        ] {
            guard let text = environment.setting(name) else { continue }
            guard let value = Int64(text), value > 0 else {
                throw .configuration("\(name)=\"\(text)\" is not a whole number above 0.")
            }
            set(value)
        }
        return limits
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
    /// The first-level folders under the root or prefix, as tracks and refused names.
    func trackListing() async throws(DataError) -> TrackListing
    /// Why a load found nothing, when something there explains it (see the extension's default).
    func whyMissing(track: String, session: Session, kind: TableKind) async -> String?
    /// The track's sessions in natural order; nil if there is no such track.
    func sessions(track: String) async throws(DataError) -> [Session]?
    /// The file a load of (track, session, kind) would read, relative to the track; nil if none.
    func locate(track: String, session: Session, kind: TableKind) async throws(DataError) -> String?
    func load(track: String, session: Session, kind: TableKind, filter: TelemetryFilter) async throws(DataError)
        -> LoadedTable?
}

extension DataSource {
    /// What a person should know when a load found nothing, if there is something (a folder named
    /// like the table's file, say); nil when nothing there looks like it.
    public func whyMissing(track: String, session: Session, kind: TableKind) async -> String? { nil }

    /// The tracks: the first-level folders whose names are safe (`trackListing` has the others).
    public func tracks() async throws(DataError) -> [String] { try await trackListing().tracks }

    public func lapTimes(track: String, session: Session, kind: LapKind) async throws(DataError) -> LoadedTable? {
        try await load(track: track, session: session, kind: .lap(kind), filter: .all)
    }

    public func telemetry(track: String, session: Session, filter: TelemetryFilter = .all) async throws(DataError)
        -> LoadedTable?
    {
        try await load(track: track, session: session, kind: .telemetry, filter: filter)
    }
}

/// Made for each message, not kept: a logger keeps the handler of the moment it is made, and a
/// program (or the test suite) may set up logging after this module was first used.
var loaderLog: Logger { Logger(label: "racedata.loader") }
