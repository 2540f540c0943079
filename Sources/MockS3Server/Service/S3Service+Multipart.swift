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
