import Foundation
import TestSupport
import Testing

/// A server that misbehaves, or a tree copied off a laptop, never hangs racedata, floods its memory
/// or sinks the whole command: each case ends within its time bound, under its memory bound (the
/// kernel's peak RSS of the process), with a message that names the problem and no secret.
@Suite("Hostile servers and trees", .quietLogs)
struct HostileInputTests {
    static let secret = "hostile/secret/key/value/000000000000001"
    static let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("racedata")

    static func listing(prefixes: [String] = [], keys: [String] = [], truncated: Bool = false, token: String? = nil)
        -> [UInt8]
    {
        var xml =
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>b</Name><EncodingType>url</EncodingType>"
        xml +=
            "<IsTruncated>\(truncated)</IsTruncated>"
            + (token.map { "<NextContinuationToken>\($0)</NextContinuationToken>" } ?? "")
        for key in keys { xml += "<Contents><Key>\(key)</Key><Size>100</Size><ETag>&quot;abc&quot;</ETag></Contents>" }
        for prefix in prefixes { xml += "<CommonPrefixes><Prefix>\(prefix)</Prefix></CommonPrefixes>" }
        return Array((xml + "</ListBucketResult>").utf8)
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var arguments: [String]
        /// The server's script (nil: no server, a local tree).
        var reply: (@Sendable (ScriptedServer.Request, Int) -> ScriptedServer.Reply)?
        var statuses: Set<Int32>
        var message: String
        var seconds: Double
        var megabytes: Double = 150
        var testDescription: String { name }
    }

    /// A track whose lap time table is `data/T/R1_t_lap_time.csv`, whose GET is `get`.
    static func track(_ get: @escaping @Sendable (Int) -> ScriptedServer.Reply)
        -> @Sendable (ScriptedServer.Request, Int) -> ScriptedServer.Reply
    {
        { request, index in
            if request.target.contains("list-type=2") {
                return .respond(status: 200, body: listing(keys: ["data/T/R1_t_lap_time.csv"]))
            }
            return get(index)
        }
    }

    static let load = ["load", "T", "R1", "lap_time", "--summary"]

