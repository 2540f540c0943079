import Foundation
import NIOCore
import S3Wire

/// Multipart uploads: creation, parts and completion (abort and listings are in `execute` and
/// `S3Semantics+Listings`). An upload may name a checksum algorithm: each part then has that
/// checksum, and the object a COMPOSITE one (of the parts' checksums, `-N` after it) or, for the
/// CRCs, a FULL_OBJECT one.
extension S3Semantics {
    func createUpload(_ bucket: String, _ key: String, _ r: IncomingRequest, caller: Account?) throws(S3ServerError)
        -> S3Response
    {
        var attributes = try attributes(r, bucket: bucket, caller: caller)
        var headers: [(String, String)] = []
        if let name = r.headers.first(name: "x-amz-checksum-algorithm") {
            guard let algorithm = Checksum.Algorithm(rawValue: name.lowercased()) else {
                throw .invalidRequest("Checksum algorithm \(name) is not one of CRC32, CRC32C, CRC64NVME, SHA1, SHA256")
            }
            let type =
                r.headers.first(name: "x-amz-checksum-type")?.uppercased()
                ?? (algorithm == .crc64nvme ? "FULL_OBJECT" : "COMPOSITE")
            guard type == "COMPOSITE" || type == "FULL_OBJECT" else {
                throw .invalidRequest("Checksum type \(type) is not COMPOSITE or FULL_OBJECT")
            }
            guard type == "COMPOSITE" || algorithm.canBeFullObject else {
                throw .invalidRequest(
                    "The FULL_OBJECT checksum type cannot be used with the \(name.uppercased()) checksum algorithm.")
            }
            guard type == "FULL_OBJECT" || algorithm != .crc64nvme else {
                throw .invalidRequest(
                    "The COMPOSITE checksum type cannot be used with the CRC64NVME checksum algorithm.")
            }
            attributes.checksumAlgorithm = algorithm.rawValue
            attributes.checksumType = type
            headers = [("x-amz-checksum-algorithm", name.uppercased()), ("x-amz-checksum-type", type)]
        }
        let id = try store.createUpload(bucket, key: key, attributes: attributes)
        var document = XMLWriter(root: "InitiateMultipartUploadResult")
        document.element("Bucket", bucket)
        document.element("Key", key)
        document.element("UploadId", id)
        var response = S3Response.xml(document.finish())
        response.headers += headers
        return response
    }

    /// The checksum of a stored blob's bytes, read 8 MiB at a time.
    func checksum(_ algorithm: Checksum.Algorithm, of blobs: [Blob]) throws(S3ServerError) -> String {
        let checksum = Checksum(algorithm)
        for blob in blobs {
            for start in stride(from: UInt64(0), to: blob.size, by: 8 << 20) {
                for slice in blob.slices(start..<min(start + (8 << 20), blob.size)) {
                    try slice.load().withUnsafeReadableBytes { checksum.update($0) }
                }
            }
        }
        return checksum.finalize()
    }

    func uploadPart(_ bucket: String, _ key: String, _ r: IncomingRequest, body: ReceivedBody) throws(S3ServerError)
        -> S3Response
    {
        guard case .stored(let blob, let result) = body else { throw .missingContentLength }
        guard let text = r.queryValue("partNumber"), let number = Int(text), (1...10_000).contains(number) else {
            store.blobs.discard(blob)
            throw .invalidArgument(
                "Part number must be an integer between 1 and 10000, inclusive", name: "partNumber",
                value: r.queryValue("partNumber"))
        }
        let etag = result.md5.hexString
        do {
            // The upload's algorithm is every part's: computed here for a part sent without it.
            var checksums = result.checksums
            let upload = try store.upload(bucket, id: r.queryValue("uploadId") ?? "", key: key)
            if let name = upload.attributes.checksumAlgorithm, checksums[name] == nil,
                let algorithm = Checksum.Algorithm(rawValue: name)
            {
                checksums[name] = try checksum(algorithm, of: [blob])
            }
            try store.putPart(
                bucket, id: upload.id, key: key,
                part: StoredPart(number: number, blob: blob, etag: etag, lastModified: Date(), checksums: checksums))
        } catch {
            store.blobs.discard(blob)
            throw error
        }
        var headers = [("ETag", "\"\(etag)\"")]
        for (name, value) in result.checksums { headers.append(("x-amz-checksum-\(name)", value)) }
        return S3Response(status: 200, headers: headers)
    }

