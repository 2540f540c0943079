import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A program run to its end (or killed at `timeout`), with what it printed, how long it took and
/// its peak memory, for tests that bound both. The peak is the kernel's high-water mark of the
/// program's own memory (VmHWM, read every 20 ms): wait4's ru_maxrss would also count the test
/// process the child was spawned from.
public struct MeasuredRun: Sendable {
    public var status: Int32
    public var timedOut: Bool
    public var seconds: Double
    public var peakRSSMiB: Double
    public var stdout: String
    public var stderr: String

    /// Runs `executable` with `arguments` and exactly `environment`.
    public static func run(
        _ executable: URL, _ arguments: [String], environment: [String: String], timeout: TimeInterval
    ) throws -> MeasuredRun {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("measured-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let out = directory.appendingPathComponent("out").path
        let err = directory.appendingPathComponent("err").path
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv = ([executable.path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let started = Date()
        let spawned = posix_spawn(&pid, executable.path, &actions, nil, argv, envp)
        guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EIO) }
        var status: Int32 = 0
        var usage = rusage()
        var timedOut = false
        var peakKiB = 0
        while wait4(pid, &status, WNOHANG, &usage) == 0 {
            if let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
                let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
                let kib = Int(line.split(separator: " ").dropFirst().first ?? "")
            {
                peakKiB = max(peakKiB, kib)
            }
            if Date().timeIntervalSince(started) > timeout, !timedOut {
                timedOut = true
                kill(pid, SIGKILL)
            }
            usleep(20_000)
        }
        let seconds = Date().timeIntervalSince(started)
        let exit = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return MeasuredRun(
            status: exit, timedOut: timedOut, seconds: seconds, peakRSSMiB: Double(peakKiB) / 1024,
            stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
    }
}
