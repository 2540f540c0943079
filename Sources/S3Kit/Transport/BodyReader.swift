import Foundation
import S3Wire

/// Produces a request body's bytes, in order, for the transport's read callback.
/// Created per attempt, so a retry starts again from the first byte.
final class BodyReader: @unchecked Sendable {
    private let source: RawSource
    private let chunked: ChunkedEncoder?
    private let checksummed: TrailingChecksumEncoder?

    init(_ body: RequestBody) throws(TransportError) {
        switch body {
        case .signedChunks(let inner, let signer):
            source = try RawSource(inner)
            chunked = ChunkedEncoder(source: source, signer: signer)
            checksummed = nil
        case .checksummedChunks(let inner):
            source = try RawSource(inner)
            chunked = nil
            checksummed = TrailingChecksumEncoder(source: source)
        default:
            source = try RawSource(body)
            chunked = nil
            checksummed = nil
        }
    }

    /// Fills `buffer`; 0 at the end.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(TransportError) -> Int {
        if let chunked { return try chunked.read(into: buffer) }
        if let checksummed { return try checksummed.read(into: buffer) }
        return try source.read(into: buffer)
    }

    func close() {
        source.close()
    }
}

/// The plain bytes of `.empty`, `.bytes` or a `.file` range.
final class RawSource: @unchecked Sendable {
    private let body: RequestBody
    private var fd: Int32 = -1
    private var position: UInt64 = 0
    private let end: UInt64
    var remaining: UInt64 { end - position }

    init(_ body: RequestBody) throws(TransportError) {
        self.body = body
        switch body {
        case .empty: end = 0
        case .bytes(let bytes): end = UInt64(bytes.count)
        case .file(let path, let offset, let length):
            fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                throw TransportError(
                    .bodyUnreadable, endpoint: "", detail: "cannot open \(path): \(String(cString: strerror(errno)))")
            }
            position = offset
            end = offset + length
        case .signedChunks, .checksummedChunks:
            throw TransportError(.other, endpoint: "", detail: "nested aws-chunked bodies")
        }
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(TransportError) -> Int {
        let wanted = Int(min(UInt64(buffer.count), end - position))
        guard wanted > 0 else { return 0 }
        switch body {
        case .bytes(let bytes):
            bytes.withUnsafeBytes { src in
                buffer.baseAddress!.copyMemory(from: src.baseAddress! + Int(position), byteCount: wanted)
            }
            position += UInt64(wanted)
            return wanted
        case .file(let path, _, _):
            let n = pread(fd, buffer.baseAddress, wanted, off_t(position))
            guard n > 0 else {
                throw TransportError(
                    .bodyUnreadable, endpoint: "",
                    detail: n == 0
                        ? "\(path) is shorter than expected (changed while uploading?)"
                        : "reading \(path): \(String(cString: strerror(errno)))")
            }
            position += UInt64(n)
            return n
        default:
            return 0
        }
    }

    /// Reads `buffer.count` bytes at `offset` from the body's start, independent of `read`'s position;
    /// safe from several threads at once (pread).
    func read(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws(TransportError) {
        switch body {
        case .bytes(let bytes):
            bytes.withUnsafeBytes { src in
                buffer.baseAddress!.copyMemory(from: src.baseAddress! + Int(offset), byteCount: buffer.count)
            }
        case .file(let path, let start, _):
            var done = 0
            while done < buffer.count {
                let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(start + offset) + off_t(done))
                guard n > 0 else {
                    throw TransportError(
                        .bodyUnreadable, endpoint: "",
                        detail: n == 0
                            ? "\(path) became shorter while uploading"
                            : "reading \(path): \(String(cString: strerror(errno)))")
                }
                done += n
            }
        default:
            break
        }
    }

    func close() {
        if fd >= 0 {
            Foundation.close(fd)
            fd = -1
        }
    }
}

/// Frames a body as signed `aws-chunked`, whole chunks at a time, in the place they are sent from: each
/// chunk is read from the file once, straight into the transfer's buffer behind a gap for its header,
/// hashed there, and the header (carrying the signature of that hash) fills the gap. Four full chunks
/// are hashed at once where the CPU can (`SHA256x4`), which is what makes signing cheap enough to do
/// in line. When the buffer left is too small for the next chunks, they are framed in a staging buffer
/// and copied out from it.
final class ChunkedEncoder: @unchecked Sendable {
    private let source: RawSource
    private var signer: ChunkSigner
    private let length: UInt64
    /// The data chunks, then the empty final one.
    private let chunkCount: Int
    private var nextChunk = 0
    /// Chunks framed in a staging buffer (the transfer's buffer had too little room) not yet sent.
    private var staged = PendingBytes()

