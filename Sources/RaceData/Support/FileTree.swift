import Foundation

/// The one walk of a local tree (the uploader's plan, the local source's files): depth first, names
/// sorted within a folder, symbolic links reported and never followed, so nothing outside the root
/// is ever read.
enum FileTree {
    struct Entry {
        /// Relative to the root, `/`-separated.
        var path: String
        var url: URL
        /// nil when the entry cannot be examined.
        var type: FileAttributeType?
        var size: UInt64
        var modified: Date
    }

    /// Calls `visit` for every entry; a folder is entered when `visit` says so and it is less than
    /// `maxDepth` folders below the root. `unreadable` hears of folders that cannot be listed ("" is the root).
    static func walk(_ root: URL, maxDepth: Int = .max, unreadable: (String) -> Void = { _ in }, visit: (Entry) -> Bool)
    {
        var pending: [(path: String, depth: Int)] = [("", 0)]
        while let (relative, depth) = pending.popLast() {
            let folder = relative.isEmpty ? root : root.appendingPathComponent(relative, isDirectory: true)
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else {
                unreadable(relative)
                continue
            }
            for name in names.sorted() {
                let path = relative.isEmpty ? name : "\(relative)/\(name)"
                let url = folder.appendingPathComponent(name)
                let entry = examine(url, path: path)
                if visit(entry), entry.type == .typeDirectory, depth + 1 < maxDepth {
                    pending.append((path, depth + 1))
                }
            }
        }
    }

    /// One `lstat` (links not followed): FileManager's attributes would also look up the owner's and
    /// group's names, reading the user and group databases for every file of every load.
    static func examine(_ url: URL, path: String) -> Entry {
        var info = stat()
        guard lstat(url.path, &info) == 0 else {
            return Entry(path: path, url: url, type: nil, size: 0, modified: .distantPast)
        }
        let type: FileAttributeType =
            switch info.st_mode & S_IFMT {
            case S_IFDIR: .typeDirectory
            case S_IFREG: .typeRegular
            case S_IFLNK: .typeSymbolicLink
            case S_IFCHR: .typeCharacterSpecial
            case S_IFBLK: .typeBlockSpecial
            case S_IFSOCK: .typeSocket
            default: .typeUnknown
            }
        let modified = Date(
            timeIntervalSince1970: TimeInterval(info.st_mtim.tv_sec) + TimeInterval(info.st_mtim.tv_nsec) / 1e9)
        return Entry(path: path, url: url, type: type, size: UInt64(info.st_size), modified: modified)
    }
}
