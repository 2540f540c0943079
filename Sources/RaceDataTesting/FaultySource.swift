import Foundation
import RaceData

/// A loader with one fault planted, of a kind a developer could write by mistake: for tests that a
/// property or a service check fails when the loader is wrong. Which track, session, row or cell the
/// fault hits is drawn from `seed` and the data, so a check that compares too little misses it.
public struct FaultySource: DataSource {
    public enum Fault: String, CaseIterable, Sendable {
        /// One track missing from the listing.
        case droppedTrack
        /// One session missing from a track's sessions.
        case droppedSession
        /// Lap-end loads read the lap-start file.
        case wrongFile
        /// One row missing from every table.
        case droppedRow
        /// One vehicle (drawn from each table's) renamed to one that is not there, in every row of it.
        case wrongVehicle
        /// Any failure answered as "not found".
        case swallowedError
        /// A missing track answered with no sessions instead of nil.
        case emptyForMissing
    }

    public let base: any DataSource
    public let fault: Fault
    public let seed: UInt64

    public init(_ base: any DataSource, fault: Fault, seed: UInt64) {
        self.base = base
        self.fault = fault
        self.seed = seed
    }

    public var name: String { base.name }

    func pick(_ count: Int) -> Int { Int(seed % UInt64(max(count, 1))) }

    public func trackListing() async throws(DataError) -> TrackListing {
        var listing: TrackListing
        do { listing = try await base.trackListing() } catch {
            if fault == .swallowedError { return TrackListing(names: []) }
            throw error
        }
        if fault == .droppedTrack, !listing.tracks.isEmpty { listing.tracks.remove(at: pick(listing.tracks.count)) }
        return listing
    }

    public func whyMissing(track: String, session: Session, kind: TableKind) async -> String? {
        await base.whyMissing(track: track, session: session, kind: kind)
    }

    public func sessions(track: String) async throws(DataError) -> [Session]? {
        var sessions: [Session]?
        do { sessions = try await base.sessions(track: track) } catch {
            if fault == .swallowedError { return nil }
            throw error
        }
        if fault == .emptyForMissing && sessions == nil { return [] }
        if fault == .droppedSession, var found = sessions, !found.isEmpty {
            found.remove(at: pick(found.count))
            return found
        }
        return sessions
    }

    public func locate(track: String, session: Session, kind: TableKind) async throws(DataError) -> String? {
        do {
            return try await base.locate(
                track: track, session: session,
                kind: fault == .wrongFile && kind == .lap(.lapEnd) ? .lap(.lapStart) : kind)
        } catch {
            if fault == .swallowedError { return nil }
            throw error
        }
    }

    public func load(track: String, session: Session, kind: TableKind, filter: TelemetryFilter) async throws(DataError)
        -> LoadedTable?
    {
        var loaded: LoadedTable?
        do {
            loaded = try await base.load(
                track: track, session: session,
                kind: fault == .wrongFile && kind == .lap(.lapEnd) ? .lap(.lapStart) : kind,
                filter: filter)
        } catch {
            if fault == .swallowedError { return nil }
            throw error
        }
        guard var table = loaded?.table, table.rowCount > 0 else { return loaded }
        switch fault {
        case .droppedRow:
            let gone = pick(table.rowCount)
            table = Table(names: table.names, columns: table.columns.map { Self.column($0, keeping: { $0 != gone }) })
        case .wrongVehicle:
            guard let index = table.names.firstIndex(of: "vehicle_id"), case .text(let ids) = table.columns[index]
            else { break }
            let values = Array(ids)
            let vehicles = Set(values.compactMap { $0 }).sorted()
            guard !vehicles.isEmpty else { break }
            let renamed = vehicles[pick(vehicles.count)]
            var columns = table.columns
            columns[index] = .text(TextValues(values.map { $0 == renamed ? "GR86-999-99" : $0 }))
            table = Table(names: table.names, columns: columns)
        default: break
        }
        loaded?.table = table
        return loaded
    }

    static func column(_ column: Table.Column, keeping keep: (Int) -> Bool) -> Table.Column {
        func kept<T>(_ values: [T]) -> [T] { values.enumerated().filter { keep($0.offset) }.map(\.element) }
        return switch column {
        case .integer(let v): .integer(IntegerValues(kept(Array(v))))
        case .double(let v): .double(NullableValues(kept(Array(v))))
        case .timestamp(let v): .timestamp(IntegerValues(kept(Array(v))))
        case .text(let v): .text(TextValues(kept(Array(v))))
        }
    }
}
