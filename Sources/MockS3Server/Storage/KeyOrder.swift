import Foundation

/// S3's order of keys and the byte arithmetic listings do on them.
enum KeyOrder {
    /// Keys in S3's order: by UTF-8 bytes (compared with memcmp: listings binary-search the sorted
    /// keys and the generic sequence comparison was most of a listing's cost).
    static func precedes(_ a: String, _ b: String) -> Bool {
        let fast = a.utf8.withContiguousStorageIfAvailable { x in
            b.utf8.withContiguousStorageIfAvailable { y in
                let n = min(x.count, y.count)
                let order = n == 0 ? 0 : memcmp(x.baseAddress!, y.baseAddress!, n)
                return order != 0 ? order < 0 : x.count < y.count
            }
        }
        return (fast ?? nil) ?? a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    /// The byte offset just past the first `delimiter` in `key` at or after byte `start`.
    static func end(of delimiter: String, in key: String, after start: Int) -> Int? {
        let d = Array(delimiter.utf8)
        return key.utf8.withContiguousStorageIfAvailable { k -> Int? in
            guard k.count >= d.count, start <= k.count - d.count else { return nil }
            var i = start
            while i <= k.count - d.count {
                if k[i] == d[0] && (d.count == 1 || Array(k[i..<(i + d.count)]) == d) { return i + d.count }
                i += 1
            }
            return nil
        } ?? nil
    }

    /// The common prefix `key` rolls up into under `delimiter`, looked for after `prefix`.
    static func commonPrefix(_ key: String, prefix: String, delimiter: String?) -> String? {
        guard let delimiter, !delimiter.isEmpty, let end = end(of: delimiter, in: key, after: prefix.utf8.count)
        else { return nil }
        return String(decoding: key.utf8.prefix(end), as: UTF8.self)
    }

    /// The smallest string after every string that starts with `prefix`.
    static func successor(_ prefix: String) -> String {
        var bytes = Array(prefix.utf8)
        while let last = bytes.last {
            if last < 0x7F {
                bytes[bytes.count - 1] = last + 1
                return String(decoding: bytes, as: UTF8.self)
            }
            bytes.removeLast()
        }
        return String(repeating: "\u{10FFFF}", count: 64)
    }
}
