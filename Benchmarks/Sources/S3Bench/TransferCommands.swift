import ArgumentParser
import Foundation
import RaceData
import S3Kit
import S3Wire

/// A GET or PUT of one object; prints "<operation> <bytes> <seconds> <MB/s>" (MB = 10^6 bytes).
struct Get: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "One GET, its body streamed and dropped.")
    @Argument var endpoint: String
    @Argument var bucket: String
    @Argument var key: String

    func run() async throws {
        let s3 = try client(endpoint)
        let started = Date()
        var bytes: UInt64 = 0
        guard let object = try await s3.getObject(bucket: bucket, key: key) else { fail("no such object") }
        for try await chunk in object.body { bytes += UInt64(chunk.count) }
        report("get", bytes, since: started)
    }
}

struct Put: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "One PUT of a file, in a payload mode.")
    @Argument var endpoint: String
    @Argument var bucket: String
    @Argument var key: String
    @Argument var file: String
    @Argument(help: "signed, unsigned, streaming or checksum") var mode = "signed"
    @Argument(help: "md5 to send Content-MD5, nomd5 not to") var md5 = "nomd5"

    func run() async throws {
        let signing: PayloadSigning =
            switch mode {
            case "unsigned": .unsigned
            case "streaming": .streaming
            case "checksum": .checksumTrailer
            default: .signed
            }
        let s3 = try client(endpoint, signing: signing)
        let started = Date()
        let size = (try FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.uint64Value ?? 0
        _ = try await s3.putObject(
            bucket: bucket, key: key, body: .file(path: file, offset: 0, length: size),
            options: PutOptions(contentMD5: md5 == "md5"))
        report("put", size, since: started)
    }
}

private func report(_ operation: String, _ bytes: UInt64, since started: Date) {
    let seconds = Date().timeIntervalSince(started)
    print(String(format: "%@ %llu %.4f %.1f", operation, bytes, seconds, Double(bytes) / seconds / 1e6))
}

/// The loader's CSV path over a local telemetry file, whole or one vehicle's rows.
struct Parse: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The loader over a local telemetry file.")
    @Argument var path: String
    @Argument var vehicle: String?

    func run() async throws {
        let url = URL(fileURLWithPath: path)
        let source = LocalDataSource(root: url.deletingLastPathComponent().deletingLastPathComponent())
        let track = url.deletingLastPathComponent().lastPathComponent
        let filter = vehicle.map { TelemetryFilter(vehicles: [$0]) } ?? .all
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.doubleValue ?? 0
        let cpu0 = processorSeconds()
        let started = Date()
        guard let session = FileNaming.classify(fileName: url.lastPathComponent)?.session,
            let loaded = try await source.telemetry(track: track, session: session, filter: filter)
        else { fail("not a telemetry file") }
        let seconds = Date().timeIntervalSince(started)
        print(
            String(format: "parse %d rows %.3f s %.1f MB/s", loaded.table.rowCount, seconds, size / seconds / 1e6),
            String(format: "cpu %.3f s", processorSeconds() - cpu0))
    }
}

/// The same through S3DataSource.
struct S3Parse: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "s3parse", abstract: "The loader over a telemetry table on S3.")
    @Argument var endpoint: String
    @Argument var bucket: String
    @Argument var track: String
    @Argument var session: String
    @Argument var prefix: String
    @Argument var vehicle: String?

    func run() async throws {
        let source = S3DataSource(client: try client(endpoint), bucket: bucket, prefix: prefix)
        let filter = vehicle.map { TelemetryFilter(vehicles: [$0]) } ?? .all
        guard let session = Session(session) else { fail("\(self.session) is not a session such as R1") }
        let started = Date()
        guard let loaded = try await source.telemetry(track: track, session: session, filter: filter)
        else { fail("no telemetry") }
        print(String(format: "s3parse %d rows %.3f s", loaded.table.rowCount, Date().timeIntervalSince(started)))
    }
}
