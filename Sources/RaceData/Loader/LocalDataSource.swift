import Foundation
import S3Kit
import S3Wire

/// The data tree on disk: `root/{track}/…/{file}.csv`.
public struct LocalDataSource: DataSource {
    public let root: URL
    public var name: String { "local \(root.path)" }
    /// Files deeper than this under a track are not looked at (the real tree goes 3 deep).
    public var maxDepth = 6
    public var limits: LoadLimits

    public init(root: URL, limits: LoadLimits = .standard) {
        self.root = root.standardizedFileURL
        self.limits = limits
    }

    public func trackListing() async throws(DataError) -> TrackListing {
        let entries: [String]
        do { entries = try FileManager.default.contentsOfDirectory(atPath: root.path) } catch {
            throw .file(path: root.path, reason: "the data folder does not exist or cannot be listed")
        }
        return TrackListing(
            names: entries.filter { name in
                var isDirectory: ObjCBool = false
                return !name.hasPrefix(".") && !FileNaming.isJunk(name + "/x")
                    && FileManager.default.fileExists(
                        atPath: root.appendingPathComponent(name).path, isDirectory: &isDirectory)
                    && isDirectory.boolValue
            })
    }

    /// Every file under the track, as paths relative to it; nil if the track folder does not exist.
    /// Symbolic links are not followed, so nothing outside the root is ever read.
    func files(track: String) throws(DataError) -> [String]? {
        try FileNaming.validateTrack(track)
        let base = root.appendingPathComponent(track, isDirectory: true)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: base.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            return nil
        }
        var result: [String] = []
        FileTree.walk(base, maxDepth: maxDepth) { entry in
            if entry.type == .typeRegular { result.append(entry.path) }
            return entry.type == .typeDirectory
        }
        return result
    }

    /// Folders named like the table's file (`Race 1/R1_x_lap_start.csv/`), which are never read as tables.
    public func whyMissing(track: String, session: Session, kind: TableKind) async -> String? {
        guard (try? FileNaming.validateTrack(track)) != nil else { return nil }
        var folders: [String] = []
        FileTree.walk(root.appendingPathComponent(track, isDirectory: true), maxDepth: maxDepth) { entry in
            guard entry.type == .typeDirectory else { return false }
            if let found = FileNaming.classify(fileName: entry.url.lastPathComponent), found.session == session,
                found.kind == kind
            {
                folders.append(entry.path)
            }
            return true
        }
        guard !folders.isEmpty else { return nil }
        return folders.map { "\(track)/\($0) is a folder, not a CSV file" }.joined(separator: "; ")
    }

    public func sessions(track: String) async throws(DataError) -> [Session]? {
        guard let files = try files(track: track) else { return nil }
        return FileNaming.sessions(files)
    }

    public func locate(track: String, session: Session, kind: TableKind) async throws(DataError) -> String? {
        guard let files = try files(track: track) else { return nil }
        return FileNaming.choose(files, session: session, kind: kind)
    }

    public func load(track: String, session: Session, kind: TableKind, filter: TelemetryFilter) async throws(DataError)
        -> LoadedTable?
    {
        guard let relative = try await locate(track: track, session: session, kind: kind) else {
            loaderLog.info("no \(kind) file for \(track) \(session) under \(root.path)")
            return nil
        }
        let path = root.appendingPathComponent(track).appendingPathComponent(relative).path
        var info = stat()
        let size = stat(path, &info) == 0 ? Int(info.st_size) : nil
        let table = try await TableAssembler.assemble(
            source: path, kind: kind, filter: filter, limits: limits, expectedBytes: size
        ) {
            (assembler: inout TableAssembler) throws(DataError) in
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw .file(path: path, reason: String(cString: strerror(errno))) }
            defer { close(fd) }
            // Read straight into the assembler's block buffer: no copy of our own.
            while try assembler.feed(reading: { (space: UnsafeMutableRawBufferPointer) throws(DataError) -> Int in
                let n = read(fd, space.baseAddress, min(space.count, TableAssembler.readSize))
                if n < 0 { throw .file(path: path, reason: String(cString: strerror(errno))) }
                return n
            }) {}
        }
        if table.names.isEmpty { loaderLog.warning("\(path) is empty") }
        return LoadedTable(location: "\(track)/\(relative)", table: table)
    }
}
