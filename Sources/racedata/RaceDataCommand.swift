import ArgumentParser
import CommandSupport
import Foundation
import Logging
import RaceData
import S3Kit
import S3Wire

/// Options every subcommand shares: where the data is (the environment, as in the README; flags win).
struct SourceOptions: ParsableArguments {
    @Option(help: "local or s3 (overrides USE_S3_DATA).") var source: String?
    @Option(help: "The bucket (overrides S3_BUCKET_NAME).") var bucket: String?
    @Option(help: "The key prefix (overrides S3_PREFIX; default data/).") var prefix: String?
    @Option(name: .customLong("data-dir"), help: "The local data folder (overrides DATA_DIR; default ./data).")
    var dataDirectory: String?
    @Option(help: "A custom S3 endpoint such as http://127.0.0.1:9000 (overrides AWS_ENDPOINT_URL_S3).") var endpoint:
        String?
    @Option(help: "The AWS region (overrides AWS_REGION).") var region: String?
    @Flag(help: "Send unsigned requests (a public-read bucket).") var anonymous = false

    var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        if let bucket { environment["S3_BUCKET_NAME"] = bucket }
        if let prefix { environment["S3_PREFIX"] = prefix }
        if let dataDirectory { environment["DATA_DIR"] = dataDirectory }
        if let endpoint { environment["AWS_ENDPOINT_URL_S3"] = endpoint }
        if let region { environment["AWS_REGION"] = region }
        return environment
    }

    func dataSource() throws -> any DataSource {
        do {
            return try DataConfiguration.fromEnvironment(environment, sourceOverride: source, anonymous: anonymous)
                .makeSource()
        } catch {
            throw CommandFailure("\(error)", exitCode: 2)
        }
    }
}

func jsonString(_ value: Any) -> String {
    guard
        let data = try? JSONSerialization.data(
            withJSONObject: value, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    else { return "{}" }
    return String(decoding: data, as: UTF8.self)
}

@main
struct RaceDataCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "racedata",
        abstract: "Moves race telemetry between a local data folder and S3, and reads it back.",
        discussion: """
            Exit codes: 0 done; 1 failed (the message says why; for upload, any file not uploaded); 2 bad usage or \
            configuration; 3 done, but some folders were skipped or tables failed to load (tracks, inventory: each one \
            reported on standard error, and in inventory's JSON).
            """,
        subcommands: [Upload.self, Tracks.self, Sessions.self, Load.self, Inventory.self])

    static func main() async {
        Logs.bootstrap(default: .warning)
        await parseAndRun()
    }
}

