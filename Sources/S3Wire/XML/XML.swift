/// S3's XML: a small, strict reader (`parse`) for S3's answers and requests, and the escaping
/// `XMLWriter` uses. The reader refuses DTDs (no entity expansion, no external entities), caps
/// nesting, and knows only the five predefined and numeric entities.
public enum XML {
    public static let maxDepth = 32

    /// An element as read: its name (namespace prefix dropped), attributes, children and text.
    public struct Element: Sendable, Equatable {
        public var name: String
        public var attributes: [String: String] = [:]
        public var children: [Element] = []
        public var text: String = ""

        public func child(_ name: String) -> Element? { children.first { $0.name == name } }
        public func children(_ name: String) -> [Element] { children.filter { $0.name == name } }
        /// The text of the first child of that name.
        public func value(_ name: String) -> String? { child(name)?.text }
    }

    public static func parse(_ bytes: [UInt8]) throws(XMLError) -> Element {
        var reader = Reader(bytes: bytes)
        return try reader.document()
    }

    /// Escapes text for element content and attribute values.
    public static func escape(_ text: String) -> String {
        // Most text (keys, codes, dates) has nothing to escape: a byte scan decides. Every character
        // escaped is ASCII, so working on UTF-8 bytes leaves the others as they are.
        guard text.utf8.contains(where: { entity($0) != nil }) else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 16)
        for byte in text.utf8 {
            if let entity = entity(byte) { out += entity.utf8 } else { out.append(byte) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func entity(_ byte: UInt8) -> String? {
        switch byte {
        case UInt8(ascii: "&"): "&amp;"
        case UInt8(ascii: "<"): "&lt;"
        case UInt8(ascii: ">"): "&gt;"
        case UInt8(ascii: "\""): "&quot;"
        case UInt8(ascii: "'"): "&apos;"
        case UInt8(ascii: "\r"): "&#13;"
        default: nil
        }
    }
}

public struct XMLError: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public var offset: Int
    public var description: String { "malformed XML at byte \(offset): \(reason)" }
}