    init(source: RawSource, signer: ChunkSigner) {
        self.source = source
        self.signer = signer
        length = source.remaining
        chunkCount = Int((length + UInt64(signer.chunkSize) - 1) / UInt64(signer.chunkSize)) + 1
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(TransportError) -> Int {
        var written = staged.drain(into: buffer, at: 0)
        while staged.isEmpty && nextChunk < chunkCount {
            let group = group(from: nextChunk)
            let size = group.reduce(0) { $0 + wireSize(ofChunk: $1) }
            if size <= buffer.count - written {
                try encode(group, into: UnsafeMutableRawBufferPointer(rebasing: buffer[written..<(written + size)]))
                written += size
            } else if written > 0 {
                break
            } else {
                try staged.fill(count: size) { (space) throws(TransportError) in try encode(group, into: space) }
                written += staged.drain(into: buffer, at: 0)
            }
            nextChunk = group.upperBound
        }
        return written
    }

    private func dataSize(ofChunk index: Int) -> Int {
        let offset = UInt64(index) * UInt64(signer.chunkSize)
        return Int(min(UInt64(signer.chunkSize), length - min(length, offset)))
    }

    /// Header, data, CRLF.
    private func wireSize(ofChunk index: Int) -> Int {
        let size = dataSize(ofChunk: index)
        return ChunkSigner.headerSize(forData: size) + size + 2
    }

    /// Four full chunks from `first` when they can be hashed together, else one.
    private func group(from first: Int) -> Range<Int> {
        let four = first..<first + SHA256x4.lanes
        if SHA256x4.isAvailable && four.upperBound < chunkCount && dataSize(ofChunk: four.last!) == signer.chunkSize {
            return four
        }
        return first..<first + 1
    }

    /// Writes the chunks of `group`, framed and signed, filling `out` exactly.
    private func encode(_ group: Range<Int>, into out: UnsafeMutableRawBufferPointer) throws(TransportError) {
        var data: [UnsafeMutableRawBufferPointer] = []
        var position = 0
        for index in group {
            let size = dataSize(ofChunk: index)
            let start = position + ChunkSigner.headerSize(forData: size)
            let place = UnsafeMutableRawBufferPointer(rebasing: out[start..<(start + size)])
            try source.read(at: UInt64(index) * UInt64(signer.chunkSize), into: place)
            data.append(place)
            position = start + size + 2
        }
        let hashes: [[UInt8]]
        if data.count == SHA256x4.lanes {
            var sha = SHA256x4()
            hashes = sha.finalize(data.map { UnsafeRawBufferPointer($0) })
        } else {
            hashes = data.map { place in
                let digest = Digest(.sha256)
                digest.update(UnsafeRawBufferPointer(place))
                return digest.finalize()
            }
        }
        // Signatures chain, so they are made in order.
        position = 0
        for (place, hash) in zip(data, hashes) {
            let header = ChunkSigner.header(size: place.count, signature: signer.sign(chunkSHA256: hash.hexString))
            header.withUnsafeBytes {
                (out.baseAddress! + position).copyMemory(from: $0.baseAddress!, byteCount: header.count)
            }
            position += header.count + place.count
            out[position] = 0x0D
            out[position + 1] = 0x0A
            position += 2
        }
    }
}

/// Frames a body as unsigned `aws-chunked` (`STREAMING-UNSIGNED-PAYLOAD-TRAILER`): `hex-size CRLF data
/// CRLF` per chunk, then `0 CRLF`, the `x-amz-checksum-crc32c` trailer and an empty line. The file is
/// read straight into the transfer's buffer and checksummed there: one pass, no copy of our own.
final class TrailingChecksumEncoder: @unchecked Sendable {
    static let chunkSize = ChecksumTrailerFraming.chunkSize
    static let trailerName = ChecksumTrailerFraming.trailerName

    private enum Phase {
        case header
        case data(remaining: Int)
        case done
    }
    private let source: RawSource
    private var left: UInt64
    private var crc = CRC32(.castagnoli)
    private var phase = Phase.header
    private var framing = PendingBytes()

    init(source: RawSource) {
        self.source = source
        left = source.remaining
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(TransportError) -> Int {
        var written = 0
        while written < buffer.count {
            if !framing.isEmpty {
                written += framing.drain(into: buffer, at: written)
                continue
            }
            switch phase {
            case .header:
                let size = Int(min(UInt64(Self.chunkSize), left))
                if size == 0 {
                    let value = Data(crc.bytes).base64EncodedString()
                    framing.set(Array("0\r\n\(Self.trailerName):\(value)\r\n\r\n".utf8))
                    phase = .done
                } else {
                    framing.set(Array((String(size, radix: 16) + "\r\n").utf8))
                    phase = .data(remaining: size)
                }
            case .data(let remaining):
                let space = UnsafeMutableRawBufferPointer(
                    rebasing: buffer[written..<min(buffer.count, written + remaining)])
                let n = try source.read(into: space)
                crc.update(UnsafeRawBufferPointer(rebasing: space[0..<n]))
                written += n
                left -= UInt64(n)
                if remaining == n {
                    framing.set([0x0D, 0x0A])
                    phase = .header
                } else {
                    phase = .data(remaining: remaining - n)
                }
            case .done:
                return written
            }
        }
        return written
    }
}

/// Bytes made ahead of the transfer's buffer and waiting to go out before more: framing (a chunk
/// header, a line end, a trailer), or chunks framed where the buffer had no room for them. Its storage
/// is kept from one use to the next.
struct PendingBytes {
    private var bytes: [UInt8] = []
    private var offset = 0
    private var end = 0

    var isEmpty: Bool { offset == end }

    mutating func set(_ new: [UInt8]) {
        bytes = new
        offset = 0
        end = new.count
    }

    /// Lets `write` fill `count` bytes in place, to go out next.
    mutating func fill(count: Int, _ write: (UnsafeMutableRawBufferPointer) throws(TransportError) -> Void)
        throws(TransportError)
    {
        if bytes.count < count { bytes = [UInt8](repeating: 0, count: count) }
        offset = 0
        end = 0
        var failure: TransportError?
        bytes.withUnsafeMutableBytes { raw in
            do throws(TransportError) { try write(UnsafeMutableRawBufferPointer(rebasing: raw[0..<count])) } catch {
                failure = error
            }
        }
        if let failure { throw failure }
        end = count
    }

    /// Copies what fits into `buffer` from `written` on; returns how many bytes that was.
    mutating func drain(into buffer: UnsafeMutableRawBufferPointer, at written: Int) -> Int {
        let n = min(buffer.count - written, end - offset)
        guard n > 0 else { return 0 }
        bytes.withUnsafeBytes { src in
            (buffer.baseAddress! + written).copyMemory(from: src.baseAddress! + offset, byteCount: n)
        }
        offset += n
        return n
    }
}
