import Foundation
import S3Wire

/// Listings: ListObjects V1 and V2, object versions, multipart uploads, parts.
extension S3Semantics {
    /// What every listing takes: prefix, delimiter (empty is none), max-keys or max-uploads (at most
    /// 1,000) and encoding-type (only `url`).
    struct ListingParameters {
        var prefix: String
        var delimiter: String?
        var maxKeys: Int
        var encodingType: String?

        /// `limitName` is the count's parameter: max-keys, or max-uploads for ListMultipartUploads.
        init(_ r: IncomingRequest, limitName: String = "max-keys") throws(S3ServerError) {
            maxKeys = 1000
            if let text = r.queryValue(limitName) {
                guard let n = Int(text), n >= 0 else {
                    throw .invalidArgument(
                        "Provided \(limitName) not an integer or within integer range", name: limitName, value: text)
                }
                maxKeys = min(n, 1000)
            }
            encodingType = r.queryValue("encoding-type")
            if let encodingType, encodingType != "url" {
                throw .invalidArgument(
                    "Invalid Encoding Method specified in Request", name: "encoding-type", value: encodingType)
            }
            prefix = r.queryValue("prefix") ?? ""
            delimiter = r.queryValue("delimiter").flatMap { $0.isEmpty ? nil : $0 }
        }

        /// A key, prefix or marker as the answer gives it: URL-encoded when asked.
        func encode(_ text: String) -> String {
            encodingType == "url" ? URIEncoding.encode(text, keepSlash: true) : text
        }

        /// Delimiter, EncodingType and IsTruncated, as every listing gives them.
        func write(_ document: inout XMLWriter, truncated: Bool) {
            document.element("MaxKeys", maxKeys)
            document.element("Delimiter", ifPresent: delimiter.map(encode))
            document.element("EncodingType", ifPresent: encodingType)
            document.element("IsTruncated", truncated)
        }

        func writePrefixes(_ prefixes: [String], to document: inout XMLWriter) {
            for prefix in prefixes { document.element("CommonPrefixes") { $0.element("Prefix", encode(prefix)) } }
        }
    }

    func list(_ bucket: String, _ r: IncomingRequest, v2: Bool) throws(S3ServerError) -> S3Response {
        let listing = try ListingParameters(r)
        let token = r.queryValue("continuation-token")
        let after: String? =
            if v2, let token { try ContinuationToken.decode(token) } else if v2 { r.queryValue("start-after") } else {
                r.queryValue("marker")
            }
        let result = try store.list(
            bucket, prefix: listing.prefix, delimiter: listing.delimiter, after: after, maxKeys: listing.maxKeys)
        var document = XMLWriter(root: "ListBucketResult")
        document.element("Name", bucket)
        // V1 gives its Prefix as sent, encoded or not (clients decode only V2's).
        document.element("Prefix", v2 ? listing.encode(listing.prefix) : listing.prefix)
        if v2 {
            document.element("KeyCount", result.objects.count + result.commonPrefixes.count)
            document.element("ContinuationToken", ifPresent: token)
            document.element("StartAfter", ifPresent: r.queryValue("start-after").map(listing.encode))
        } else {
            document.element("Marker", listing.encode(r.queryValue("marker") ?? ""))
        }
        listing.write(&document, truncated: result.isTruncated)
        if result.isTruncated, let last = result.lastReturned {
            if v2 {
                document.element("NextContinuationToken", ContinuationToken.encode(last))
            } else if listing.delimiter != nil {
                document.element("NextMarker", listing.encode(last))
            }
        }
        let withOwner = !v2 || r.queryValue("fetch-owner") == "true"
        for object in result.objects {
            document.element("Contents") {
                $0.element("Key", listing.encode(object.key))
                $0.element("LastModified", UTCDate(object.lastModified).s3Timestamp)
                $0.element("ETag", "\"\(object.etag)\"")
                $0.element("Size", object.size)
                if withOwner { $0.owner(object.owner) }
                $0.element("StorageClass", "STANDARD")
            }
        }
        listing.writePrefixes(result.commonPrefixes, to: &document)
        return .xml(document.finish())
    }

