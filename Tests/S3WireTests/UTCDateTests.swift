import Foundation
import S3Wire
import Testing

@Suite("UTC dates as S3 writes them")
struct DateFormatTests {
    /// Both formats are written byte by byte; Foundation's formatter is the reference.
    @Test func httpAndListingDatesMatchFoundation() {
        let http = DateFormatter()
        let iso = DateFormatter()
        for formatter in [http, iso] {
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
        }
        http.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        iso.dateFormat = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'"
        // 2,000 instants of whole milliseconds (so both sides truncate the same), 1970 to 2100.
        for milliseconds in stride(from: Int64(0), through: 4_102_444_800_000, by: 2_051_222_399) {
            let date = Date(timeIntervalSince1970: TimeInterval(milliseconds) / 1000)
            #expect(UTCDate(date).httpDate == http.string(from: date))
            #expect(UTCDate(date).iso8601 == iso.string(from: date))
            #expect(
                UTCDate(httpDate: UTCDate(date).httpDate)?.secondsSince1970 == date.timeIntervalSince1970.rounded(.down)
            )
        }
    }

    /// What clients send as Object Lock dates: any number of fractional digits (six crashed the
    /// mock once), `Z` or an offset; anything else is nil, never a trap.
    @Test func iso8601InstantsAsClientsSendThem() {
        #expect(UTCDate(iso8601: "2030-01-01T00:00:00Z")?.millisecondsSince1970 == 1_893_456_000_000)
        #expect(UTCDate(iso8601: "2030-01-01T00:00:00.5Z")?.millisecondsSince1970 == 1_893_456_000_500)
        #expect(UTCDate(iso8601: "2030-01-01T00:00:00.123456Z")?.millisecondsSince1970 == 1_893_456_000_123)
        #expect(UTCDate(iso8601: "2030-01-01T01:00:00+01:00")?.millisecondsSince1970 == 1_893_456_000_000)
        #expect(UTCDate(iso8601: "2029-12-31T23:00:00-01:00")?.millisecondsSince1970 == 1_893_456_000_000)
        for milliseconds in stride(from: Int64(0), through: 4_102_444_800_000, by: 8_204_889_601) {
            let date = UTCDate(millisecondsSince1970: milliseconds)
            #expect(UTCDate(iso8601: date.iso8601) == date)
        }
        for bad in [
            "", "2030-01-01", "2030-01-01T00:00:00", "2030-13-01T00:00:00Z", "2030-01-01T00:00:00.Z",
            "2030-01-01T00:00:00Zjunk",
            "2030-01-01T00:00:00+1:00", "２０３０-01-01T00:00:00Z",
        ] {
            #expect(UTCDate(iso8601: bad) == nil, "\(bad)")
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
