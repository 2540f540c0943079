extension Step: CustomStringConvertible {
    /// One line, keys quoted with Swift's escapes (so a control character shows).
    public var description: String {
        func key(_ index: Int) -> String { KeyPool.keys[index].debugDescription }
        func pairs(_ list: [Pair]) -> String {
            "{" + list.map { "\($0.name)=\($0.value.debugDescription)" }.joined(separator: ", ") + "}"
        }
        func listing(_ l: Listing) -> String {
            var parts: [String] = []
            if let p = l.prefix { parts.append("prefix=\(p.debugDescription)") }
            if let d = l.delimiter { parts.append("delimiter=\(d.debugDescription)") }
            if let m = l.maxKeys { parts.append("max-keys=\(m)") }
            if let a = l.after { parts.append("after=\(key(a))") }
            if l.urlEncoding { parts.append("encoding-type=url") }
            return parts.joined(separator: " ")
        }
        let detail: String
        switch self {
        case .createBucket(let b, let location): detail = "b\(b)" + (location.map { " LocationConstraint=\($0)" } ?? "")
        case .deleteBucket(let b), .headBucket(let b): detail = "b\(b)"
        case .putVersioning(let b, let enabled): detail = "b\(b) \(enabled ? "Enabled" : "Suspended")"
        case .putObject(let b, let k, let body, let metadata, let contentType, let ifNoneMatch):
            detail =
                "b\(b) \(key(k)) \(body.size) bytes" + (metadata.isEmpty ? "" : " meta\(pairs(metadata))")
                + (contentType.map { " Content-Type=\($0)" } ?? "") + (ifNoneMatch ? " If-None-Match=*" : "")
        case .getObject(let b, let k, let range, let condition, let version):
            detail =
                "b\(b) \(key(k))" + (range.map { " Range=\($0)" } ?? "") + (condition.map { " \($0)" } ?? "")
                + (version.map { " version#\($0)" } ?? "")
        case .headObject(let b, let k, let condition, let version):
            detail = "b\(b) \(key(k))" + (condition.map { " \($0)" } ?? "") + (version.map { " version#\($0)" } ?? "")
        case .copyObject(let b, let from, let to, let replacing):
            detail = "b\(b) \(key(from)) -> \(key(to))" + (replacing.map { " REPLACE meta\(pairs($0))" } ?? "")
        case .deleteObject(let b, let k, let version):
            detail = "b\(b) \(key(k))" + (version.map { " version#\($0)" } ?? "")
        case .deleteObjects(let b, let keys, let quiet):
            detail = "b\(b) [\(keys.map(key).joined(separator: ", "))]" + (quiet ? " quiet" : "")
        case .listV1(let b, let l): detail = "b\(b) \(listing(l))"
        case .listV2(let b, let l, let continueLast): detail = "b\(b) \(listing(l))" + (continueLast ? " continue" : "")
        case .listVersions(let b, let prefix, let maxKeys):
            detail =
                "b\(b)" + (prefix.map { " prefix=\($0.debugDescription)" } ?? "")
                + (maxKeys.map { " max-keys=\($0)" } ?? "")
        case .createUpload(let b, let k): detail = "b\(b) \(key(k))"
        case .uploadPart(let u, let part, let size): detail = "upload#\(u) part \(part), \(size) bytes"
        case .listParts(let u), .abortUpload(let u): detail = "upload#\(u)"
        case .listUploads(let b, let prefix): detail = "b\(b)" + (prefix.map { " prefix=\($0.debugDescription)" } ?? "")
        case .completeUpload(let u, let completion): detail = "upload#\(u) \(completion)"
        case .putTagging(let b, let k, let tags): detail = "b\(b) \(key(k)) \(pairs(tags))"
        case .getTagging(let b, let k), .deleteTagging(let b, let k), .getACL(let b, let k): detail = "b\(b) \(key(k))"
        case .putACL(let b, let k, let canned): detail = "b\(b) \(key(k)) \(canned)"
        }
        return operation + " " + detail
    }
}
