import Foundation
import S3Wire

/// ISO-8601 instants as the data carries them: `2025-09-07T14:03:21.123Z` (fraction and zone optional).
public enum Timestamp {
    public static func parse(_ s: String) -> Int64? {
        var s = s
        return s.withUTF8 { parse($0) }
    }

    public static func parse(_ b: UnsafeBufferPointer<UInt8>) -> Int64? {
        var cache = MinuteCache()
        return parse(b, cache: &cache)
    }

    /// The last date, hour and minute seen and their milliseconds: a column of timestamps repeats
    /// them row after row, so most rows parse only their seconds.
    struct MinuteCache {
        var prefix: (UInt64, UInt64)?
        var millis: Int64 = 0
    }

    static func parse(_ b: UnsafeBufferPointer<UInt8>, cache: inout MinuteCache) -> Int64? {
        guard b.count >= 19 else { return nil }
        @inline(__always) func digits(_ i: Int, _ n: Int) -> Int64? {
            var v: Int64 = 0
            for k in i..<(i + n) {
                let d = b[k] &- 48
                guard d < 10 else { return nil }
                v = v * 10 + Int64(d)
            }
            return v
        }
        let raw = UnsafeRawPointer(b.baseAddress!)
        // `YYYY-MM-DDTHH:MM`: the first 16 bytes.
        let prefix = (raw.loadUnaligned(as: UInt64.self), raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        let minute: Int64
        // A prefix seen before had its separators checked then.
        if let known = cache.prefix, known == prefix {
            minute = cache.millis
        } else {
            guard b[4] == 45, b[7] == 45, b[10] == 84 || b[10] == 32, b[13] == 58 else { return nil }
            guard let y = digits(0, 4), let mo = digits(5, 2), let d = digits(8, 2), (1...12).contains(mo),
                (1...31).contains(d),
                let h = digits(11, 2), let mi = digits(14, 2), h < 24, mi < 60
            else { return nil }
            minute = (CivilDate.days(year: y, month: mo, day: d) * 86_400 + h * 3600 + mi * 60) * 1000
            cache = MinuteCache(prefix: prefix, millis: minute)
        }
        guard b[16] == 58 else { return nil }
        // `SS.mmmZ`, nearly every timestamp of the data: without the general loop below.
        if b.count == 24 && b[19] == 46 && b[23] == 90 {
            let s1 = b[17] &- 48
            let s2 = b[18] &- 48
            let m1 = b[20] &- 48
            let m2 = b[21] &- 48
            let m3 = b[22] &- 48
            if s1 < 6 && s2 < 10 && m1 < 10 && m2 < 10 && m3 < 10 {
                return minute + Int64(s1 * 10 + s2) * 1000 + Int64(m1) * 100 + Int64(m2) * 10 + Int64(m3)
            }
        }
        guard let sec = digits(17, 2), sec < 61 else { return nil }
        var i = 19
        var millis: Int64 = 0
        if i < b.count && b[i] == 46 {
            i += 1
            var scale: Int64 = 100
            let start = i
            while i < b.count, b[i] &- 48 < 10 {
                millis += Int64(b[i] - 48) * scale
                scale /= 10
                i += 1
            }
            guard i > start else { return nil }
        }
        if i < b.count && b[i] == 90 { i += 1 }
        guard i == b.count else { return nil }
        return minute + sec * 1000 + millis
    }

    public static func format(_ ms: Int64) -> String { UTCDate(millisecondsSince1970: ms).iso8601 }
}
