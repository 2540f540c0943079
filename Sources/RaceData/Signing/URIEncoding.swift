import Foundation

/// S3's URI encoding: every byte but `A-Z a-z 0-9 - _ . ~` becomes `%XX` (upper-case hex), over UTF-8.
/// Paths keep `/`; S3 object keys are encoded exactly once (unlike other AWS services).
public enum URIEncoding {
    private static let hex = Array("0123456789ABCDEF".utf8)

    public static func encode(_ string: String, keepSlash: Bool) -> String {
        var out = [UInt8]()
        out.reserveCapacity(string.utf8.count + 8)
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.append(byte)
            case UInt8(ascii: "/") where keepSlash:
                out.append(byte)
            default:
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0f)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Parameters sorted by encoded name, then encoded value, joined with `&`.
    public static func canonicalQuery(_ items: [RequestTarget.QueryItem]) -> String {
        let pairs: [(name: String, value: String)] = items.map {
            (encode($0.name, keepSlash: false), encode($0.value, keepSlash: false))
        }
        let sorted = pairs.sorted { a, b in a.name == b.name ? a.value < b.value : a.name < b.name }
        return sorted.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
    }

    /// Percent-decoding; `+` stays `+` (S3 keys are not form-encoded). Returns nil on a broken escape
    /// or bytes that are not UTF-8.
    public static func decode(_ string: String) -> String? {
        var out = [UInt8]()
        out.reserveCapacity(string.utf8.count)
        var iterator = string.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else { out.append(byte); continue }
            guard let h = iterator.next().flatMap(hexValue), let l = iterator.next().flatMap(hexValue) else { return nil }
            out.append(h << 4 | l)
        }
        return String(validating: out, as: UTF8.self)
    }

    /// Decoding as S3's `encoding-type=url` listings need it: `+` is a space there.
    public static func decodeForm(_ string: String) -> String? {
        decode(string.replacingOccurrences(of: "+", with: " "))
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