    /// ListObjectVersions: each key's versions newest first, delete markers among them (an
    /// unversioned bucket's objects once each, version `null`, as S3 answers them).
    func listVersions(_ bucket: String, _ r: IncomingRequest) throws(S3ServerError) -> S3Response {
        let listing = try ListingParameters(r)
        let keyMarker = r.queryValue("key-marker").flatMap { $0.isEmpty ? nil : $0 }
        let versionIdMarker = r.queryValue("version-id-marker").flatMap { $0.isEmpty ? nil : $0 }
        if versionIdMarker != nil && keyMarker == nil {
            throw .invalidArgument(
                "A version-id marker cannot be specified without a key marker.", name: "version-id-marker",
                value: versionIdMarker)
        }
        let result = try store.listVersions(
            bucket, prefix: listing.prefix, delimiter: listing.delimiter, keyMarker: keyMarker,
            versionIdMarker: versionIdMarker, maxKeys: listing.maxKeys)
        var document = XMLWriter(root: "ListVersionsResult")
        document.element("Name", bucket)
        document.element("Prefix", listing.encode(listing.prefix))
        document.element("KeyMarker", listing.encode(keyMarker ?? ""))
        document.element("VersionIdMarker", versionIdMarker ?? "")
        listing.write(&document, truncated: result.isTruncated)
        if result.isTruncated, let key = result.nextKeyMarker {
            document.element("NextKeyMarker", listing.encode(key))
            document.element("NextVersionIdMarker", ifPresent: result.nextVersionIdMarker)
        }
        for (object, isLatest) in result.versions {
            document.element(object.isDeleteMarker ? "DeleteMarker" : "Version") {
                $0.element("Key", listing.encode(object.key))
                $0.element("VersionId", object.versionId)
                $0.element("IsLatest", isLatest)
                $0.element("LastModified", UTCDate(object.lastModified).s3Timestamp)
                if object.isDeleteMarker {
                    $0.owner(object.owner)
                } else {
                    $0.element("ETag", "\"\(object.etag)\"")
                    $0.element("Size", object.size)
                    $0.owner(object.owner)
                    $0.element("StorageClass", "STANDARD")
                }
            }
        }
        listing.writePrefixes(result.commonPrefixes, to: &document)
        return .xml(document.finish())
    }

    /// ListMultipartUploads: by key, then by when each began; key-marker and upload-id-marker page on
    /// from where a truncated answer stopped (NextKeyMarker, NextUploadIdMarker); delimiter,
    /// max-uploads and encoding-type as the object listings take them.
    func listUploads(_ bucket: String, _ r: IncomingRequest) throws(S3ServerError) -> S3Response {
        let listing = try ListingParameters(r, limitName: "max-uploads")
        let keyMarker = r.queryValue("key-marker").flatMap { $0.isEmpty ? nil : $0 }
        let uploadIdMarker = keyMarker == nil ? nil : r.queryValue("upload-id-marker").flatMap { $0.isEmpty ? nil : $0 }
        let result = try store.listUploads(
            bucket, prefix: listing.prefix, delimiter: listing.delimiter, keyMarker: keyMarker,
            uploadIdMarker: uploadIdMarker, maxUploads: listing.maxKeys)
        var document = XMLWriter(root: "ListMultipartUploadsResult")
        document.element("Bucket", bucket)
        document.element("KeyMarker", listing.encode(keyMarker ?? ""))
        document.element("UploadIdMarker", uploadIdMarker ?? "")
        if result.isTruncated, let next = result.nextKeyMarker {
            document.element("NextKeyMarker", listing.encode(next))
            document.element("NextUploadIdMarker", result.nextUploadIdMarker ?? "")
        }
        document.element("Prefix", listing.encode(listing.prefix))
        document.element("MaxUploads", listing.maxKeys)
        document.element("Delimiter", ifPresent: listing.delimiter.map(listing.encode))
        document.element("EncodingType", ifPresent: listing.encodingType)
        document.element("IsTruncated", result.isTruncated)
        for upload in result.uploads {
            document.element("Upload") {
                $0.element("Key", listing.encode(upload.key))
                $0.element("UploadId", upload.id)
                $0.owner(upload.attributes.owner, as: "Initiator")
                $0.owner(upload.attributes.owner)
                $0.element("StorageClass", "STANDARD")
                $0.element("Initiated", UTCDate(upload.initiated).s3Timestamp)
            }
        }
        listing.writePrefixes(result.commonPrefixes, to: &document)
        return .xml(document.finish())
    }

    func listParts(_ bucket: String, _ key: String, _ r: IncomingRequest) throws(S3ServerError) -> S3Response {
        let upload = try store.upload(bucket, id: r.queryValue("uploadId") ?? "", key: key)
        var document = XMLWriter(root: "ListPartsResult")
        document.element("Bucket", bucket)
        document.element("Key", key)
        document.element("UploadId", upload.id)
        document.element("PartNumberMarker", 0)
        document.element("NextPartNumberMarker", upload.parts.keys.max() ?? 0)
        document.element("MaxParts", 1000)
        document.element("IsTruncated", false)
        document.owner(upload.attributes.owner, as: "Initiator")
        document.owner(upload.attributes.owner)
        document.element("StorageClass", "STANDARD")
        if let algorithm = upload.attributes.checksumAlgorithm {
            document.element("ChecksumAlgorithm", algorithm.uppercased())
            document.element("ChecksumType", upload.attributes.checksumType ?? "COMPOSITE")
        }
        for part in upload.parts.values.sorted(by: { $0.number < $1.number }) {
            document.element("Part") {
                $0.element("PartNumber", part.number)
                $0.element("LastModified", UTCDate(part.lastModified).s3Timestamp)
                $0.element("ETag", "\"\(part.etag)\"")
                $0.element("Size", part.blob.size)
                $0.checksums(part.checksums)
            }
        }
        return .xml(document.finish())
    }
}

extension XMLWriter {
    /// `<ChecksumCRC32>…</ChecksumCRC32>` and the like, one per algorithm, in a fixed order.
    mutating func checksums(_ values: [String: String]) {
        for (name, value) in values.sorted(by: { $0.key < $1.key }) {
            if let algorithm = Checksum.Algorithm(rawValue: name) { element(algorithm.element, value) }
        }
    }
}