    static let cases: [Case] = [
        Case(
            name: "a listing that repeats its continuation token", arguments: ["tracks"],
            reply: { _, _ in
                .respond(status: 200, body: listing(prefixes: ["data/COTA/"], truncated: true, token: "again"))
            },
            statuses: [1], message: "same continuation token", seconds: 10),
        Case(
            name: "a listing truncated without a token", arguments: ["tracks"],
            reply: { _, _ in .respond(status: 200, body: listing(prefixes: ["data/COTA/"], truncated: true)) },
            statuses: [1], message: "NextContinuationToken", seconds: 10),
        Case(
            name: "a listing that trickles", arguments: ["tracks"],
            reply: { _, _ in .trickle(status: 200, headers: [:], body: listing(prefixes: ["data/COTA/"]), interval: 0.5)
            },
            statuses: [1], message: "B/s floor", seconds: 40),
        Case(
            name: "a GET body that trickles", arguments: load,
            reply: track { _ in
                .trickle(status: 200, headers: ["ETag": "\"abc\""], body: Array("lap,value\n1,2\n".utf8), interval: 0.5)
            },
            statuses: [1], message: "s3://b/data/T/R1_t_lap_time.csv", seconds: 40),
        Case(
            name: "a GET body that never ends", arguments: load,
            reply: track { _ in .endlessChunked(status: 200, headers: ["ETag": "\"abc\""], limit: 2 << 30) },
            statuses: [1], message: "no Content-Length", seconds: 10),
        Case(
            name: "a GET cut short of its Content-Length, every time", arguments: load,
            reply: track { _ in
                .dropMidBody(
                    status: 200, headers: ["ETag": "\"abc\""], contentLength: 1000, partial: Array("lap,value\n".utf8))
            },
            statuses: [1], message: "connection dropped", seconds: 30),
        Case(
            name: "500 for ever", arguments: ["tracks"],
            reply: { _, _ in
                .respond(status: 500, body: s3ErrorXML("InternalError", "We encountered an internal error."))
            },
            statuses: [1], message: "InternalError", seconds: 30),
        Case(
            name: "a redirect elsewhere", arguments: ["tracks"],
            reply: { _, _ in
                .respond(
                    status: 301, headers: ["Location": "http://169.254.169.254/"],
                    body: s3ErrorXML(
                        "PermanentRedirect",
                        "The bucket you are attempting to access must be addressed using the specified endpoint."))
            },
            statuses: [1], message: "PermanentRedirect", seconds: 10),
        Case(
            name: "an XML bomb for a listing", arguments: ["tracks"],
            reply: { _, _ in
                .respond(
                    status: 200,
                    body: Array(
                        "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">]><ListBucketResult>&lol2;</ListBucketResult>"
                            .utf8))
            },
            statuses: [1], message: "entity declarations are not", seconds: 10),
        Case(
            name: "a reset in the head", arguments: ["tracks"],
            reply: { _, _ in .raw(Array("HTTP/1.1 200 OK\r\nContent-Len".utf8)) },
            statuses: [1], message: "ListObjectsV2", seconds: 30),
        Case(
            name: "track folders named .., with a backslash, a newline or a tab", arguments: ["inventory", "--json"],
            reply: { request, _ in
                guard request.target.contains("prefix=data%2FCOTA%2F") || request.target.contains("prefix=data/COTA/")
                else {
                    return .respond(
                        status: 200,
                        body: listing(prefixes: [
                            "data/..%2F", "data/..", "data/a%5Cb/", "data/new%0Aline/", "data/tab%09bed/", "data/COTA/",
                        ]))
                }
                return .respond(status: 200, body: listing())
            },
            statuses: [3], message: "skipped", seconds: 10),
    ]

    @Test(arguments: cases)
    func endsBoundedWithAMessage(_ scenario: Case) throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: Self.binary.path), "build racedata first (swift build)")
        let server = try ScriptedServer(scenario.reply!)
        defer { server.stop() }
        let environment = [
            "PATH": "/usr/bin:/bin", "HOME": FileManager.default.temporaryDirectory.path,
            "USE_S3_DATA": "true", "S3_BUCKET_NAME": "b", "AWS_ENDPOINT_URL_S3": server.endpoint,
            "AWS_ACCESS_KEY_ID": "AKIAHOSTILE000000001", "AWS_SECRET_ACCESS_KEY": Self.secret,
            "S3_LOW_SPEED_TIME": "2", "S3_LOW_SPEED_LIMIT": "1024",
        ]
        let run = try MeasuredRun.run(
            Self.binary, scenario.arguments, environment: environment, timeout: scenario.seconds + 30)
        let said = run.stdout + run.stderr
        print(
            "hostile: \(scenario.name): exit \(run.status) in \(String(format: "%.1f", run.seconds)) s, peak \(String(format: "%.0f", run.peakRSSMiB)) MiB"
        )
        #expect(!run.timedOut && run.seconds < scenario.seconds, "\(scenario.name): \(run.seconds) s")
        #expect(run.peakRSSMiB < scenario.megabytes, "\(scenario.name): \(run.peakRSSMiB) MiB")
        #expect(scenario.statuses.contains(run.status), "\(scenario.name): exit \(run.status): \(said.suffix(600))")
        #expect(said.contains(scenario.message), "\(scenario.name): \(said.suffix(600))")
        #expect(!said.contains(Self.secret) && !said.contains("AKIAHOSTILE000000001"))
        if scenario.arguments.first == "inventory" {
            // Still one JSON document, with the good track's results and the refused names listed.
            let report = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
            #expect(report["tracks"] as? [String] == ["COTA"])
            #expect((report["skipped"] as? [[String: String]])?.count == 5, "\(report["skipped"] ?? "none")")
        }
    }

    /// Trees: a header of 200,000 columns, a field of 2 MiB, a folder named like a table, a FIFO and
    /// links that loop or leave the root where a table would be.
    @Test func hostileTreesEndWithAMessage() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("hostile-tree-\(UUID())")
        defer { try? FileManager.default.removeItem(at: root) }
        let track = root.appendingPathComponent("T")
        try FileManager.default.createDirectory(
            at: track.appendingPathComponent("R1_t_lap_start.csv"), withIntermediateDirectories: true)
        let wide =
            (0..<200_000).map { "c\($0)" }.joined(separator: ",") + "\n"
            + (0..<200_000).map { _ in "1" }.joined(separator: ",") + "\n"
        try Data(wide.utf8).write(to: track.appendingPathComponent("R1_t_telemetry.csv"))
        try Data(("lap,value\n1,\"" + String(repeating: "x", count: 2 << 20) + "\"\n").utf8).write(
            to: track.appendingPathComponent("R1_t_lap_time.csv"))
        mkfifo(track.appendingPathComponent("R1_t_lap_end.csv").path, 0o600)
        try FileManager.default.createSymbolicLink(
            atPath: track.appendingPathComponent("R2_t_lap_time.csv").path, withDestinationPath: "/etc/passwd")
        try FileManager.default.createSymbolicLink(
            atPath: track.appendingPathComponent("loop").path, withDestinationPath: track.path)
        try FileManager.default.createDirectory(
            at: root.appendingPathComponent("new\nline"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(
            at: root.appendingPathComponent("tab\tbed"), withIntermediateDirectories: true)
        var deep = track
        for i in 0..<60 { deep = deep.appendingPathComponent("d\(i)") }
        try FileManager.default.createDirectory(at: deep, withIntermediateDirectories: true)
        let environment = ["PATH": "/usr/bin:/bin", "USE_S3_DATA": "false", "DATA_DIR": root.path]
        for (arguments, message, status) in [
            (["load", "T", "R1", "telemetry", "--summary"], "columns, over the 16384", Int32(1)),
            (["load", "T", "R1", "lap_time", "--summary"], "field", 1),
            (["load", "T", "R1", "lap_start", "--summary"], "is a folder, not a CSV file", 1),
            (["load", "T", "R1", "lap_end", "--summary"], "No lap_end table", 1),
            (["load", "T", "R2", "lap_time", "--summary"], "No lap_time table", 1),
            (["inventory", "--json"], "\"errors\"", 3),
            (["tracks"], "skipped \"new\\nline\"", 3),
        ] {
            let run = try MeasuredRun.run(Self.binary, arguments, environment: environment, timeout: 60)
            let said = run.stdout + run.stderr
            print(
                "hostile tree: \(arguments.joined(separator: " ")): exit \(run.status) in \(String(format: "%.1f", run.seconds)) s, peak \(String(format: "%.0f", run.peakRSSMiB)) MiB"
            )
            #expect(!run.timedOut && run.seconds < 20, "\(arguments): \(run.seconds) s")
            #expect(run.peakRSSMiB < 300, "\(arguments): \(run.peakRSSMiB) MiB")
            #expect(
                run.status == status && said.contains(message), "\(arguments): exit \(run.status): \(said.suffix(400))")
            #expect(!said.contains("root:x:0:0"), "a link out of the root was followed")
        }
    }
}
