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
/// The filter looks at a row's bytes, so rows it drops never become strings.
struct TableAssembler {
    private var reader: CSVReader
    private var builder: TableBuilder?
    private let applyFilter: Bool
    private let vehicles: [[UInt8]]?
    private let parameters: Set<[UInt8]>?
    private let laps: ClosedRange<Int>?
    private let dropGlitchLaps: Bool
    private var vehicleIdIndex: Int?, vehicleNumberIndex: Int?, lapIndex: Int?, nameIndex: Int?

    init(source: String, kind: TableKind, filter: TelemetryFilter) {
        reader = CSVReader(source: source)
        applyFilter = kind == .telemetry && filter != .all
        vehicles = filter.vehicles.map { $0.map { Array($0.utf8) } }
        parameters = filter.parameters.map { Set($0.map { Array($0.utf8) }) }
        laps = filter.laps
        dropGlitchLaps = filter.dropGlitchLaps
    }

    mutating func feed(_ chunk: [UInt8]) throws(DataError) {
        var failure: DataError?
        chunk.withUnsafeBytes { raw in
            do throws(DataError) { try feed(raw) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    mutating func feed(_ bytes: UnsafeRawBufferPointer) throws(DataError) {
        // The reader is taken out while it runs, so the row callback may change the rest of self.
        var reader = self.reader
        self.reader = CSVReader(source: reader.source)
        defer { self.reader = reader }
        do {
            try reader.feed(bytes) { add($0) }
        } catch let error as CSVError {
            throw .csv(error)
        } catch {
            throw .csv(CSVError(source: reader.source, line: 0, column: 0, reason: "\(error)"))
        }
    }

    private mutating func add(_ row: CSVRow) {
        if builder == nil { start(row.header) }
        if applyFilter && !keep(row) { return }
        builder!.append(row)
    }

    private mutating func start(_ header: [String]) {
        builder = TableBuilder(names: header)
        vehicleIdIndex = header.firstIndex(of: "vehicle_id")
        vehicleNumberIndex = header.firstIndex(of: "vehicle_number")
        lapIndex = header.firstIndex(of: "lap")
        nameIndex = header.firstIndex(of: "telemetry_name")
    }

    private func keep(_ row: CSVRow) -> Bool {
        if let vehicles {
            let matches = vehicles.contains { wanted in
                vehicleIdIndex.map { row.equals($0, wanted) } == true || vehicleNumberIndex.map { row.equals($0, wanted) } == true
            }
            guard matches else { return false }
        }
        if laps != nil || dropGlitchLaps {
            guard let lap = lapIndex.flatMap({ Self.integer(row.field($0)) }) else { return false }
            if dropGlitchLaps && lap == TelemetryFilter.glitchLap { return false }
            if let laps, !laps.contains(lap) { return false }
        }
        if let parameters {
            guard let i = nameIndex, parameters.contains(Array(row.field(i))) else { return false }
        }
        return true
    }

    static func integer(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard !bytes.isEmpty, bytes.count <= 18 else { return nil }
        var value = 0
        for b in bytes {
            guard b >= 48 && b <= 57 else { return nil }
            value = value * 10 + Int(b - 48)
        }
        return value
    }

    mutating func finish() throws(DataError) -> Table {
        var reader = self.reader
        self.reader = CSVReader(source: reader.source)
        defer { self.reader = reader }
        do {
            try reader.finish { add($0) }
        } catch let error as CSVError {
            throw .csv(error)
        } catch {
            throw .csv(CSVError(source: reader.source, line: 0, column: 0, reason: "\(error)"))
        }
        if builder == nil, let header = reader.header { start(header) }
        // An empty file is an empty table.
        return builder?.build() ?? Table(names: [], columns: [])
    }
}

let loaderLog = Logger(label: "racedata.loader")
