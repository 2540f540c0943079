import Foundation
import RaceDataTesting
import Testing

@testable import S3Kit
@testable import S3Wire

@Suite("XML reader")
struct XMLTests {
    @Test func parsesS3Listings() throws {
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name>
              <Contents><Key>data/a&amp;b &lt;&#233;&#x1F3C1;&gt;.csv</Key><Size>12</Size></Contents>
              <!-- a comment --><Contents><Key><![CDATA[x<y]]></Key></Contents><IsTruncated>false</IsTruncated>
            </ListBucketResult>
            """
        let root = try XML.parse(Array(xml.utf8))
        #expect(root.name == "ListBucketResult")
        #expect(root.children("Contents").map { $0.value("Key") } == ["data/a&b <é🏁>.csv", "x<y"])
        #expect(root.value("IsTruncated") == "false")
    }

    @Test(arguments: [
        "<!DOCTYPE x [<!ENTITY a SYSTEM \"file:///etc/passwd\">]><x>&a;</x>",
        "<a><b></a></b>", "<a>", "<a>&unknown;</a>", "<a></a><b></b>", "", "plain text",
        String(repeating: "<a>", count: 100) + String(repeating: "</a>", count: 100),
        "<a>\u{FFFD}&#xD800;</a>",
    ])
    func refusesBrokenOrHostileDocuments(_ text: String) {
        #expect(throws: XMLError.self) { try XML.parse(Array(text.utf8)) }
    }

    @Test func escapingRoundTrips() throws {
        let key = "a&b<c>\"d'e\ré🏁.csv"
        let root = try XML.parse(Array("<Key>\(XML.escape(key))</Key>".utf8))
        #expect(root.text == key)
    }
}

@Suite("Credentials, endpoints and retry timing")
struct ConfigurationTests {
    @Test func environmentComesFirst() throws {
        let c = try CredentialChain(environment: [
            "AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "s", "AWS_SESSION_TOKEN": "t",
            "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
        ]).resolve()
        #expect(c.accessKeyId == "AKIAENV" && c.sessionToken == "t" && c.source == "environment")
    }

    @Test func halfSetEnvironmentIsAnError() {
        let error = #expect(throws: S3Error.self) {
            try CredentialChain(environment: ["AWS_ACCESS_KEY_ID": "AKIAENV"]).resolve()
        }
        #expect("\(error!)".contains("AWS_SECRET_ACCESS_KEY is not"))
    }

    @Test func sharedFileAndProfiles() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("creds-\(UUID())").path
        try """
        # comment
        [default]
        aws_access_key_id = AKIADEFAULT
        aws_secret_access_key = secret1

        [profile race]
        aws_access_key_id=AKIARACE
        aws_secret_access_key=secret2
        aws_session_token = tok
        """.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let d = try CredentialChain(environment: ["AWS_SHARED_CREDENTIALS_FILE": path]).resolve()
        #expect(d.accessKeyId == "AKIADEFAULT" && d.source.contains("[default]"))
        let r = try CredentialChain(environment: ["AWS_SHARED_CREDENTIALS_FILE": path, "AWS_PROFILE": "race"]).resolve()
        #expect(r.accessKeyId == "AKIARACE" && r.sessionToken == "tok")
        let error = #expect(throws: S3Error.self) {
            try CredentialChain(environment: ["AWS_SHARED_CREDENTIALS_FILE": path, "AWS_PROFILE": "nope"]).resolve()
        }
        #expect("\(error!)".contains("[nope]") && "\(error!)".contains("default, race"))
        #expect(!"\(error!)".contains("secret"))
    }

    @Test func nothingFoundSaysWhereItLooked() {
        let error = #expect(throws: S3Error.self) {
            try CredentialChain(environment: ["AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/creds"]).resolve()
        }
        let text = "\(error!)"
        #expect(
            text.contains("environment") && text.contains("/nonexistent/creds") && text.contains("AWS_ACCESS_KEY_ID"))
    }

    @Test func descriptionsHideSecrets() {
        let c = Credentials(
            accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG", sessionToken: "tok")
        for text in ["\(c)", String(reflecting: c)] {
            #expect(!text.contains("wJalr") && !text.contains("AKIAIOSFODNN7EXAMPLE") && !text.contains("tok"))
            #expect(text.contains("…MPLE"))
        }
    }

    @Test func addressing() throws {
        let aws = S3Endpoint.aws(region: "eu-west-1")
        #expect(
            aws.target(bucket: "race-data", key: "data/a b.csv", query: []).urlString
                == "https://race-data.s3.eu-west-1.amazonaws.com/data/a%20b.csv")
        #expect(
            aws.target(bucket: "race.data", key: "x", query: []).urlString
                == "https://s3.eu-west-1.amazonaws.com/race.data/x")
        let local = try S3Endpoint.custom("http://127.0.0.1:9000")
        #expect(
            local.target(bucket: "race-data", key: "data/ü.csv", query: [.init("uploads")]).urlString
                == "http://127.0.0.1:9000/race-data/data/%C3%BC.csv?uploads")
        #expect(throws: S3Error.self) { try S3Endpoint.custom("ftp://x") }
        #expect(throws: S3Error.self) { try S3Endpoint.custom("http://user:pw@host:9000") }
    }

    @Test func configurationFromEnvironment() throws {
        let c = try S3Configuration.fromEnvironment([
            "AWS_DEFAULT_REGION": "eu-central-1", "AWS_ENDPOINT_URL": "http://localhost:4566",
            "AWS_ACCESS_KEY_ID": "A", "AWS_SECRET_ACCESS_KEY": "B",
        ])
        #expect(c.region == "eu-central-1" && c.endpoint.pathStyle && c.endpoint.port == 4566)
        let s3First = try S3Configuration.fromEnvironment(
            [
                "AWS_ENDPOINT_URL_S3": "http://a:1", "AWS_ENDPOINT_URL": "http://b:2",
                "AWS_REGION": "us-west-2", "AWS_DEFAULT_REGION": "x",
            ], anonymous: true)
        #expect(s3First.endpoint.host == "a" && s3First.region == "us-west-2" && s3First.credentials == nil)
        let plain = try S3Configuration.fromEnvironment(["AWS_ACCESS_KEY_ID": "A", "AWS_SECRET_ACCESS_KEY": "B"])
        #expect(plain.region == "us-east-1" && plain.endpoint == .aws(region: "us-east-1"))
    }

    @Test func fullJitterStaysUnderTheCeiling() {
        var random = SeededGenerator(seed: 7)
        let policy = RetryPolicy(maxAttempts: 10, baseDelay: 0.1, maxDelay: 2)
        for attempt in 1...9 {
            let ceiling = min(2, 0.1 * pow(2, Double(attempt - 1)))
            let delays = (0..<200).map { _ in policy.delay(after: attempt, using: &random) }
            #expect(delays.allSatisfy { $0 >= 0 && $0 <= ceiling })
            #expect(delays.max()! > ceiling * 0.8)  // full jitter spreads over the whole range
            #expect(delays.min()! < ceiling * 0.2)
        }
    }

    @Test(arguments: [("a b", "a%20b"), ("ñ+é", "%C3%B1%2B%C3%A9"), ("100%", "100%25"), ("x/y~z_-.", "x/y~z_-.")])
    func uriEncoding(raw: String, encoded: String) {
        #expect(URIEncoding.encode(raw, keepSlash: true) == encoded)
        #expect(URIEncoding.decode(encoded) == raw)
    }
}

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
        var random = SeededGenerator(seed: 7)
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
        var random = SystemRandomNumberGenerator()
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

@Suite("CRC-32 and the checksum trailer framing")
struct CRC32Tests {
    func crc(_ polynomial: CRC32.Polynomial, _ bytes: [UInt8], pieces: [Int] = []) -> UInt32 {
        var c = CRC32(polynomial)
        var start = 0
        for end in pieces + [bytes.count] where end >= start {
            bytes[start..<end].withUnsafeBytes { c.update($0) }
            start = end
        }
        return c.value
    }

    @Test func publishedCheckValues() {
        let check = Array("123456789".utf8)
        #expect(crc(.ieee, check) == 0xCBF4_3926)
        #expect(crc(.castagnoli, check) == 0xE306_9283)
        #expect(crc(.ieee, []) == 0 && crc(.castagnoli, []) == 0)
        // "Hello world" in the base64 form S3 uses (cross-checked with a bit-by-bit implementation).
        #expect(
            Data(withUnsafeBytes(of: crc(.castagnoli, Array("Hello world".utf8)).bigEndian) { Data($0) })
                .base64EncodedString() == "crUfeA==")
    }

    @Test func piecesDoNotMatter() {
        var generator = SeededGenerator(seed: 7)
        let bytes = (0..<10_007).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let whole = crc(.castagnoli, bytes)
        for pieces in [[1], [7, 8, 9], [3, 11, 4096, 4097, 9999], Array(stride(from: 0, to: 10_007, by: 13))] {
            #expect(crc(.castagnoli, bytes, pieces: pieces) == whole)
            #expect(crc(.ieee, bytes, pieces: pieces) == crc(.ieee, bytes))
        }
    }

    @Test func instructionAndTablesAgree() {
        var generator = SeededGenerator(seed: 11)
        let bytes = (0..<65_537).map { _ in UInt8.random(in: 0...255, using: &generator) }
        for range in [0..<0, 0..<1, 3..<11, 5..<65_537, 0..<65_537] {
            var tables = CRC32(.castagnoli, hardware: false)
            var best = CRC32(.castagnoli)
            bytes[range].withUnsafeBytes {
                tables.update($0)
                best.update($0)
            }
            #expect(tables.value == best.value)
        }
    }

    @Test(arguments: [0, 1, 1000, 1 << 20, (1 << 20) + 1, 3 << 20])
    func framingLengthIsExact(length: Int) throws {
        let body = [UInt8](repeating: 0x61, count: length)
        let reader = try BodyReader(.checksummedChunks(.bytes(body)))
        var wire: [UInt8] = []
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 300_000, alignment: 8)
        defer { buffer.deallocate() }
        while case let n = try reader.read(into: buffer), n > 0 { wire += buffer[0..<n] }
        #expect(UInt64(wire.count) == RequestBody.checksummedChunks(.bytes(body)).length)
        let text = String(decoding: wire.suffix(45), as: UTF8.self)
        #expect(
            text.hasSuffix(
                "0\r\nx-amz-checksum-crc32c:\(Data(withUnsafeBytes(of: crc(.castagnoli, body).bigEndian) { Data($0) }).base64EncodedString())\r\n\r\n"
            ))
    }
}
