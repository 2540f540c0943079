import S3Wire

/// One tag of an object's or a bucket's tag set.
public struct Tag: Sendable, Codable, Equatable {
    public var key: String
    public var value: String

    public init(_ key: String, _ value: String) {
        self.key = key
        self.value = value
    }
}

/// Tag sets as S3 takes them.
extension Tag {
    /// At most `limit` tags (10 on an object, 50 on a bucket), keys of 1 to 128 characters and
    /// unique, values of at most 256.
    static func validated(_ tags: [Tag], limit: Int) throws(S3ServerError) -> [Tag] {
        guard tags.count <= limit else { throw .invalidTag("Object tags cannot be greater than \(limit)") }
        guard Set(tags.map(\.key)).count == tags.count else {
            throw .invalidTag("Cannot provide multiple Tags with the same key")
        }
        for tag in tags {
            guard (1...128).contains(tag.key.count) else {
                throw .invalidTag("The TagKey you have provided is invalid")
            }
            guard tag.value.count <= 256 else { throw .invalidTag("The TagValue you have provided is invalid") }
        }
        return tags
    }

    /// `<Tagging><TagSet><Tag><Key>…</Key><Value>…</Value></Tag>…</TagSet></Tagging>`.
    static func set(in root: XML.Element, limit: Int) throws(S3ServerError) -> [Tag] {
        guard root.name == "Tagging", let set = root.child("TagSet") else { throw .malformedXML }
        var tags: [Tag] = []
        for tag in set.children("Tag") {
            guard let key = tag.value("Key") else { throw .malformedXML }
            tags.append(Tag(key, tag.value("Value") ?? ""))
        }
        return try validated(tags, limit: limit)
    }

    /// `x-amz-tagging: a=1&b=2`, URL-encoded as a query.
    static func set(header text: String) throws(S3ServerError) -> [Tag] {
        var tags: [Tag] = []
        for pair in text.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                .map { String($0).replacingOccurrences(of: "+", with: " ") }
            guard let key = URIEncoding.decode(parts[0]),
                let value = URIEncoding.decode(parts.count > 1 ? parts[1] : "")
            else { throw .invalidTaggingHeader(text) }
            tags.append(Tag(key, value))
        }
        return try validated(tags, limit: 10)
    }

    /// The tag set as S3 gives it back: by key, whatever order it was sent in.
    static func xml(_ tags: [Tag]) -> String {
        var document = XMLWriter(root: "Tagging")
        document.element("TagSet") { set in
            for tag in tags.sorted(by: { KeyOrder.precedes($0.key, $1.key) }) {
                set.element("Tag") {
                    $0.element("Key", tag.key)
                    $0.element("Value", tag.value)
                }
            }
        }
        return document.finish()
    }
}
