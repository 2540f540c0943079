import Foundation

/// S3's URI encoding: every byte but `A-Z a-z 0-9 - _ . ~` becomes `%XX` (upper-case hex), over UTF-8.
/// Paths keep `/`; S3 object keys are encoded exactly once (unlike other AWS services).
public enum URIEncoding {
    private static let hex = Array("0123456789ABCDEF".utf8)

    public static func encode(_ string: String, keepSlash: Bool) -> String {
        var out = [UInt8]()
        out.reserveCapacity(string.utf8.count + 8)
        append(string, keepSlash: keepSlash, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Bytes that stay as they are: `A-Z a-z 0-9 - _ . ~` (and `/` in paths, decided by the caller).
    private static let unreserved: [Bool] = (0...255).map { (byte: Int) -> Bool in
        switch UInt8(byte) {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"): true
        default: false
        }
    }

    private static func append(_ string: String, keepSlash: Bool, to out: inout [UInt8]) {
        let table = unreserved
        let keep = { (byte: UInt8) in table[Int(byte)] || (keepSlash && byte == UInt8(ascii: "/")) }
        // Most names and values need no escape at all: copy them whole.
        if string.utf8.allSatisfy(keep) { out.append(contentsOf: string.utf8); return }
        for byte in string.utf8 {
            if keep(byte) {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0f)])
            }
        }
    }

    /// Parameters sorted by encoded name, then encoded value, joined with `&`.
    public static func canonicalQuery(_ items: [RequestTarget.QueryItem]) -> String {
        // Encoded text is ASCII, so comparing bytes is S3's order; the pairs are built as bytes once.
        var pairs: [(name: [UInt8], value: [UInt8])] = items.map {
            var name = [UInt8](), value = [UInt8]()
            append($0.name, keepSlash: false, to: &name)
            append($0.value, keepSlash: false, to: &value)
            return (name, value)
        }
        pairs.sort { a, b in a.name == b.name ? a.value.lexicographicallyPrecedes(b.value) : a.name.lexicographicallyPrecedes(b.name) }
        var out = [UInt8]()
        out.reserveCapacity(pairs.reduce(0) { $0 + $1.name.count + $1.value.count + 2 })
        for (index, pair) in pairs.enumerated() {
            if index > 0 { out.append(UInt8(ascii: "&")) }
            out += pair.name
            out.append(UInt8(ascii: "="))
            out += pair.value
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Percent-decoding; `+` stays `+` (S3 keys are not form-encoded). Returns nil on a broken escape
    /// or bytes that are not UTF-8.
    public static func decode(_ string: String) -> String? {
        if !string.utf8.contains(UInt8(ascii: "%")) { return string }
        var string = string
        return string.withUTF8 { decode(bytes: $0) }
    }

    public static func decode(bytes: UnsafeBufferPointer<UInt8>) -> String? {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            guard byte == UInt8(ascii: "%") else { out.append(byte); continue }
            guard index + 1 < bytes.count, let h = hexValue(bytes[index]), let l = hexValue(bytes[index + 1]) else { return nil }
            out.append(h << 4 | l)
            index += 2
        }
        return String(validating: out, as: UTF8.self)
    }

    /// Decoding as S3's `encoding-type=url` listings need it: `+` is a space there.
    public static func decodeForm(_ string: String) -> String? {
        var bytes = Array(string.utf8)
        for i in bytes.indices where bytes[i] == UInt8(ascii: "+") { bytes[i] = UInt8(ascii: " ") }
        return bytes.withUnsafeBufferPointer { decode(bytes: $0) }
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