    /// UploadPartCopy: a part made of (a range of) another object's bytes.
    func uploadPartCopy(_ bucket: String, _ key: String, _ r: IncomingRequest) throws(S3ServerError)
        -> S3Response
    {
        guard let text = r.queryValue("partNumber"), let number = Int(text), (1...10_000).contains(number) else {
            throw .invalidArgument(
                "Part number must be an integer between 1 and 10000, inclusive", name: "partNumber",
                value: r.queryValue("partNumber"))
        }
        let id = r.queryValue("uploadId") ?? ""
        _ = try store.upload(bucket, id: id, key: key)
        let source = try copySource(r).object
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
        var response = S3Response.xml(Self.copyResult(part.lastModified, etag: part.etag, root: "CopyPartResult"))
        if source.versionId != "null" { response.headers.append(("x-amz-copy-source-version-id", source.versionId)) }
        return response
    }

    /// `x-amz-copy-source-range: bytes=first-last`, both given, within the source.
    static func copyRange(_ header: String, size: UInt64) throws(S3ServerError) -> Range<UInt64> {
        let spec =
            header.hasPrefix("bytes=")
            ? header.dropFirst(6).split(separator: "-", omittingEmptySubsequences: false) : []
        guard spec.count == 2, let first = UInt64(spec[0]), let last = UInt64(spec[1]), first <= last else {
            throw .invalidArgument(
                "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy",
                name: "x-amz-copy-source-range", value: header)
        }
        guard last < size else {
            throw .copyRangeNotSatisfiable(size)
        }
        return first..<(last + 1)
    }

    func complete(_ bucket: String, _ key: String, _ r: IncomingRequest, body: ReceivedBody) throws(S3ServerError)
        -> S3Response
    {
        let root = try parseXML(body.bytes)
        guard root.name == "CompleteMultipartUpload" else { throw .malformedXML }
        var parts: [(number: Int, etag: String)] = []
        var claimed: [Int: [String: String]] = [:]  // the part checksums the request names
        for part in root.children("Part") {
            guard let text = part.value("PartNumber"), let number = Int(text), let etag = part.value("ETag") else {
                throw .malformedXML
            }
            guard (1...10_000).contains(number) else {
                throw .invalidArgument("Part number must be an integer between 1 and 10000, inclusive")
            }
            parts.append((number, etag))
            for algorithm in Checksum.Algorithm.allCases {
                if let value = part.value(algorithm.element) {
                    claimed[number, default: [:]][algorithm.rawValue] = value
                }
            }
        }
        // An upload already completed is answered by the store with the object it made.
        let id = r.queryValue("uploadId") ?? ""
        let upload = try? store.upload(bucket, id: id, key: key)
        let algorithm = upload?.attributes.checksumAlgorithm.flatMap(Checksum.Algorithm.init(rawValue:))
        let expected = algorithm.flatMap { r.headers.first(name: "x-amz-checksum-\($0.rawValue)") }
        let object = try store.completeUpload(
            bucket, id: id, key: key, parts: parts, precondition: try writePrecondition(r)
        ) {
            chosen, object throws(S3ServerError) in
            for part in chosen {
                for (name, value) in claimed[part.number] ?? [:] where part.checksums[name] != value {
                    throw .invalidPart
                }
            }
            guard let algorithm else { return }
            let value: String
            if upload?.attributes.checksumType == "FULL_OBJECT" {
                value = try self.checksum(algorithm, of: chosen.map(\.blob))
            } else {
                var concatenated: [UInt8] = []
                for part in chosen {
                    guard let text = part.checksums[algorithm.rawValue], let bytes = Data(base64Encoded: text) else {
                        throw .invalidPart
                    }
                    concatenated += bytes
                }
                value = concatenated.withUnsafeBytes { Checksum.of(algorithm, $0) } + "-\(chosen.count)"
            }
            if let expected, expected != value {
                throw .checksumMismatch(algorithm.rawValue)
            }
            object.checksums = [algorithm.rawValue: value]
            object.checksumType = upload?.attributes.checksumType
        }
        var document = XMLWriter(root: "CompleteMultipartUploadResult")
        document.element("Location", "/\(bucket)/\(key)")
        document.element("Bucket", bucket)
        document.element("Key", key)
        document.element("ETag", "\"\(object.etag)\"")
        if let (name, value) = object.checksums.first, let algorithm = Checksum.Algorithm(rawValue: name) {
            document.element(algorithm.element, value)
            document.element("ChecksumType", object.checksumType ?? "COMPOSITE")
        }
        return S3Response.xml(document.finish()).with(versionOf: object)
    }

    func abortUpload(_ bucket: String, _ key: String, _ r: IncomingRequest) throws(S3ServerError) -> S3Response {
        try store.abortUpload(bucket, id: r.queryValue("uploadId") ?? "", key: key)
        return S3Response(status: 204)
    }
}
