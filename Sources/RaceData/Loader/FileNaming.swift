/// The naming rules (docs/dataset.md): how a file name says which session and table it holds, which
/// files are junk, and which track or session arguments are safe.
public enum FileNaming {
    /// macOS AppleDouble files, Finder and Explorer droppings, and anything under `__MACOSX/`.
    public static func isJunk(_ relativePath: String) -> Bool {
        let components = relativePath.split(separator: "/")
        guard let name = components.last else { return true }
        if components.contains("__MACOSX") { return true }
        return isJunkName(name.lowercased())
    }

    private static func isJunkName(_ lowercasedName: String) -> Bool {
        lowercasedName.hasPrefix("._")
            || ["ds_store", ".ds_store", "thumbs.db", "desktop.ini"].contains(lowercasedName)
    }

    /// Splits a name into lower-case words at `_`, `-`, spaces and dots.
    static func words(_ name: String) -> [Substring] { words(lowercased: name.lowercased()) }

    private static func words<S: StringProtocol>(lowercased name: S) -> [S.SubSequence] {
        name.split { $0 == "_" || $0 == "-" || $0 == " " || $0 == "." }
    }

    /// The session and table a CSV file name announces, by rule: the session token is the first
    /// or the last word; `lap start` (or `lap start time`), `lap end` (or `lap end time`), `lap time`
    /// or `telemetry` appear as words; the track part may be anything. nil for any other file.
    public static func classify(fileName: String) -> (session: Session, kind: TableKind)? {
        let lower = fileName.lowercased()
        guard lower.hasSuffix(".csv"), !(lower.contains("/") ? isJunk(fileName) : isJunkName(lower)) else {
            return nil
        }
        let w = words(lowercased: lower.dropLast(4))
        guard let first = w.first, let last = w.last else { return nil }
        guard let session = Session(String(first)) ?? Session(String(last)) else { return nil }
        var kinds: Set<TableKind> = []
        for i in w.indices {
            if w[i] == "telemetry" { kinds.insert(.telemetry) }
            if w[i] == "lap", i + 1 < w.count {
                switch w[i + 1] {
                case "start": kinds.insert(.lap(.lapStart))
                case "end": kinds.insert(.lap(.lapEnd))
                case "time": kinds.insert(.lap(.lapTime))
                default: break
                }
            }
        }
        guard kinds.count == 1 else { return nil }
        return (session, kinds.first!)
    }

    /// The best file for (session, kind) among a track's files (paths relative to the track folder):
    /// the shallowest match first, then the shortest name, then byte order of the path.
    public static func choose(_ paths: [String], session: Session, kind: TableKind) -> String? {
        paths.filter { path in
            guard let found = classify(path: path) else { return false }
            return found.session == session && found.kind == kind
        }.min { a, b in
            let (da, db) = (a.split(separator: "/").count, b.split(separator: "/").count)
            if da != db { return da < db }
            if a.utf8.count != b.utf8.count { return a.utf8.count < b.utf8.count }
            return a.utf8.lexicographicallyPrecedes(b.utf8)
        }
    }

    /// What the file at a path relative to a track holds: its name classified, nil under `__MACOSX/`.
    static func classify(path: String) -> (session: Session, kind: TableKind)? {
        let name = path.lastIndex(of: "/").map { String(path[path.index(after: $0)...]) } ?? path
        guard !name.isEmpty, let found = classify(fileName: name) else { return nil }
        return path.utf8.count == name.utf8.count || !path.split(separator: "/").contains("__MACOSX") ? found : nil
    }

    /// The sessions a track's files mention: from lap-start files, else from lap-time files.
    public static func sessions(_ paths: [String]) -> [Session] {
        var starts: Set<Session> = []
        var times: Set<Session> = []
        for path in paths {
            guard let found = classify(path: path) else { continue }
            if found.kind == .lap(.lapStart) { starts.insert(found.session) }
            if found.kind == .lap(.lapTime) { times.insert(found.session) }
        }
        return (starts.isEmpty ? times : starts).sorted()
    }

    /// A track name is one folder name: not empty, not `.` or `..`, no slash, backslash, control
    /// character (NUL, newline, tab, …) or encoded slash. Anything else is refused before it reaches
    /// a path or a key.
    public static func validateTrack(_ track: String) throws(DataError) {
        let lower = track.lowercased()
        guard !track.isEmpty, track != ".", track != "..", !track.contains("/"), !track.contains("\\"),
            !track.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }), !lower.contains("%2f"), !lower.contains("%5c"),
            !track.hasPrefix("~"), track.utf8.count <= 255
        else {
            throw .invalidArgument(
                "\(track.debugDescription) is not a track name: a track is one folder name under the data root (no `..`, slash, backslash or control character)."
            )
        }
    }

    public static func validateSession(_ text: String) throws(DataError) -> Session {
        guard let session = Session(text) else {
            throw .invalidArgument("\"\(text)\" is not a session: sessions are R1, R2, … (R followed by a number).")
        }
        return session
    }

    /// Keys to try, in order, when a track cannot be listed (a GET-only policy or anonymous access):
    /// the real tree's conventions (docs/dataset.md) over aliases derived from the track name by rule (as is, lower
    /// and upper case, underscores, first word, initials), in the folders those conventions use.
    /// Conventions whose track part cannot be derived from the folder name are found only by listing.
    public static func candidates(track: String, session: Session, kind: TableKind) -> [String] {
        let parts = words(track).map(String.init)
        let lower = parts.joined(separator: "_")
        var aliases = [track, lower, lower.uppercased()]
        if let first = parts.first { aliases += [first, first.uppercased()] }
        if parts.count > 1 {
            let initials = String(parts.compactMap(\.first))
            aliases += [initials, initials.uppercased()]
        }
        aliases = unique(aliases)
        let titled = parts.map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(separator: " ")
        let n = session.number
        var folders = ["", "Race \(n)/", "race \(n)/"]
        for alias in unique([
            titled, parts.first.map { $0.prefix(1).uppercased() + $0.dropFirst() } ?? "", lower.uppercased(),
            parts.count > 1 ? String(parts.compactMap(\.first)).uppercased() : "", parts.first ?? "",
        ]) where !alias.isEmpty {
            folders += ["\(alias)/", "\(alias)/Race \(n)/"]
        }
        let forms: [String] =
            switch kind {
            case .lap(.lapStart): ["lap_start", "lap_start_time"]
            case .lap(.lapEnd): ["lap_end", "lap_end_time"]
            case .lap(.lapTime): ["lap_time"]
            case .telemetry: ["telemetry_data", "telemetry"]
            }
        var names: [String] = []
        for alias in aliases {
            for form in forms {
                names += ["\(session.token)_\(alias)_\(form).csv", "\(alias)_\(form)_\(session.token).csv"]
            }
        }
        return unique(folders.flatMap { folder in names.map { folder + $0 } })
    }

    static func unique(_ items: [String]) -> [String] {
        var seen: Set<String> = []
        return items.filter { seen.insert($0).inserted }
    }
}
