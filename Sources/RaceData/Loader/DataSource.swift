import Foundation
import Logging

/// Keeps only the telemetry rows a caller wants, while the file streams by, so memory follows the
/// result rather than the file (a telemetry file is 1.5 to 3 GB).
public struct TelemetryFilter: Sendable, Equatable {
    /// `vehicle_id` (GR86-004-78) or `vehicle_number` (78) values; nil keeps every vehicle.
    public var vehicles: Set<String>?
    public var laps: ClosedRange<Int>?
    /// `telemetry_name` values (speed, gear, …); nil keeps every parameter.
    public var parameters: Set<String>?
    /// Drops rows whose lap is the 32768 glitch.
    public var dropGlitchLaps: Bool

    public init(vehicles: Set<String>? = nil, laps: ClosedRange<Int>? = nil, parameters: Set<String>? = nil, dropGlitchLaps: Bool = false) {
        self.vehicles = vehicles; self.laps = laps; self.parameters = parameters; self.dropGlitchLaps = dropGlitchLaps
    }

    public static let all = TelemetryFilter()
    public static let glitchLap = 32768
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

/// Bytes in, typed table out: the CSV reader, the filter, the table builder, in one pass.
struct TableAssembler {
    private var reader: CSVReader
    private var builder: TableBuilder?
    private let filter: TelemetryFilter
    private let applyFilter: Bool
    private var vehicleIdIndex: Int?, vehicleNumberIndex: Int?, lapIndex: Int?, nameIndex: Int?

    init(source: String, kind: TableKind, filter: TelemetryFilter) {
        reader = CSVReader(source: source)
        self.filter = filter
        applyFilter = kind == .telemetry && filter != .all
    }

    mutating func feed(_ bytes: UnsafeRawBufferPointer) throws(DataError) {
        do {
            var rows: [[String]] = []
            try reader.feed(bytes) { rows.append($0) }
            for row in rows { add(row) }
        } catch let error as CSVError {
            throw .csv(error)
        } catch {
            throw .csv(CSVError(source: reader.source, line: 0, column: 0, reason: "\(error)"))
        }
    }

    mutating func feed(_ chunk: [UInt8]) throws(DataError) {
        var failure: DataError?
        chunk.withUnsafeBytes { raw in
            do throws(DataError) { try feed(raw) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    private mutating func add(_ row: [String]) {
        if builder == nil, let header = reader.header {
            builder = TableBuilder(names: header)
            vehicleIdIndex = header.firstIndex(of: "vehicle_id")
            vehicleNumberIndex = header.firstIndex(of: "vehicle_number")
            lapIndex = header.firstIndex(of: "lap")
            nameIndex = header.firstIndex(of: "telemetry_name")
        }
        if applyFilter && !keep(row) { return }
        builder!.append(row)
    }

    private func keep(_ row: [String]) -> Bool {
        if let vehicles = filter.vehicles {
            let id = vehicleIdIndex.map { row[$0] }, number = vehicleNumberIndex.map { row[$0] }
            guard id.map(vehicles.contains) == true || number.map(vehicles.contains) == true else { return false }
        }
        if filter.laps != nil || filter.dropGlitchLaps {
            guard let lap = lapIndex.flatMap({ Int(row[$0]) }) else { return false }
            if filter.dropGlitchLaps && lap == TelemetryFilter.glitchLap { return false }
            if let laps = filter.laps, !laps.contains(lap) { return false }
        }
        if let parameters = filter.parameters {
            guard let name = nameIndex.map({ row[$0] }), parameters.contains(name) else { return false }
        }
        return true
    }

    mutating func finish() throws(DataError) -> Table {
        do {
            var rows: [[String]] = []
            try reader.finish { rows.append($0) }
            if builder == nil, let header = reader.header { builder = TableBuilder(names: header) }
            for row in rows { add(row) }
        } catch let error as CSVError {
            throw .csv(error)
        } catch {
            throw .csv(CSVError(source: reader.source, line: 0, column: 0, reason: "\(error)"))
        }
        // An empty file is an empty table.
        return builder?.build() ?? Table(names: [], columns: [])
    }
}

let loaderLog = Logger(label: "racedata.loader")
