import Foundation
import RaceDataTesting
import S3Wire
import Testing

@Suite("UTC dates as S3 writes them")
struct DateFormatTests {
    /// Both formats are written byte by byte; Foundation's formatter is the reference.
    @Test func httpAndListingDatesMatchFoundation() {
        let http = DateFormatter(), iso = DateFormatter()
        for formatter in [http, iso] {
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
        }
        http.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        iso.dateFormat = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'"
        var random = SeededGenerator(seed: 3)
        for _ in 0..<2_000 {
            // Whole milliseconds, so both sides truncate the same instant.
            let date = Date(timeIntervalSince1970: TimeInterval(Int64.random(in: 0...4_102_444_800_000, using: &random)) / 1000)
            #expect(UTCDate(date).httpDate == http.string(from: date))
            #expect(UTCDate(date).iso8601 == iso.string(from: date))
            #expect(UTCDate(httpDate: UTCDate(date).httpDate)?.secondsSince1970 == date.timeIntervalSince1970.rounded(.down))
        }
    }

    @Test func instantsBefore1970RoundDown() {
        #expect(UTCDate(millisecondsSince1970: -1).iso8601 == "1969-12-31T23:59:59.999Z")
        #expect(UTCDate(millisecondsSince1970: -86_400_000).httpDate == "Wed, 31 Dec 1969 00:00:00 GMT")
        #expect(UTCDate(millisecondsSince1970: 1_369_353_600_000).amzDate == "20130524T000000Z")
    }

    @Test func civilDatesRoundTrip() {
        for days in stride(from: Int64(-800_000), through: 800_000, by: 997) {
            let date = CivilDate.date(days: days)
            #expect(CivilDate.days(year: date.year, month: date.month, day: date.day) == days)
        }
    }
}
