/// Listings: current versions in key order, and every version of each key.
extension CatalogStore {
    public func list(_ bucket: String, prefix: String, delimiter: String?, after: String?, maxKeys: Int)
        throws(S3ServerError) -> ListResult
    {
        try withBucket(bucket) { b in
            var result = ListResult()
            guard maxKeys > 0 else { return result }  // S3: an empty page, not truncated
            var index = b.lowerBound(prefix)
            if let after, !after.isEmpty, !KeyOrder.precedes(after, prefix) {
                index = b.lowerBound(after)
                if index < b.sortedKeys.count && b.sortedKeys[index] == after { index += 1 }
            }
            var count = 0
            while index < b.sortedKeys.count {
                let key = b.sortedKeys[index]
                guard key.utf8.starts(with: prefix.utf8) else { break }
                let commonPrefix = KeyOrder.commonPrefix(key, prefix: prefix, delimiter: delimiter)
                if count == maxKeys {
                    result.isTruncated = true
                    break
                }
                if let commonPrefix {
                    // A marker inside this group (from the previous page) means the group was already given.
                    if after.map({ $0.utf8.starts(with: commonPrefix.utf8) }) != true {
                        result.commonPrefixes.append(commonPrefix)
                        result.lastReturned = commonPrefix
                        count += 1
                    }
                    index = b.lowerBound(KeyOrder.successor(commonPrefix))
                } else {
                    result.objects.append(b.objects[key]!)
                    result.lastReturned = key
                    count += 1
                    index += 1
                }
            }
            return result
        }
    }

    public func listVersions(
        _ bucket: String, prefix: String, delimiter: String?, keyMarker: String?, versionIdMarker: String?,
        maxKeys: Int
    ) throws(S3ServerError) -> VersionListResult {
        try withBucket(bucket) { b in
            var result = VersionListResult()
            guard maxKeys > 0 else { return result }
            // Keys with a version: the current objects', and those whose newest version is a marker.
            var keys = b.sortedKeys.filter { $0.utf8.starts(with: prefix.utf8) }
            let markedOnly = b.older.keys.filter { b.objects[$0] == nil && $0.utf8.starts(with: prefix.utf8) }
            if !markedOnly.isEmpty { keys = (keys + markedOnly).sorted(by: KeyOrder.precedes) }
            var count = 0
            var lastPrefix: String?
            for key in keys {
                if let keyMarker, !keyMarker.isEmpty {
                    if KeyOrder.precedes(key, keyMarker) { continue }
                    if key == keyMarker && (versionIdMarker ?? "").isEmpty { continue }
                }
                if let commonPrefix = KeyOrder.commonPrefix(key, prefix: prefix, delimiter: delimiter) {
                    if commonPrefix == lastPrefix || keyMarker.map({ $0.utf8.starts(with: commonPrefix.utf8) }) == true
                    {
                        continue
                    }
                    if count == maxKeys {
                        result.isTruncated = true
                        break
                    }
                    result.commonPrefixes.append(commonPrefix)
                    lastPrefix = commonPrefix
                    result.nextKeyMarker = commonPrefix
                    result.nextVersionIdMarker = nil
                    count += 1
                    continue
                }
                var versions = b.chain(key)[...]
                let latest = versions.first?.versionId
                if key == keyMarker, let versionIdMarker, !versionIdMarker.isEmpty {
                    guard let i = versions.firstIndex(where: { $0.versionId == versionIdMarker }) else { continue }
                    versions = versions[(i + 1)...]
                }
                for version in versions {
                    if count == maxKeys {
                        result.isTruncated = true
                        break
                    }
                    result.versions.append((version, version.versionId == latest))
                    result.nextKeyMarker = key
                    result.nextVersionIdMarker = version.versionId
                    count += 1
                }
                if result.isTruncated { break }
            }
            return result
        }
    }
}
