/// The framing of an unsigned `aws-chunked` body with a checksum trailer
/// (`STREAMING-UNSIGNED-PAYLOAD-TRAILER`): `hex(size) CRLF data CRLF` per chunk, then `0 CRLF`, the
/// trailer line and an empty line. The client writes it and the mock reads it; both take its sizes here.
public enum ChecksumTrailerFraming {
    public static let payloadHash = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
    /// Data bytes per chunk but the last.
    public static let chunkSize = 1 << 20
    public static let trailerName = "x-amz-checksum-crc32c"

    /// Bytes on the wire for `length` bytes of data: what Content-Length must say.
    public static func encodedLength(_ length: UInt64) -> UInt64 {
        let size = UInt64(chunkSize)
        let full = length / size
        let rest = length % size
        var total = full * (UInt64(String(chunkSize, radix: 16).utf8.count) + 2 + size + 2)
        if rest > 0 { total += UInt64(String(rest, radix: 16).utf8.count) + 2 + rest + 2 }
        // "0\r\n", "x-amz-checksum-crc32c:" + 8 base64 characters + "\r\n", "\r\n"
        return total + 3 + UInt64(trailerName.utf8.count) + 1 + 8 + 2 + 2
    }
}
