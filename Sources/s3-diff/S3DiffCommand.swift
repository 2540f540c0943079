import ArgumentParser
import CommandSupport
import Foundation
import MockS3Server
import S3Differential
import S3Kit
import S3Wire

@main
struct S3DiffCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "s3-diff",
        abstract:
            "Sends the same seeded S3 request sequences to mock-s3 and to other S3 servers and compares the answers.",
        discussion: """
            mock-s3 runs in-process. RGW is named by RGW_ENDPOINT, RGW_MAIN_KEY and RGW_MAIN_SECRET (scripts/rgw.sh start prints them); moto is started here (pip install 'moto[server]'). A divergence that no known difference explains (docs/differential.md) is shrunk to a short sequence and printed with its seed and a replay command; any makes the exit status 1.
            """)

    @Option(help: "Seeds to run: a range (1-200) or a list (3,17,40).") var seeds = "1-200"
    @Option(name: .customLong("new-seeds"), help: "Also this many seeds drawn at random (printed, to replay).")
    var newSeeds = 0
    @Option(help: "Steps per seed.") var ops = 50
    @Option(help: "Only these steps of each seed's sequence (indexes, as a divergence prints them).") var only: String?
    @Option(help: "Servers to compare mock-s3 with: rgw, moto, or both (rgw,moto).") var against = "rgw"
    @Option(
        help:
            "A shell command that restarts a server that stopped answering; S3_DIFF_SERVER names it (bash scripts/rgw.sh restart \"$RGW_DIR\" for RGW)."
    )
    var restart: String?
    @Flag(help: "Print the report as one JSON document.") var json = false

    func run() async throws {
        var seedList = try Self.parse(seeds: seeds)
        for _ in 0..<max(0, newSeeds) { seedList.append(UInt64.random(in: 1_000...UInt64(UInt32.max))) }
        let onlySteps = try only.map { text in
            try text.split(separator: ",").map { part in
                guard let index = Int(part.trimmingCharacters(in: .whitespaces)), index >= 0 else {
                    throw CommandFailure(
                        "--only takes step indexes such as 0,4,17; \"\(part)\" is not one.", exitCode: 2)
                }
                return index
            }
        }

        var configuration = MockS3Server.Configuration()
        configuration.threads = 2
        let mock = try await MockS3Server(configuration: configuration)
        let key = MockS3Server.defaultCredential
        let reference = try DiffEndpoint(
            name: "mock", url: mock.endpoint,
            credentials: Credentials(accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey))
        var others: [DiffEndpoint] = []
        var moto: pid_t?
        for name in against.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            switch name {
            case "rgw": others.append(try Self.rgw())
            case "moto":
                let (process, endpoint) = try Self.startMoto()
                moto = process
                others.append(endpoint)
            default: throw CommandFailure("--against takes rgw, moto or rgw,moto; not \(name).", exitCode: 2)
            }
        }
        defer { moto.map(ChildProcess.stop) }

        let names = others.map(\.name).joined(separator: " and ")
        if newSeeds > 0 {
            note("new seeds this run: \(seedList.suffix(newSeeds).map(String.init).joined(separator: ", "))")
        }
        note("\(seedList.count) seeds × \(ops) steps, mock-s3 against \(names)")
        var runner = DifferentialRunner(reference: reference, others: others, known: KnownDifferences.all, length: ops)
        if let restart {
            runner.restart = { endpoint in
                FileHandle.standardError.write(
                    Data("s3-diff: \(endpoint.name) stopped answering; restarting it\n".utf8))
                return Self.shell(restart, environment: ["S3_DIFF_SERVER": endpoint.name]) == 0
            }
        }
        let terminal = isatty(STDERR_FILENO) == 1
        let report = await runner.run(seeds: seedList, only: onlySteps) { seed, report in
            guard terminal else { return }
            FileHandle.standardError.write(
                Data(
                    "\r\u{1B}[Kseed \(seed): \(report.operations) operations, \(report.divergences.count) divergences"
                        .utf8))
        }
        if terminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        try await mock.stop()
        if json { print(jsonReport(report)) } else { printReport(report) }
        if !report.divergences.isEmpty { throw ExitCode(1) }
    }

    func note(_ line: String) {
        FileHandle.standardError.write(Data("s3-diff: \(line)\n".utf8))
    }

    func replay(_ divergence: DifferentialRunner.Divergence) -> String {
        "swift run s3-diff --against \(divergence.server) --ops \(ops) --seeds \(divergence.seed) --only "
            + divergence.steps.map(String.init).joined(separator: ",")
    }

    func printReport(_ report: DifferentialRunner.Report) {
        let rate = report.seconds > 0 ? Double(report.operations) / report.seconds : 0
        print(
            "\(report.seeds.count) seeds, \(report.operations) operations compared in \(String(format: "%.1f", report.seconds)) s (\(Int(rate)) a second)"
        )
        for (id, count) in report.known.sorted(by: { $0.key < $1.key }) { print("  known difference \(id): \(count)") }
        for crash in report.crashes {
            print(
                "  \(crash.server) stopped answering at step \(crash.step) of seed \(crash.seed) (\(crash.request))"
                    + (crash.restarted ? "; restarted" : "; not restarted, so compared no further"))
        }
        for divergence in report.divergences {
            print("DIVERGENCE seed \(divergence.seed), mock-s3 against \(divergence.server):")
            for difference in divergence.differences {
                print(
                    "  \(difference.field)\n    mock: \(difference.mock)\n    \(divergence.server): \(difference.other)"
                )
            }
            print("  minimal sequence (\(divergence.steps.count) steps):")
            for (index, step) in zip(divergence.steps, divergence.sequence) { print("    [\(index)] \(step)") }
            print("  replay: \(replay(divergence))")
        }
        print(
            report.divergences.isEmpty
                ? "no unexplained divergence" : "\(report.divergences.count) unexplained divergences")
    }

    func jsonReport(_ report: DifferentialRunner.Report) -> String {
        let document: [String: Any] = [
            "seeds": report.seeds.map { NSNumber(value: $0) }, "operations": report.operations,
            "seconds": report.seconds, "known": report.known,
            "crashes": report.crashes.map {
                [
                    "seed": NSNumber(value: $0.seed), "server": $0.server, "step": $0.step,
                    "request": $0.request.description,
                    "restarted": $0.restarted,
                ] as [String: Any]
            },
            "divergences": report.divergences.map { d in
                [
                    "seed": NSNumber(value: d.seed), "server": d.server, "steps": d.steps,
                    "sequence": d.sequence.map(\.description), "replay": replay(d),
                    "differences": d.differences.map { ["field": $0.field, "mock": $0.mock, d.server: $0.other] },
                ] as [String: Any]
            },
        ]
        let data = (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    static func parse(seeds text: String) throws -> [UInt64] {
        var out: [UInt64] = []
        for part in text.split(separator: ",") {
            let bounds = part.split(separator: "-").map { UInt64($0.trimmingCharacters(in: .whitespaces)) }
            switch bounds.count {
            case 1 where bounds[0] != nil: out.append(bounds[0]!)
            case 2 where bounds[0] != nil && bounds[1] != nil && bounds[0]! <= bounds[1]!:
                out += Array(bounds[0]!...bounds[1]!)
            default:
                throw CommandFailure("--seeds takes a range (1-200) or a list (3,17,40); not \"\(part)\".", exitCode: 2)
            }
        }
        return out
    }

    static func rgw() throws -> DiffEndpoint {
        let environment = ProcessInfo.processInfo.environment
        guard let url = environment.setting("RGW_ENDPOINT"), let key = environment.setting("RGW_MAIN_KEY"),
            let secret = environment.setting("RGW_MAIN_SECRET")
        else {
            throw CommandFailure(
                "--against rgw needs RGW_ENDPOINT, RGW_MAIN_KEY and RGW_MAIN_SECRET: start one with eval \"$(bash scripts/rgw.sh start)\".",
                exitCode: 2)
        }
        return try DiffEndpoint(
            name: "rgw", url: url, credentials: Credentials(accessKeyId: key, secretAccessKey: secret))
    }

    /// Runs a shell command to its end; its exit status, or -1 when it could not start or was killed.
    static func shell(_ command: String, environment extra: [String: String]) -> Int32 {
        guard let pid = ChildProcess.spawn(["/bin/sh", "-c", command], environment: extra, quiet: false) else {
            return -1
        }
        return ChildProcess.wait(pid)
    }

    /// moto_server on a free loopback port, until this command ends (stop it with `ChildProcess.stop`).
    static func startMoto() throws -> (pid_t, DiffEndpoint) {
        let port = 20_000 + Int.random(in: 0..<20_000)
        guard
            let pid = ChildProcess.spawn(
                ["/usr/bin/env", "python3", "-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)],
                environment: [:],
                quiet: true)
        else { throw CommandFailure("python3 could not be started to run moto_server.", exitCode: 2) }
        for _ in 0..<100 {
            if (try? LoopbackProbe.answers(port: port)) == true {
                return (
                    pid,
                    try DiffEndpoint(
                        name: "moto", url: "http://127.0.0.1:\(port)",
                        credentials: Credentials(accessKeyId: "testing", secretAccessKey: "testing"))
                )
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        ChildProcess.stop(pid)
        throw CommandFailure("moto_server did not start: pip install 'moto[server]'.", exitCode: 2)
    }
}

enum LoopbackProbe {
    static func answers(port: Int) throws -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}
