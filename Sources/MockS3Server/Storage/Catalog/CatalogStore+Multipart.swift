import Foundation
import S3Wire

/// Multipart uploads: parts kept per upload until it is completed into an object or aborted.
extension CatalogStore {
    public func createUpload(_ bucket: String, key: String, attributes: ObjectAttributes) throws(S3ServerError)
        -> String
    {
        try withBucket(bucket) { b in
            uploadCounter += 1
            let id = Data("upload-\(uploadCounter)-\(UInt64.random(in: 0...UInt64.max))".utf8).base64EncodedString()
                .replacingOccurrences(of: "=", with: "")
            let upload = MultipartUpload(id: id, key: key, initiated: Date(), attributes: attributes)
            b.uploads[id] = upload
            if let log { log.append(.upload(bucket: bucket, upload: log.record(upload))) }
            return id
        }
    }

    public func upload(_ bucket: String, id: String, key: String) throws(S3ServerError) -> MultipartUpload {
        try withBucket(bucket) { b throws(S3ServerError) in try Self.pending(b, id, key) }
    }

    static func pending(_ b: CatalogBucket, _ id: String, _ key: String) throws(S3ServerError) -> MultipartUpload {
        guard let upload = b.uploads[id], upload.key == key else { throw .noSuchUpload(id) }
        return upload
    }

    public func putPart(_ bucket: String, id: String, key: String, part: StoredPart) throws(S3ServerError) {
        let replaced: StoredPart? = try withBucket(bucket) { b throws(S3ServerError) in
            _ = try Self.pending(b, id, key)
            if let log { log.append(.part(bucket: bucket, id: id, part: log.record(part))) }
            return b.uploads[id]!.parts.updateValue(part, forKey: part.number)
        }
        discard(replaced.map { [$0] } ?? [])
    }

    public func completeUpload(
        _ bucket: String, id: String, key: String, parts: [(number: Int, etag: String)],
        precondition: WritePrecondition?,
        finish: ([StoredPart], inout StoredObject) throws(S3ServerError) -> Void
    ) throws(S3ServerError) -> StoredObject {
        let (object, unused, replaced): (StoredObject, [StoredPart], [StoredObject]) = try withBucket(bucket) {
            b throws(S3ServerError) in
            if b.uploads[id] == nil, let done = b.completed[id], done.key == key { return (done, [], []) }
            let upload = try Self.pending(b, id, key)
            try precondition?.check(b.objects[key], key: key)
            let chosen = try Self.chosenParts(parts, of: upload)
            var object = Self.object(of: upload, parts: chosen)
            try finish(chosen, &object)
            let used = Set(chosen.map(\.number))
            b.uploads[id] = nil
            let (stored, replaced) = b.install(object)
            var done = stored
            done.blob = .composite([])
            b.completed[id] = done
            logKey(bucket, b, key)
            log?.append(.dropUpload(bucket: bucket, id: id))
            return (stored, upload.parts.values.filter { !used.contains($0.number) }, replaced)
        }
        discard(unused)
        discard(replaced)
        return object
    }

    /// The parts a completion names, as S3 checks them: ascending numbers, each uploaded with that
    /// ETag, every part but the last at least 5 MiB.
    static func chosenParts(_ parts: [(number: Int, etag: String)], of upload: MultipartUpload) throws(S3ServerError)
        -> [StoredPart]
    {
        guard !parts.isEmpty else { throw .malformedXML }
        var previous = 0
        var chosen: [StoredPart] = []
        for (number, etag) in parts {
            guard number > previous else { throw .invalidPartOrder }
            previous = number
            guard let part = upload.parts[number], part.etag == etag.trimmingCharacters(in: ["\""]) else {
                throw .invalidPart
            }
            chosen.append(part)
        }
        if chosen.dropLast().contains(where: { $0.blob.size < 5 << 20 }) { throw .entityTooSmall }
        return chosen
    }

    /// The object an upload makes of its chosen parts: their bytes in order, the MD5 of their MD5s
    /// with `-N` as its ETag, and the attributes the upload began with.
    static func object(of upload: MultipartUpload, parts: [StoredPart]) -> StoredObject {
        let md5s = parts.flatMap { [UInt8](hexString: $0.etag) ?? [] }
        let a = upload.attributes
        return StoredObject(
            key: upload.key, blob: .composite(parts.map(\.blob)), etag: Digest.md5(md5s).hexString + "-\(parts.count)",
            lastModified: Date(), contentType: a.contentType, contentEncoding: a.contentEncoding, metadata: a.metadata,
            acl: a.acl, checksums: [:], standardHeaders: a.standardHeaders, tags: a.tags, owner: a.owner,
            retention: a.retention, legalHold: a.legalHold,
            parts: parts.map { PartSummary(size: $0.blob.size, checksums: $0.checksums) })
    }

    public func abortUpload(_ bucket: String, id: String, key: String) throws(S3ServerError) {
        let upload: MultipartUpload = try withBucket(bucket) { b throws(S3ServerError) in
            let upload = try Self.pending(b, id, key)
            b.uploads[id] = nil
            log?.append(.dropUpload(bucket: bucket, id: id))
            return upload
        }
        discard(upload.parts.values)
    }

    public func listUploads(
        _ bucket: String, prefix: String, delimiter: String?, keyMarker: String?, uploadIdMarker: String?,
        maxUploads: Int
    ) throws(S3ServerError) -> UploadListResult {
        let pending: [MultipartUpload] = try withBucket(bucket) { b in
            b.uploads.values.filter { $0.key.utf8.starts(with: prefix.utf8) }
                .sorted {
                    $0.key != $1.key
                        ? KeyOrder.precedes($0.key, $1.key)
                        : ($0.initiated, $0.id) < ($1.initiated, $1.id)
                }
        }
        var result = UploadListResult()
        guard maxUploads > 0 else { return result }
        // With an upload-id marker, the marker key's later uploads come first; without one, none of them.
        let markerIndex = keyMarker.flatMap { key in
            uploadIdMarker.flatMap { id in pending.firstIndex { $0.key == key && $0.id == id } }
        }
        for (index, upload) in pending.enumerated() {
            if let keyMarker {
                let later = KeyOrder.precedes(keyMarker, upload.key)
                let laterOnMarkerKey = upload.key == keyMarker && markerIndex.map { index > $0 } == true
                guard later || laterOnMarkerKey else { continue }
            }
            if let commonPrefix = KeyOrder.commonPrefix(upload.key, prefix: prefix, delimiter: delimiter) {
                // A marker inside this group (from the previous page) means the group was already given.
                if commonPrefix == result.commonPrefixes.last
                    || keyMarker.map({ $0.utf8.starts(with: commonPrefix.utf8) }) == true
                {
                    continue
                }
                if result.uploads.count + result.commonPrefixes.count == maxUploads {
                    result.isTruncated = true
                    break
                }
                result.commonPrefixes.append(commonPrefix)
                result.nextKeyMarker = commonPrefix
                result.nextUploadIdMarker = nil
                continue
            }
            if result.uploads.count + result.commonPrefixes.count == maxUploads {
                result.isTruncated = true
                break
            }
            result.uploads.append(upload)
            result.nextKeyMarker = upload.key
            result.nextUploadIdMarker = upload.id
        }
        return result
    }
}
