import Foundation
import Testing

@testable import S3Kit
@testable import S3Wire

@Suite("aws-chunked encoding and checksum trailers")
struct ChunkedEncodingTests {
    let signer = SigV4Signer(
        credentials: Credentials(
            accessKeyId: "AKIAIOSFODNN7EXAMPLE",
            secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        region: "us-east-1")
    let seed = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"

    func chunkSigner(chunkSize: Int) -> ChunkSigner {
        ChunkSigner(
            signingKey: signer.signingKey("20130524"), amzDate: "20130524T000000Z",
            scope: "20130524/us-east-1/s3/aws4_request", seedSignature: seed, chunkSize: chunkSize)
    }

    /// Everything a transfer would send, read through buffers of `bufferSize` bytes.
    func wire(_ body: RequestBody, bufferSize: Int) throws -> [UInt8] {
        let reader = try BodyReader(body)
        defer { reader.close() }
        var out: [UInt8] = []
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 1)
        defer { buffer.deallocate() }
        while true {
            let n = try reader.read(into: buffer)
            if n == 0 { break }
            out += buffer[0..<n]
        }
        #expect(UInt64(out.count) == body.length, "Content-Length must match what is sent")
        return out
    }

    /// A plain encoder, one chunk at a time through libcrypto, to compare the real one with.
    func reference(_ data: [UInt8], chunkSize: Int) -> [UInt8] {
        var signer = chunkSigner(chunkSize: chunkSize)
        var out: [UInt8] = []
        var offset = 0
        repeat {
            let chunk = Array(data[offset..<min(data.count, offset + chunkSize)])
            out += ChunkSigner.header(
                size: chunk.count, signature: signer.sign(chunkSHA256: Digest.sha256(chunk).hexString))
            out += chunk + [0x0D, 0x0A]
            offset += chunk.count
            if chunk.isEmpty { break }
        } while true
        return out
    }

    @Test func theDocumentedBodyComesOutByteForByteThroughAnyBufferSize() throws {
        let data = [UInt8](repeating: 0x61, count: 66560)
        var expected = Array(
            "10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n".utf8)
        expected += data[0..<65536] + Array("\r\n".utf8)
        expected += Array(
            "400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n".utf8)
        expected += data[65536...] + Array("\r\n".utf8)
        expected += Array(
            "0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n".utf8)
        #expect(expected.count == 66824)
        for bufferSize in [1, 89, 4096, 65536 + 88, 2 << 20] {
            #expect(
                try wire(.signedChunks(.bytes(data), chunkSigner(chunkSize: 65536)), bufferSize: bufferSize)
                    == expected,
                "buffer of \(bufferSize) bytes")
        }
    }

    /// Many chunks from a file, so that full chunks go four at a time where the CPU can, then the
    /// partial and final ones; buffers that fit groups, single chunks and less than a chunk.
    @Test func aFileInManyChunksMatchesTheOneAtATimeEncoding() throws {
        var generator = SystemRandomNumberGenerator()
        let chunkSize = 8192
        for length in [0, 1, 8191, 8192, 4 * 8192, 4 * 8192 + 1, 9 * 8192 + 100, 23 * 8192 + 5000] {
            let data = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("chunks-\(UUID())").path
            #expect(FileManager.default.createFile(atPath: path, contents: Data(data)))
            defer { try? FileManager.default.removeItem(atPath: path) }
            let expected = reference(data, chunkSize: chunkSize)
            for bufferSize in [100, 8192 + 88 + 2, 3 * 8300, 4 * 8282, 1 << 20] {
                let body = RequestBody.signedChunks(
                    .file(path: path, offset: 0, length: UInt64(length)), chunkSigner(chunkSize: chunkSize))
                #expect(
                    try wire(body, bufferSize: bufferSize) == expected,
                    "\(length) bytes through a \(bufferSize)-byte buffer")
            }
        }
    }

    /// The default chunk size, read through small and large buffers: the bytes are the data in order,
    /// each chunk carries the chained signature of its SHA-256, and the length is what was announced.
    @Test(arguments: [1, 1000, 65_537, 2 << 20])
    func defaultChunksAreFramedAndSignedInOrder(bufferSize: Int) throws {
        let chunkSize = ChunkSigner.defaultChunkSize
        let data = (0..<(9 * chunkSize + 77)).map { UInt8(truncatingIfNeeded: $0 &* 31 >> 3) }
        let signer = ChunkSigner(
            signingKey: Array(repeating: 9, count: 32), amzDate: "20251125T000000Z",
            scope: "20251125/us-east-1/s3/aws4_request", seedSignature: String(repeating: "a", count: 64))
        let wire = try wire(.signedChunks(.bytes(data), signer), bufferSize: bufferSize)

        var expected = signer
        var decoded: [UInt8] = []
        var i = 0
        var sizes: [Int] = []
        while i < wire.count {
            let lineEnd = try #require((i..<wire.count).first { wire[$0] == 0x0D })
            let header = String(decoding: wire[i..<lineEnd], as: UTF8.self).split(separator: ";")
            let size = try #require(Int(header[0], radix: 16))
            let chunk = Array(wire[(lineEnd + 2)..<(lineEnd + 2 + size)])
            #expect(header[1] == "chunk-signature=\(expected.sign(chunkSHA256: Digest.sha256(chunk).hexString))")
            decoded += chunk
            sizes.append(size)
            i = lineEnd + 2 + size + 2
        }
        #expect(decoded == data && sizes == Array(repeating: chunkSize, count: 9) + [77, 0])
    }

    @Test func aFileThatShrinksWhileSendingIsAnErrorNotAShortBody() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("shrinks-\(UUID())").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data(repeating: 7, count: 40_000)))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let reader = try BodyReader(
            .signedChunks(.file(path: path, offset: 0, length: 80_000), chunkSigner(chunkSize: 8192)))
        defer { reader.close() }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 1)
        defer { buffer.deallocate() }
        #expect(throws: TransportError.self) { while try reader.read(into: buffer) > 0 {} }
    }

    @Test func headerSizeIsTheHeadersLength() {
        for size in [0, 1, 15, 16, 8192, ChunkSigner.defaultChunkSize, 1 << 30] {
            #expect(
                ChunkSigner.header(size: size, signature: SigV4Signer.emptyPayloadSHA256).count
                    == ChunkSigner.headerSize(forData: size))
        }
        // Four default chunks with their framing fit libcurl's largest upload buffer, where they are hashed.
        #expect(
            4 * (ChunkSigner.headerSize(forData: ChunkSigner.defaultChunkSize) + ChunkSigner.defaultChunkSize + 2) <= 2
                << 20)
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
                "0\r\nx-amz-checksum-crc32c:\(Data(withUnsafeBytes(of: crc32c(body).bigEndian) { Data($0) }).base64EncodedString())\r\n\r\n"
            ))
    }

    func crc32c(_ bytes: [UInt8]) -> UInt32 {
        var c = CRC32(.castagnoli)
        bytes.withUnsafeBytes { c.update($0) }
        return c.value
    }
}
