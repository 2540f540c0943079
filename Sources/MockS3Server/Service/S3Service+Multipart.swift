import Foundation
import NIOCore
import S3Wire

/// Multipart uploads: parts and completion (creation, abort and listings are one-liners in `execute` and `S3Service+Listings`).
extension S3Service {
    func uploadPart(_ bucket: String, _ key: String, _ r: IncomingRequest, body: ReceivedBody) throws(S3ServerError) -> S3Response {
        guard case .stored(let blob, let result) = body else { throw .missingContentLength }
        guard let text = r.queryValue("partNumber"), let number = Int(text), (1...10_000).contains(number) else {
            store.blobs.discard(blob)
            throw .invalidArgument("Part number must be an integer between 1 and 10000, inclusive", name: "partNumber", value: r.queryValue("partNumber"))
        }
        let etag = result.md5.hexString
        do {
            try store.putPart(bucket, id: r.queryValue("uploadId") ?? "", key: key,
                              part: StoredPart(number: number, blob: blob, etag: etag, lastModified: Date()))
        } catch {
            store.blobs.discard(blob)
            throw error
        }
        var headers = [("ETag", "\"\(etag)\"")]
        for (name, value) in result.checksums { headers.append(("x-amz-checksum-\(name)", value)) }
        return S3Response(status: 200, headers: headers)
    }

    /// UploadPartCopy: a part made of (a range of) another object's bytes.
    func uploadPartCopy(_ bucket: String, _ key: String, _ r: IncomingRequest, caller: Account?) throws(S3ServerError) -> S3Response {
        guard let text = r.queryValue("partNumber"), let number = Int(text), (1...10_000).contains(number) else {
            throw .invalidArgument("Part number must be an integer between 1 and 10000, inclusive", name: "partNumber", value: r.queryValue("partNumber"))
        }
        let id = r.queryValue("uploadId") ?? ""
        _ = try store.upload(bucket, id: id, key: key)
        let source = try copySource(r, caller: caller).object
        var range = 0..<source.size
        if let header = r.headers.first(name: "x-amz-copy-source-range") {
            range = try Self.copyRange(header, size: source.size)
        }
        let (blob, md5) = try copyBytes(source.blob, range)
        let part = StoredPart(number: number, blob: blob, etag: md5.hexString, lastModified: Date())
        do {
            try store.putPart(bucket, id: id, key: key, part: part)
        } catch {
            store.blobs.discard(blob)
            throw error
        }
        var response = S3Response.xml("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CopyPartResult xmlns=\"\(Self.xmlns)\"><LastModified>\(UTCDate(part.lastModified).iso8601)</LastModified><ETag>&quot;\(part.etag)&quot;</ETag></CopyPartResult>")
        if source.versionId != "null" { response.headers.append(("x-amz-copy-source-version-id", source.versionId)) }
        return response
    }

    /// `x-amz-copy-source-range: bytes=first-last`, both given, within the source.
    static func copyRange(_ header: String, size: UInt64) throws(S3ServerError) -> Range<UInt64> {
        let spec = header.hasPrefix("bytes=") ? header.dropFirst(6).split(separator: "-", omittingEmptySubsequences: false) : []
        guard spec.count == 2, let first = UInt64(spec[0]), let last = UInt64(spec[1]), first <= last else {
            throw .invalidArgument("The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy",
                                   name: "x-amz-copy-source-range", value: header)
        }
        guard last < size else {
            throw .init("InvalidRange", 416, "The requested range is not satisfiable", extra: [("ActualObjectSize", String(size))])
        }
        return first..<(last + 1)
    }

    func complete(_ bucket: String, _ key: String, _ r: IncomingRequest, body: ReceivedBody) throws(S3ServerError) -> S3Response {
        let root = try parseXML(body.bytes)
        guard root.name == "CompleteMultipartUpload" else { throw .malformedXML }
        var parts: [(number: Int, etag: String)] = []
        for part in root.children("Part") {
            guard let text = part.value("PartNumber"), let number = Int(text), let etag = part.value("ETag") else { throw .malformedXML }
            guard (1...10_000).contains(number) else { throw .invalidArgument("Part number must be an integer between 1 and 10000, inclusive") }
            parts.append((number, etag))
        }
        let object = try store.completeUpload(bucket, id: r.queryValue("uploadId") ?? "", key: key, parts: parts,
                                              precondition: try writePrecondition(r))
        return S3Response.xml("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CompleteMultipartUploadResult xmlns=\"\(Self.xmlns)\"><Location>/\(XML.escape(bucket))/\(XML.escape(key))</Location><Bucket>\(XML.escape(bucket))</Bucket><Key>\(XML.escape(key))</Key><ETag>&quot;\(object.etag)&quot;</ETag></CompleteMultipartUploadResult>").with(versionOf: object)
    }
}
