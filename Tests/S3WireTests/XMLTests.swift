import Foundation
import Testing

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