struct Upload: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Upload a data folder (whose children are the track folders) to S3.")

    @Argument(help: "The data folder.") var directory: String
    @OptionGroup var options: SourceOptions
    @Option(help: "Files uploaded at once.") var concurrency = max(4, ProcessInfo.processInfo.activeProcessorCount * 4)
    @Option(help: "Canned ACL for every object, or none.") var acl = "public-read"
    @Flag(help: "Upload even objects that are already there unchanged.") var force = false
    @Option(
        name: .customLong("tag-cache"),
        help:
            "Where local files' content hashes are remembered between runs (default $XDG_CACHE_HOME/racedata/content-tags.json), or none."
    )
    var tagCache: String?
    @Flag(name: .customLong("dry-run"), help: "Print the plan; upload nothing.") var dryRun = false
    @Flag(help: "Print the summary as JSON.") var json = false
    // The default is what AWS SDKs send over HTTPS: UNSIGNED-PAYLOAD as aws-chunked with a CRC32C trailer,
    // so each file is read once and S3 still refuses a body that changed on the way. `unsigned` sends
    // Content-MD5 (a hashing pass first), `streaming` signs every 512 KiB chunk, `signed` hashes each file first.
    @Option(
        name: .customLong("payload-signing"),
        help:
            "checksum (a CRC32C trailer, the default), unsigned (Content-MD5), streaming (a signature per chunk) or signed (hash first)."
    )
    var payloadSigning = "checksum"

    func run() async throws {
        let environment = options.environment
        var bucket = environment["S3_BUCKET_NAME"]?.trimmingSpaces ?? ""
        if bucket.isEmpty {
            guard isatty(STDIN_FILENO) == 1 else {
                throw CommandFailure(
                    "No bucket given. Pass --bucket or set S3_BUCKET_NAME (there is no default bucket).", exitCode: 2)
            }
            FileHandle.standardError.write(Data("Bucket to upload to: ".utf8))
            bucket = (readLine() ?? "").trimmingSpaces
            guard !bucket.isEmpty else { throw CommandFailure("No bucket given.", exitCode: 2) }
        }
        var configuration: S3Configuration
        do { configuration = try S3Configuration.fromEnvironment(environment) } catch {
            throw CommandFailure("\(error)", exitCode: 2)
        }
        switch payloadSigning {
        case "streaming": configuration.payloadSigning = .streaming
        case "signed": configuration.payloadSigning = .signed
        case "unsigned": configuration.payloadSigning = .unsigned
        case "checksum": configuration.payloadSigning = .checksumTrailer
        default: throw CommandFailure("--payload-signing takes checksum, unsigned, streaming or signed.", exitCode: 2)
        }
        configuration.transport.maxConnections = max(configuration.transport.maxConnections, concurrency * 2)
        var uploadOptions = Uploader.Options()
        uploadOptions.prefix = environment["S3_PREFIX"] ?? "data/"
        uploadOptions.concurrency = concurrency
        uploadOptions.acl = acl == "none" ? nil : acl
        uploadOptions.force = force
        switch tagCache {
        case "none": uploadOptions.tagCache = nil
        case let path?: uploadOptions.tagCache = ContentTagCache(url: URL(fileURLWithPath: path))
        case nil: uploadOptions.tagCache = ContentTagCache(url: ContentTagCache.defaultURL(environment: environment))
        }
        let uploader = Uploader(client: S3Client(configuration: configuration), bucket: bucket, options: uploadOptions)
        let folder = URL(fileURLWithPath: directory)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue
        else {
            throw CommandFailure("\(directory) is not a folder.", exitCode: 2)
        }
        if dryRun {
            let plan = uploader.plan(directory: folder)
            for file in plan.files { print("upload \(file.size)\t\(file.key)") }
            for path in plan.junk { print("skip junk\t\(path)") }
            for problem in plan.problems { print("problem\t\(problem.path): \(problem.reason)") }
            print(
                "\(plan.files.count) files, \(plan.bytes) bytes to s3://\(bucket)/\(uploadOptions.prefix); \(plan.junk.count) junk skipped"
            )
            return
        }
        let progress = ProgressDisplay(terminal: isatty(STDERR_FILENO) == 1)
        let report = try await uploader.upload(directory: folder) { progress.update($0) }
        progress.done()
        if json {
            print(
                jsonString(
                    [
                        "bucket": bucket, "prefix": uploadOptions.prefix, "uploaded": report.uploaded,
                        "unchanged": report.unchanged,
                        "junk": report.junk, "failed": report.failed.map { ["path": $0.path, "reason": $0.reason] },
                        "warnings": report.warnings, "bytes": report.bytesUploaded, "seconds": report.seconds,
                        "hashed": report.filesHashed,
                    ] as [String: Any]))
        } else {
            for warning in report.warnings { print("warning: \(warning)") }
            for failure in report.failed { print("failed: \(failure.path): \(failure.reason)") }
            print(
                String(
                    format: "uploaded %d, unchanged %d, junk skipped %d, failed %d; %.1f MB in %.1f s",
                    report.uploaded.count, report.unchanged.count, report.junk.count, report.failed.count,
                    Double(report.bytesUploaded) / 1e6, report.seconds))
        }
        if !report.succeeded { throw ExitCode(1) }
    }
}

/// Files, bytes, throughput and ETA on a terminal (one line, redrawn); a plain line every 10 s otherwise.
final class ProgressDisplay: @unchecked Sendable {
    private let terminal: Bool
    private let lock = NSLock()
    private let started = Date()
    private var lastPrint = Date.distantPast
    private var drew = false

    init(terminal: Bool) { self.terminal = terminal }

    func update(_ p: Uploader.Progress) {
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        guard now.timeIntervalSince(lastPrint) >= (terminal ? 0.1 : 10) || p.filesDone == p.filesTotal else { return }
        lastPrint = now
        let elapsed = max(now.timeIntervalSince(started), 0.001)
        let rate = Double(p.bytesDone) / elapsed
        // The first files finish before the rate means anything: no ETA until a second has passed.
        let eta =
            p.filesDone == p.filesTotal
            ? "done"
            : elapsed >= 1 && rate > 0
                ? String(format: "ETA %.0f s", Double(p.bytesTotal - min(p.bytesDone, p.bytesTotal)) / rate)
                : "ETA --"
        let line =
            String(
                format: "%d/%d files, %.1f of %.1f MB, %.1f MB/s, ", p.filesDone, p.filesTotal,
                Double(p.bytesDone) / 1e6, Double(p.bytesTotal) / 1e6, rate / 1e6) + eta
        FileHandle.standardError.write(Data((terminal ? "\r\u{1B}[K" + line : "upload: " + line + "\n").utf8))
        drew = terminal
    }

    func done() {
        lock.lock()
        if drew { FileHandle.standardError.write(Data("\n".utf8)) }
        lock.unlock()
    }
}

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
