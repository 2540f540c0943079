import ArgumentParser
import CommandSupport
import Foundation
import Logging
import RaceData
import S3Kit
import S3Wire

struct Tracks: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the tracks.")
    @OptionGroup var options: SourceOptions

    func run() async throws {
        let listing = try await options.dataSource().trackListing()
        for track in listing.tracks { print(track) }
        for entry in listing.skipped {
            FileHandle.standardError.write(
                Data("racedata: skipped \(entry.name.debugDescription): \(entry.reason)\n".utf8))
        }
        if !listing.skipped.isEmpty { throw ExitCode(3) }
    }
}

struct Sessions: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List a track's sessions.")
    @Argument var track: String
    @OptionGroup var options: SourceOptions

    func run() async throws {
        guard let sessions = try await options.dataSource().sessions(track: track) else {
            throw CommandFailure("No track \(track).", exitCode: 1)
        }
        for session in sessions { print(session.token) }
    }
}

struct Load: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a table as CSV (or a summary).")
    @Argument var track: String
    @Argument var session: String
    @Argument(help: "lap_start, lap_end, lap_time or telemetry.") var kind: String
    @Option(name: .customLong("vehicle"), help: "Keep this vehicle (id or number); repeatable.") var vehicles:
        [String] = []
    @Option(help: "Keep these laps, as FIRST-LAST.") var laps: String?
    @Option(name: .customLong("parameter"), help: "Keep this telemetry parameter; repeatable.") var parameters:
        [String] = []
    @Flag(help: "Drop lap 32768 glitch rows.") var dropGlitchLaps = false
    @Flag(help: "Print columns, types and row count instead of the rows.") var summary = false
    @OptionGroup var options: SourceOptions

    func run() async throws {
        guard let tableKind = TableKind(kind) else {
            throw CommandFailure("\(kind) is not lap_start, lap_end, lap_time or telemetry.", exitCode: 2)
        }
        let session = try FileNaming.validateSession(self.session)
        var range: ClosedRange<Int>?
        if let laps {
            let parts = laps.split(separator: "-").compactMap { Int($0) }
            guard parts.count == 2, parts[0] <= parts[1] else {
                throw CommandFailure("--laps takes FIRST-LAST, such as 3-7.", exitCode: 2)
            }
            range = parts[0]...parts[1]
        }
        let filter = TelemetryFilter(
            vehicles: vehicles.isEmpty ? nil : Set(vehicles), laps: range,
            parameters: parameters.isEmpty ? nil : Set(parameters), dropGlitchLaps: dropGlitchLaps)
        let source = try options.dataSource()
        guard let loaded = try await source.load(track: track, session: session, kind: tableKind, filter: filter) else {
            let why = await source.whyMissing(track: track, session: session, kind: tableKind).map { ": \($0)" } ?? "."
            throw CommandFailure("No \(kind) table for \(track) \(session.token)\(why)", exitCode: 1)
        }
        if summary {
            print("\(loaded.location): \(loaded.table.rowCount) rows")
            for (name, column) in zip(loaded.table.names, loaded.table.columns) {
                print("  \(name): \(column.typeName)")
            }
        } else {
            FileHandle.standardOutput.write(Data(loaded.table.csv().utf8))
        }
    }
}

struct Inventory: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Everything the loader sees: tracks, sessions, and each table's key, columns and rows.")
    @Flag(help: "JSON (the only format).") var json = false
    @OptionGroup var options: SourceOptions

    /// One bad folder or table never sinks the rest: it is reported under `skipped` (folders whose
    /// names are refused) or `errors` (what failed to load, and why), and the exit code says so.
    func run() async throws {
        let source = try options.dataSource()
        var sessions: [String: [String]] = [:]
        var loads: [String: Any] = [:]
        var errors: [[String: String]] = []
        let listing = try await source.trackListing()
        for track in listing.tracks {
            let found: [Session]
            do { found = try await source.sessions(track: track) ?? [] } catch {
                errors.append(["track": track, "error": "\(error)"])
                continue
            }
            sessions[track] = found.map(\.token)
            for session in found {
                for kind in [TableKind.lap(.lapStart), .lap(.lapEnd), .lap(.lapTime), .telemetry] {
                    do {
                        guard
                            let loaded = try await source.load(track: track, session: session, kind: kind, filter: .all)
                        else { continue }
                        loads["\(track)/\(session.token)/\(kind)"] =
                            ["key": loaded.location, "columns": loaded.table.names, "rows": loaded.table.rowCount]
                            as [String: Any]
                    } catch {
                        errors.append([
                            "track": track, "session": session.token, "kind": "\(kind)", "error": "\(error)",
                        ])
                    }
                }
            }
        }
        let skipped = listing.skipped.map { ["name": $0.name, "reason": $0.reason] }
        print(
            jsonString(
                ["tracks": listing.tracks, "sessions": sessions, "loads": loads, "skipped": skipped, "errors": errors]
                    as [String: Any]))
        if !skipped.isEmpty || !errors.isEmpty {
            FileHandle.standardError.write(
                Data(
                    "racedata: \(skipped.count) folder\(skipped.count == 1 ? "" : "s") skipped, \(errors.count) error\(errors.count == 1 ? "" : "s") (listed in the JSON)\n"
                        .utf8))
            throw ExitCode(3)
        }
    }
}
