import Foundation
import Testing

@testable import S3Wire

@Suite("Byte-wise text helpers on the request path")
struct TextHelperTests {
    @Test func headerNamesCompareIgnoringASCIICaseOnly() {
        #expect("Content-MD5".equalsIgnoringASCIICase("content-md5"))
        #expect(!"x-amz-[".equalsIgnoringASCIICase("x-amz-{"))  // 0x5B and 0x7B differ only in bit 5
        #expect(!"ETag".equalsIgnoringASCIICase("ETags"))
        #expect(!"é".equalsIgnoringASCIICase("É"))
        var headers = HeaderFields()
        headers.add("X-Amz-Meta-Lap", "7")
        #expect(headers["x-amz-meta-lap"] == "7")
        headers.set("x-amz-meta-LAP", "8")
        #expect(headers.fields.count == 1 && headers["X-AMZ-META-LAP"] == "8")
    }

    @Test func trimmingAndSplitting() {
        #expect(" \t value with  inner \t ".trimmingSpaces == "value with  inner")
        #expect("   ".trimmingSpaces == "")
        #expect("a/b//c".splitting("/") == ["a", "b", "c"])
        #expect("a/b//c".splitting("/", omittingEmpty: false) == ["a", "b", "", "c"])
        #expect("k=v=w".splitting("=", maxSplits: 1) == ["k", "v=w"])
        #expect("🏁/é".splitting("/") == ["🏁", "é"])
    }

