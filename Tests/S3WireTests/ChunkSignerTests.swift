import Foundation
import Testing

@testable import S3Wire

/// The chunked-upload example of AWS's "Signature Calculations ... Chunked Upload" page:
/// 65 KiB of "a" in 64 KiB chunks, PUT to examplebucket/chunkObject.txt on 2013-05-24.
@Suite("aws-chunked signatures")
struct ChunkSignerTests {
    let credentials = Credentials(
        accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    let date = AmzDate.parse("20130524T000000Z")!

    @Test func seedAndChunkSignaturesMatchTheDocumentedExample() throws {
        let signer = SigV4Signer(credentials: credentials, region: "us-east-1")
        var headers = HeaderFields()
        headers.add("Content-Encoding", "aws-chunked")
        headers.add("Content-Length", "66824")
        headers.add("x-amz-decoded-content-length", "66560")
        headers.add("x-amz-storage-class", "REDUCED_REDUNDANCY")
        var request = HTTPRequest(
            method: .put,
            target: RequestTarget(
                scheme: "https", host: "s3.amazonaws.com",
                path: "/examplebucket/chunkObject.txt"), headers: headers)
        let seed = signer.sign(&request, payloadHash: ChunkSigner.payloadHash, date: date)
        #expect(seed.signature == "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9")
        #expect(
            seed.signedHeaders
                == "content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class"
        )

        var chunks = ChunkSigner(
            signingKey: signer.signingKey("20130524"), amzDate: "20130524T000000Z",
            scope: "20130524/us-east-1/s3/aws4_request", seedSignature: seed.signature, chunkSize: 65536)
        #expect(
            chunks.sign(chunkSHA256: Digest.sha256([UInt8](repeating: 0x61, count: 65536)).hexString)
                == "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648")
        #expect(
            chunks.sign(chunkSHA256: Digest.sha256([UInt8](repeating: 0x61, count: 1024)).hexString)
                == "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497")
        #expect(
            chunks.sign(chunkSHA256: SigV4Signer.emptyPayloadSHA256)
                == "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9")
        #expect(ChunkSigner.encodedLength(66560, chunkSize: 65536) == 66824)
    }
}
