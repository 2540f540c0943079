import Foundation

/// A UTC instant to the millisecond, and the spellings S3 gives it. Written byte by byte: the mock
/// writes one on every answer, the signer on every request.
public struct UTCDate: Sendable, Equatable {
    public let millisecondsSince1970: Int64

    public init(millisecondsSince1970: Int64) { self.millisecondsSince1970 = millisecondsSince1970 }

    /// Whole milliseconds first: the fraction of a Double second times 1000 can fall just short (.830 as .829).
    public init(_ date: Date) { millisecondsSince1970 = Int64((date.timeIntervalSince1970 * 1000).rounded()) }

    /// Whole seconds, rounded down (also before 1970), and the milliseconds past them.
    private var split: (seconds: Int64, millis: Int64) {
        let (q, r) = millisecondsSince1970.quotientAndRemainder(dividingBy: 1000)
        return r < 0 ? (q - 1, r + 1000) : (q, r)
    }

    private var fields:
        (year: Int64, month: Int64, day: Int64, hour: Int64, minute: Int64, second: Int64, weekday: Int64)
    {
        let (days, second) = split.seconds.quotientAndRemainder(dividingBy: 86_400)
        let (d, s) = second < 0 ? (days - 1, second + 86_400) : (days, second)
        let date = CivilDate.date(days: d)
        let weekday = ((d % 7) + 11) % 7  // 1970-01-01 was a Thursday (4)
        return (date.year, date.month, date.day, s / 3600, s / 60 % 60, s % 60, weekday)
    }

    /// `20130524T000000Z`, SigV4's X-Amz-Date.
    public var amzDate: String { stamp(dateSeparator: nil, timeSeparator: nil, withMilliseconds: false) }

    /// `2026-11-25T12:00:00.000Z`, as S3 listings (and the loader's timestamps) write dates.
    public var iso8601: String {
        stamp(dateSeparator: UInt8(ascii: "-"), timeSeparator: UInt8(ascii: ":"), withMilliseconds: true)
    }

    /// `2026-11-25T12:00:00.000Z` to the whole second (rounded down): S3 keeps an object's time so, and its
    /// XML writes it so, the same instant its HEAD and GET answers give (`aws s3 sync --exact-timestamps`
    /// compares a listing's LastModified with them).
    public var s3Timestamp: String { UTCDate(millisecondsSince1970: split.seconds * 1000).iso8601 }

    /// ISO 8601's shape, basic (no separators) or extended.
    private func stamp(dateSeparator: UInt8?, timeSeparator: UInt8?, withMilliseconds: Bool) -> String {
        let f = fields
        var out = [UInt8]()
        out.reserveCapacity(24)
        for (value, width, separator) in [
            (Int(f.year), 4, dateSeparator), (Int(f.month), 2, dateSeparator), (Int(f.day), 2, UInt8(ascii: "T")),
            (Int(f.hour), 2, timeSeparator), (Int(f.minute), 2, timeSeparator), (Int(f.second), 2, nil),
        ] {
            out.appendDecimal(value, width: width)
            if let separator { out.append(separator) }
        }
        if withMilliseconds {
            out.append(UInt8(ascii: "."))
            out.appendDecimal(Int(split.millis), width: 3)
        }
        out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }

    /// `Wed, 25 Nov 2026 12:00:00 GMT`, as HTTP headers write dates.
    public var httpDate: String {
        let f = fields
        var out = [UInt8]()
        out.reserveCapacity(29)
        out += Self.weekdays[Int(f.weekday)].utf8
        out += ", ".utf8
        out.appendDecimal(Int(f.day), width: 2)
        out.append(UInt8(ascii: " "))
        out += Self.months[Int(f.month) - 1].utf8
        out.append(UInt8(ascii: " "))
        out.appendDecimal(Int(f.year), width: 4)
        out.append(UInt8(ascii: " "))
        out.appendDecimal(Int(f.hour), width: 2)
        out.append(UInt8(ascii: ":"))
        out.appendDecimal(Int(f.minute), width: 2)
        out.append(UInt8(ascii: ":"))
        out.appendDecimal(Int(f.second), width: 2)
        out += " GMT".utf8
        return String(decoding: out, as: UTF8.self)
    }

    /// An RFC 1123 date (`Wed, 25 Nov 2026 12:00:00 GMT`); nil if it is not one.
    public init?(httpDate text: String) {
        let parts = text.split(separator: " ")
        guard parts.count == 6, let day = Int64(parts[1]), let month = Self.months.firstIndex(of: String(parts[2])),
            let year = Int64(parts[3]), (1...31).contains(day)
        else { return nil }
        let clock = parts[4].split(separator: ":").compactMap { Int64($0) }
        guard clock.count == 3, clock[0] < 24, clock[1] < 60, clock[2] < 61 else { return nil }
        let seconds =
            CivilDate.days(year: year, month: Int64(month + 1), day: day) * 86_400 + clock[0] * 3600 + clock[1] * 60
            + clock[2]
        millisecondsSince1970 = seconds * 1000
    }

    /// An ISO 8601 instant as S3 takes it: `2030-01-01T00:00:00Z`, with optional fractional seconds
    /// and `Z` or a `±hh:mm` offset; nil if it is not one.
    public init?(iso8601 text: String) {
        let b = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int64? {
            guard range.upperBound <= b.count, b[range].allSatisfy({ (48...57).contains($0) }) else { return nil }
            return b[range].reduce(0) { $0 * 10 + Int64($1 - 48) }
        }
        guard b.count >= 20, b[4] == 45, b[7] == 45, b[10] == 84 || b[10] == 116, b[13] == 58, b[16] == 58,
            let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var i = 19
        var millis: Int64 = 0
        if b[i] == 46 {
            i += 1
            var digits = 0
            while i < b.count, (48...57).contains(b[i]) {
                if digits < 3 { millis = millis * 10 + Int64(b[i] - 48) }
                digits += 1
                i += 1
            }
            guard digits > 0 else { return nil }
            for _ in 0..<max(0, 3 - digits) { millis *= 10 }
        }
        var offset: Int64 = 0
        if i < b.count, b[i] == 90 || b[i] == 122 {
            i += 1
        } else if i + 6 == b.count, b[i] == 43 || b[i] == 45, b[i + 3] == 58, let h = number((i + 1)..<(i + 3)),
            let m = number((i + 4)..<(i + 6))
        {
            offset = (h * 3600 + m * 60) * (b[i] == 43 ? 1 : -1)
            i += 6
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        let seconds =
            CivilDate.days(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second - offset
        millisecondsSince1970 = seconds * 1000 + millis
    }

    public var date: Date { Date(timeIntervalSince1970: secondsSince1970) }

    public var secondsSince1970: TimeInterval { TimeInterval(millisecondsSince1970) / 1000 }

    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
}

/// Calendar arithmetic that timegm and gmtime_r would do through the time zone machinery, for every
/// value parsed and every date written (SigV4 dates, S3 listings and headers, telemetry timestamps).
public enum CivilDate {
    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm); out-of-range
    /// days roll over as timegm's do.
    @inlinable public static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The date of a day since 1970-01-01: the inverse of `days`.
    @inlinable public static func date(days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
