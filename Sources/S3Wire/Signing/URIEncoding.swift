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
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
            true
        default: false
        }
    }

    static func append(_ string: String, keepSlash: Bool, to out: inout [UInt8]) {
        var string = string
        string.withUTF8 { bytes in
            unreserved.withUnsafeBufferPointer { table in
                @inline(__always) func keeps(_ byte: UInt8) -> Bool {
                    table[Int(byte)] || (keepSlash && byte == UInt8(ascii: "/"))
                }
                // Most names and values need no escape at all: the run before the first escape is copied whole.
                var plain = 0
                while plain < bytes.count && keeps(bytes[plain]) { plain += 1 }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[..<plain]))
                for byte in bytes[plain...] {
                    if keeps(byte) {
                        out.append(byte)
                    } else {
                        out.append(UInt8(ascii: "%"))
                        out.append(hex[Int(byte >> 4)])
                        out.append(hex[Int(byte & 0x0f)])
                    }
                }
            }
        }
    }

    /// Parameters sorted by encoded name, then encoded value, joined with `&`.
    public static func canonicalQuery(_ items: [RequestTarget.QueryItem]) -> String {
        var out = [UInt8]()
        appendCanonicalQuery(items, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// `canonicalQuery` appended to `out`. The pairs are encoded once into one buffer and sorted as
    /// ranges of it: encoded text is ASCII, so comparing bytes is S3's order.
    static func appendCanonicalQuery(_ items: [RequestTarget.QueryItem], to out: inout [UInt8]) {
        guard !items.isEmpty else { return }
        var encoded = [UInt8]()
        // Room for every byte escaped, so the buffer is made once.
        encoded.reserveCapacity(3 * items.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count })
        var pairs: [(name: Range<Int>, value: Range<Int>)] = []
        pairs.reserveCapacity(items.count)
        for item in items {
            let nameStart = encoded.count
            append(item.name, keepSlash: false, to: &encoded)
            let valueStart = encoded.count
            append(item.value, keepSlash: false, to: &encoded)
            pairs.append((nameStart..<valueStart, valueStart..<encoded.count))
        }
        encoded.withUnsafeBufferPointer { bytes in
            func compare(_ a: Range<Int>, _ b: Range<Int>) -> Int32 {
                let common = min(a.count, b.count)
                let order =
                    common == 0
                    ? 0 : memcmp(bytes.baseAddress! + a.lowerBound, bytes.baseAddress! + b.lowerBound, common)
                return order != 0 ? order : Int32(a.count - b.count).signum()
            }
            pairs.sort { x, y in
                let byName = compare(x.name, y.name)
                return byName != 0 ? byName < 0 : compare(x.value, y.value) < 0
            }
            for (index, pair) in pairs.enumerated() {
                if index > 0 { out.append(UInt8(ascii: "&")) }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[pair.name]))
                out.append(UInt8(ascii: "="))
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[pair.value]))
            }
        }
    }

    /// Percent-decoding; `+` stays `+` (S3 keys are not form-encoded). Returns nil on a broken escape
    /// or bytes that are not UTF-8.
    public static func decode(_ string: String) -> String? {
        if !string.utf8.contains(UInt8(ascii: "%")) { return string }
        var string = string
        return string.withUTF8 { decode(bytes: $0) }
    }

    public static func decode(bytes: UnsafeBufferPointer<UInt8>) -> String? {
        // Most names and values carry no escape: the bytes are the text (one String, no scratch array).
        guard bytes.contains(UInt8(ascii: "%")) else { return text(validating: bytes) }
        var out = [UInt8]()
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            guard byte == UInt8(ascii: "%") else {
                out.append(byte)
                continue
            }
            guard index + 1 < bytes.count, let h = hexDigitValue(bytes[index]), let l = hexDigitValue(bytes[index + 1])
            else {
                return nil
            }
            out.append(h << 4 | l)
            index += 2
        }
        return out.withUnsafeBufferPointer { text(validating: $0) }
    }

    /// The bytes as text if they are UTF-8. ASCII (nearly every name and value) needs no validating,
    /// which instantiated generic metadata on every call.
    private static func text(validating bytes: UnsafeBufferPointer<UInt8>) -> String? {
        if bytes.allSatisfy({ $0 < 0x80 }) { return String(decoding: bytes, as: UTF8.self) }
        return String(validating: bytes, as: UTF8.self)
    }

    /// Decoding as S3's `encoding-type=url` listings need it: `+` is a space there.
    public static func decodeForm(_ string: String) -> String? {
        var bytes = Array(string.utf8)
        for i in bytes.indices where bytes[i] == UInt8(ascii: "+") { bytes[i] = UInt8(ascii: " ") }
        return bytes.withUnsafeBufferPointer { decode(bytes: $0) }
    }
}
