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
        var attributes: [FileAttributeKey: Any]
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
                let attributes = (try? FileManager.default.attributesOfItem(atPath: url.path)) ?? [:]
                let entry = Entry(
                    path: path, url: url, type: attributes[.type] as? FileAttributeType, attributes: attributes)
                if visit(entry), entry.type == .typeDirectory, depth + 1 < maxDepth {
                    pending.append((path, depth + 1))
                }
            }
        }
    }
}