    /// The byte-wise helpers against the standard library's definitions, on generated text.
    @Test func byteWiseHelpersAgreeWithTheStandardLibrary() {
        var random = Xorshift(seed: 7)
        let alphabet = ["a", "B", "=", "/", " ", "é", "🏁", "z", "Z", "["]
        for _ in 0..<3_000 {
            let text = (0..<Int.random(in: 0...12, using: &random)).map { _ in alphabet.randomElement(using: &random)! }
                .joined()
            let slice = text.dropFirst(Int.random(in: 0...2, using: &random))  // Substrings too
            let separator: Unicode.Scalar = ["=", "/", " "].randomElement(using: &random)!
            let maxSplits = [0, 1, 2, .max].randomElement(using: &random)!
            for omitting in [true, false] {
                #expect(
                    slice.splitting(separator, maxSplits: maxSplits, omittingEmpty: omitting)
                        == slice.split(
                            separator: Character(separator), maxSplits: maxSplits, omittingEmptySubsequences: omitting),
                    "\(slice) \(separator) \(maxSplits) \(omitting)")
            }
            let other = String(text.map { Bool.random(using: &random) ? Character($0.uppercased()) : $0 })
            let asciiFolded = { (s: String) in s.utf8.map { (65...90).contains($0) ? $0 | 0x20 : $0 } }
            #expect(
                text.equalsIgnoringASCIICase(other) == (asciiFolded(text) == asciiFolded(other)), "\(text) \(other)")
            #expect(Substring(text).trimmedSpaces == text.trimmingCharacters(in: [" ", "\t"])[...])
        }
    }

    @Test func headerValuesCollapseTheirSpacesAsSigV4Says() {
        for (value, canonical) in [
            ("a b", "a b"), ("  a   b  ", "a b"), ("a  b", "a b"), ("ab ", "ab"), (" ab", "ab"),
            ("", ""), ("   ", ""), ("20150830T123600Z", "20150830T123600Z"), ("a\tb", "a\tb"),
        ] {
            #expect(value.collapsingSpaces == canonical, "\(value)")
        }
        #expect([0x00, 0x0f, 0xa5, 0xff].hexString == "000fa5ff")
        #expect(Digest.md5([]).hexString == "d41d8cd98f00b204e9800998ecf8427e")
    }

    /// RFC 4231 (HMAC-SHA256) cases 1, 2 and 6 (a key longer than the block), RFC 2202 (HMAC-SHA1) case 1.
    @Test func hmacMatchesThePublishedVectors() {
        let hex = { (s: String) in
            stride(from: 0, to: s.count, by: 2).map { UInt8(s.dropFirst($0).prefix(2), radix: 16)! }
        }
        #expect(
            Digest.hmacSHA256(key: [UInt8](repeating: 0x0b, count: 20), message: Array("Hi There".utf8)).hexString
                == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        #expect(
            Digest.hmacSHA256(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8)).hexString
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        #expect(
            Digest.hmacSHA256(
                key: [UInt8](repeating: 0xaa, count: 131),
                message: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8)
            ).hexString
                == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
        #expect(
            Digest.hmacSHA1(key: hex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"), message: Array("Hi There".utf8))
                .hexString
                == "b617318655057264e28bc0b6fb378c8ef146be00")
    }

    @Test func percentEncodingBothWays() {
        #expect(URIEncoding.encode("Race 1/lap~time_é.csv", keepSlash: true) == "Race%201/lap~time_%C3%A9.csv")
        #expect(URIEncoding.encode("a/b", keepSlash: false) == "a%2Fb")
        #expect(URIEncoding.decode("Race%201/%C3%A9+x") == "Race 1/é+x")
        #expect(URIEncoding.decode("plain") == "plain")
        #expect(URIEncoding.decode("%4") == nil && URIEncoding.decode("%zz") == nil && URIEncoding.decode("%FF") == nil)
        #expect(URIEncoding.decodeForm("a+b%2Bc") == "a b+c")
        #expect(
            URIEncoding.canonicalQuery([
                .init("prefix", "a b"), .init("list-type", "2"), .init("a", "2"), .init("a", "10"),
            ])
                == "a=10&a=2&list-type=2&prefix=a%20b")
        // A name that is a prefix of another sorts first; so does an empty value; order is by encoded bytes.
        #expect(
            URIEncoding.canonicalQuery([.init("ab"), .init("a", "x"), .init("a"), .init("a-b", "é"), .init("A")])
                == "A=&a=&a=x&a-b=%C3%A9&ab=")
        #expect(URIEncoding.canonicalQuery([]) == "" && URIEncoding.canonicalQuery([.init("uploads")]) == "uploads=")
    }

    /// AmzDate reads its dates by arithmetic; timegm (which it replaced) is the reference, rolling over
    /// out-of-range days alike.
    @Test func amzDatesParseAsTimegmDoes() {
        var random = Xorshift(seed: 19)
        var texts = [
            "19700101T000000Z", "20000229T235959Z", "21000228T120000Z", "20250231T000000Z", "19691231T235959Z",
        ]
        for _ in 0..<2_000 {
            let seconds = Int.random(in: -2_000_000_000...6_000_000_000, using: &random)
            texts.append(AmzDate(Date(timeIntervalSince1970: TimeInterval(seconds))).full)
        }
        for text in texts {
            let b = Array(text.utf8).map { Int32($0) - 48 }
            var parts = tm()
            parts.tm_year = b[0] * 1000 + b[1] * 100 + b[2] * 10 + b[3] - 1900
            parts.tm_mon = b[4] * 10 + b[5] - 1
            parts.tm_mday = b[6] * 10 + b[7]
            parts.tm_hour = b[9] * 10 + b[10]
            parts.tm_min = b[11] * 10 + b[12]
            parts.tm_sec = b[13] * 10 + b[14]
            #expect(AmzDate.parse(text) == Date(timeIntervalSince1970: TimeInterval(timegm(&parts))), "\(text)")
            #expect(AmzDate(parsing: text)?.full == text)
        }
        for bad in [
            "", "20130524T000000", "20130524 000000Z", "2013052AT000000Z", "20131324T000000Z", "20130524T250000Z",
            "20130524T000000Zx",
        ] {
            #expect(AmzDate.parse(bad) == nil && AmzDate(parsing: bad) == nil, "\(bad)")
        }
    }

    @Test func signingKeysAreTheSameCachedOrNot() {
        let credentials = Credentials(
            accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
        let cache = SigningKeyCache()
        let plain = SigV4Signer(credentials: credentials, region: "us-east-1")
        let cached = SigV4Signer(credentials: credentials, region: "us-east-1", keyCache: cache)
        for day in ["20150830", "20150830", "20150831"] { #expect(plain.signingKey(day) == cached.signingKey(day)) }
        // Another secret or region must never get a remembered key.
        let other = SigV4Signer(
            credentials: Credentials(accessKeyId: "AKIDEXAMPLE", secretAccessKey: "other"), region: "us-east-1",
            keyCache: cache)
        #expect(other.signingKey("20150830") != plain.signingKey("20150830"))
        let elsewhere = SigV4Signer(credentials: credentials, region: "eu-west-1", keyCache: cache)
        #expect(elsewhere.signingKey("20150830") != plain.signingKey("20150830"))
    }
}
