import ArgumentParser
import CommandSupport
import Foundation
import Logging
import RaceData
import S3Kit
import S3Wire

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
    // `unsigned` sends Content-MD5 (a hashing pass first), `streaming` signs every 512 KiB chunk, `signed`
    // hashes each file first; the default (PayloadSigning.forUploads) reads each file once.
    @Option(
        name: .customLong("payload-signing"),
        help:
            "checksum (a CRC32C trailer, the default), unsigned (Content-MD5), streaming (a signature per chunk) or signed (hash first)."
    )
    var payloadSigning = PayloadSigning.forUploads.name

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
        guard let mode = PayloadSigning(name: payloadSigning) else {
            throw CommandFailure("--payload-signing takes checksum, unsigned, streaming or signed.", exitCode: 2)
        }
        configuration.payloadSigning = mode
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
