import Foundation
import NIOCore
import S3Wire

/// Objects: put, get (ranges, conditionals), copy, delete, and their attributes and ACLs.
extension S3Service {
    /// What a write says about the object it makes: headers, metadata, tags, owner and ACL.
    func attributes(_ r: IncomingRequest, bucket: String, caller: Account?) throws(S3ServerError) -> ObjectAttributes {
        var a = ObjectAttributes()
        a.contentType = r.headers.first(name: "content-type")
        a.contentEncoding = r.headers.first(name: "content-encoding").flatMap { value in
            let rest = value.split(separator: ",").map(\.trimmingSpaces).filter { $0 != "aws-chunked" }
            return rest.isEmpty ? nil : rest.joined(separator: ", ")
        }
        for (name, value) in r.headers where name.lowercased().hasPrefix("x-amz-meta-") {
            a.metadata.append((name.lowercased(), value))
        }
        for name in Self.standardHeaderNames {
            if let value = r.headers.first(name: name) { a.standardHeaders.append((name, value)) }
        }
        if let tagging = r.headers.first(name: "x-amz-tagging") { a.tags = try parseTaggingHeader(tagging) }
        guard a.metadata.reduce(0, { $0 + $1.0.utf8.count + $1.1.utf8.count }) <= 2048 else {
            throw .init("MetadataTooLarge", 400, "Your metadata headers exceed the maximum allowed metadata size.")
        }
        let access = try store.bucketAccess(bucket)
        a.owner = newObjectOwner(r, caller: caller, access)
        a.acl = try requestedACL(r, owner: a.owner, access)
        (a.retention, a.legalHold) = try lockHeaders(r, lock: access.objectLock)
        return a
    }

    /// `If-None-Match: *` and `If-Match: ETag` on a write. S3 takes no other If-None-Match there.
    func writePrecondition(_ r: IncomingRequest) throws(S3ServerError) -> WritePrecondition? {
        let noneMatch = r.headers.first(name: "if-none-match")
        let match = r.headers.first(name: "if-match")
        guard noneMatch != nil || match != nil else { return nil }
        if let noneMatch, noneMatch.trimmingSpaces != "*" {
            throw .init(
                "NotImplemented", 501,
                "A header you provided implies functionality that is not implemented: If-None-Match on a write takes only *."
            )
        }
        return WritePrecondition(
            ifNoneMatch: noneMatch != nil,
            ifMatch: match.map { $0.trimmingSpaces.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) })
    }

    /// A tag set as S3 takes it: at most 10 tags, keys of 1 to 128 characters unique, values of at most 256.
    func validTags(_ tags: [(String, String)], limit: Int = 10) throws(S3ServerError) -> [(String, String)] {
        guard tags.count <= limit else { throw .init("InvalidTag", 400, "Object tags cannot be greater than \(limit)") }
        guard Set(tags.map(\.0)).count == tags.count else {
            throw .init("InvalidTag", 400, "Cannot provide multiple Tags with the same key")
        }
        for (key, value) in tags {
            guard (1...128).contains(key.count) else {
                throw .init("InvalidTag", 400, "The TagKey you have provided is invalid")
            }
            guard value.count <= 256 else {
                throw .init("InvalidTag", 400, "The TagValue you have provided is invalid")
            }
        }
        return tags
    }

    /// `<Tagging><TagSet><Tag><Key>…</Key><Value>…</Value></Tag>…</TagSet></Tagging>`.
    func parseTagging(_ bytes: [UInt8], limit: Int = 10) throws(S3ServerError) -> [(String, String)] {
        let root = try parseXML(bytes)
        guard root.name == "Tagging", let set = root.child("TagSet") else { throw .malformedXML }
        var tags: [(String, String)] = []
        for tag in set.children("Tag") {
            guard let key = tag.value("Key") else { throw .malformedXML }
            tags.append((key, tag.value("Value") ?? ""))
        }
        return try validTags(tags, limit: limit)
    }

    /// `x-amz-tagging: a=1&b=2`, URL-encoded as a query.
    func parseTaggingHeader(_ text: String) throws(S3ServerError) -> [(String, String)] {
        var tags: [(String, String)] = []
        for pair in text.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map {
                String($0).replacingOccurrences(of: "+", with: " ")
            }
            guard let key = URIEncoding.decode(parts[0]),
                let value = URIEncoding.decode(parts.count > 1 ? parts[1] : "")
            else {
                throw .invalidArgument(
                    "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.",
                    name: "x-amz-tagging", value: text)
            }
            tags.append((key, value))
        }
        return try validTags(tags)
    }

    /// The tag set, by key (as S3 gives it back, whatever order it was sent in).
    func tagsXML(_ tags: [(String, String)]) -> String {
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Tagging xmlns=\"\(Self.xmlns)\"><TagSet>"
            + tags.sorted { keyPrecedes($0.0, $1.0) }.map {
                "<Tag><Key>\(XML.escape($0.0))</Key><Value>\(XML.escape($0.1))</Value></Tag>"
            }.joined()
            + "</TagSet></Tagging>"
    }

    static let standardHeaderNames = ["Cache-Control", "Content-Disposition", "Content-Language", "Expires"]
    static let responseOverrides = [
        ("response-content-type", "Content-Type"), ("response-content-language", "Content-Language"),
        ("response-expires", "Expires"), ("response-cache-control", "Cache-Control"),
        ("response-content-disposition", "Content-Disposition"), ("response-content-encoding", "Content-Encoding"),
    ]

    func putObject(_ bucket: String, _ key: String, _ r: IncomingRequest, caller: Account?, body: ReceivedBody)
        throws(S3ServerError) -> S3Response
    {
        guard case .stored(let blob, let result) = body else { throw .missingContentLength }
        let attributes: ObjectAttributes
        do {
            attributes = try self.attributes(r, bucket: bucket, caller: caller)
        } catch {
            store.blobs.discard(blob)
            throw error
        }
        let object = StoredObject(
            key: key, blob: blob, etag: result.md5.hexString, lastModified: Date(),
            contentType: attributes.contentType, contentEncoding: attributes.contentEncoding,
            metadata: attributes.metadata, acl: attributes.acl, checksums: result.checksums,
            standardHeaders: attributes.standardHeaders, tags: attributes.tags, owner: attributes.owner,
            retention: attributes.retention, legalHold: attributes.legalHold)
        let stored: StoredObject
        do {
            stored = try store.put(bucket, object, precondition: try writePrecondition(r))
        } catch {
            store.blobs.discard(blob)
            throw error
        }
        var headers = [("ETag", "\"\(object.etag)\"")]
        for (name, value) in result.checksums { headers.append(("x-amz-checksum-\(name)", value)) }
        return S3Response(status: 200, headers: headers).with(versionOf: stored)
    }

    func deleteObjects(_ bucket: String, _ r: IncomingRequest, body: ReceivedBody) throws(S3ServerError) -> S3Response {
        guard
            r.headers.first(name: "content-md5") != nil || r.headers.hasChecksumHeader
                || r.headers.first(name: "x-amz-sdk-checksum-algorithm") != nil
        else {
            throw .invalidRequest("Missing required header for this request: Content-MD5")
        }
        guard store.bucketExists(bucket) else { throw .noSuchBucket(bucket) }
        let root = try parseXML(body.bytes)
        let objects = root.children("Object")
        guard root.name == "Delete", !objects.isEmpty, objects.count <= 1000 else { throw .malformedXML }
        let quiet = root.value("Quiet") == "true"
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DeleteResult xmlns=\"\(Self.xmlns)\">"
        for object in objects {
            guard let key = object.value("Key"), !key.isEmpty else { throw .malformedXML }
            let versionId = object.value("VersionId")
            do {
                let outcome = try store.delete(
                    bucket, key, versionId: versionId, bypassGovernance: bypassesGovernance(r))
                guard !quiet else { continue }
                xml += "<Deleted><Key>\(XML.escape(key))</Key>"
                if let versionId { xml += "<VersionId>\(XML.escape(versionId))</VersionId>" }
                if outcome.deleteMarker {
                    xml += "<DeleteMarker>true</DeleteMarker>"
                    if versionId == nil, let id = outcome.versionId {
                        xml += "<DeleteMarkerVersionId>\(id)</DeleteMarkerVersionId>"
                    }
                }
                xml += "</Deleted>"
            } catch {
                let version = versionId.map { "<VersionId>\(XML.escape($0))</VersionId>" } ?? ""
                xml +=
                    "<Error><Key>\(XML.escape(key))</Key>\(version)<Code>\(error.code)</Code><Message>\(XML.escape(error.message))</Message></Error>"
            }
        }
        return .xml(xml + "</DeleteResult>")
    }

    /// The object `x-amz-copy-source` names (`/bucket/key`, optionally `?versionId=`), once the
    /// caller may read it and its conditions hold.
    func copySource(_ r: IncomingRequest, caller: Account?) throws(S3ServerError) -> (
        bucket: String, key: String, version: String?, object: StoredObject
    ) {
        var source = r.headers.first(name: "x-amz-copy-source") ?? ""
        var sourceVersion: String?
        if let q = source.firstIndex(of: "?") {
            let query = source[source.index(after: q)...]
            guard query.hasPrefix("versionId=") else {
                throw .invalidArgument(
                    "The copy source may carry only ?versionId=", name: "x-amz-copy-source", value: source)
            }
            sourceVersion = URIEncoding.decode(String(query.dropFirst("versionId=".count)))
            source = String(source[..<q])
        }
        guard let decoded = URIEncoding.decode(source) else {
            throw .invalidArgument("Invalid copy source encoding", name: "x-amz-copy-source")
        }
        let trimmed = decoded.hasPrefix("/") ? String(decoded.dropFirst()) : decoded
        guard let slash = trimmed.firstIndex(of: "/") else {
            throw .invalidArgument(
                "Copy Source must mention the source bucket and key: sourcebucket/sourcekey", name: "x-amz-copy-source")
        }
        let sourceBucket = String(trimmed[..<slash])
        let sourceKey = String(trimmed[trimmed.index(after: slash)...])
        let sourceAccess = try store.bucketAccess(sourceBucket)
        let sourceObject = try store.get(sourceBucket, sourceKey, versionId: sourceVersion)
        guard objectAllows(sourceObject, .read, caller: caller, sourceAccess) else { throw .accessDenied }
        try checkConditions(r, sourceObject, prefix: "x-amz-copy-source-", failure: .preconditionFailed)
        return (sourceBucket, sourceKey, sourceVersion, sourceObject)
    }

    func copyObject(_ bucket: String, _ key: String, _ r: IncomingRequest, caller: Account?) throws(S3ServerError)
        -> S3Response
    {
        let (sourceBucket, sourceKey, sourceVersion, sourceObject) = try copySource(r, caller: caller)
        let replace = r.headers.first(name: "x-amz-metadata-directive") == "REPLACE"
        if sourceBucket == bucket && sourceKey == key && sourceVersion == nil && !replace
            && r.headers.first(name: "x-amz-tagging-directive") != "REPLACE"
        {
            throw .invalidRequest(
                "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes."
            )
        }
        let attributes = try attributes(r, bucket: bucket, caller: caller)
        let object = StoredObject(
            key: key, blob: try copyBytes(sourceObject.blob, 0..<sourceObject.size).blob, etag: sourceObject.etag,
            lastModified: Date(),
            contentType: replace ? attributes.contentType : sourceObject.contentType,
            contentEncoding: replace ? attributes.contentEncoding : sourceObject.contentEncoding,
            metadata: replace ? attributes.metadata : sourceObject.metadata,
            acl: attributes.acl, checksums: sourceObject.checksums,
            standardHeaders: replace ? attributes.standardHeaders : sourceObject.standardHeaders,
            tags: r.headers.first(name: "x-amz-tagging-directive") == "REPLACE" ? attributes.tags : sourceObject.tags,
            owner: attributes.owner, retention: attributes.retention, legalHold: attributes.legalHold)
        let stored = try store.put(bucket, object)
        var response = S3Response.xml(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CopyObjectResult xmlns=\"\(Self.xmlns)\"><LastModified>\(UTCDate(object.lastModified).iso8601)</LastModified><ETag>&quot;\(object.etag)&quot;</ETag></CopyObjectResult>"
        ).with(versionOf: stored)
        if sourceObject.versionId != "null" {
            response.headers.append(("x-amz-copy-source-version-id", sourceObject.versionId))
        }
        return response
    }

    /// A copy of `range` of a blob, and its MD5. The bytes are copied: objects never share a file,
    /// so deleting one cannot hurt the other.
    func copyBytes(_ blob: Blob, _ range: Range<UInt64>) throws(S3ServerError) -> (blob: Blob, md5: [UInt8]) {
        let writer = try store.blobs.makeWriter(expectedSize: UInt64(range.count))
        let md5 = Digest(.md5)
        do {
            // 8 MiB at a time, so copying a large object never holds it whole in memory.
            for start in stride(from: range.lowerBound, to: range.upperBound, by: 8 << 20) {
                for slice in blob.slices(start..<min(start + (8 << 20), range.upperBound)) {
                    let bytes = try slice.load()
                    bytes.withUnsafeReadableBytes { md5.update($0) }
                    try writer.write(bytes)
                }
            }
            return (try writer.finish(), md5.finalize())
        } catch {
            writer.abandon()
            throw error
        }
    }

    func getObject(_ bucket: String, _ key: String, _ r: IncomingRequest, caller: Account?, head: Bool)
        throws(S3ServerError) -> S3Response
    {
        let (object, _) = try authorizedObject(bucket, key, r, .read, caller: caller)
        var headers: [(String, String)] = [
            ("ETag", "\"\(object.etag)\""), ("Last-Modified", UTCDate(object.lastModified).httpDate),
            ("Accept-Ranges", "bytes"),
            ("Content-Type", object.contentType ?? "binary/octet-stream"),
        ]
        if let encoding = object.contentEncoding { headers.append(("Content-Encoding", encoding)) }
        headers += object.standardHeaders
        headers += object.metadata
        if !object.tags.isEmpty { headers.append(("x-amz-tagging-count", String(object.tags.count))) }
        if object.versionId != "null" { headers.append(("x-amz-version-id", object.versionId)) }
        if let retention = object.retention {
            headers += [
                ("x-amz-object-lock-mode", retention.mode.rawValue),
                ("x-amz-object-lock-retain-until-date", UTCDate(retention.until).iso8601),
            ]
        }
        if object.legalHold { headers.append(("x-amz-object-lock-legal-hold", "ON")) }
        // GET's response-* parameters override what the object says (S3 honours them on signed requests).
        for (parameter, header) in Self.responseOverrides {
            guard let value = r.queryValue(parameter) else { continue }
            headers.removeAll { $0.0.lowercased() == header.lowercased() }
            headers.append((header, value))
        }
        try checkConditions(r, object)
        let size = object.size
        let checksumMode = r.headers.first(name: "x-amz-checksum-mode") == "ENABLED"
        if let text = r.queryValue("partNumber") {
            guard let number = Int(text), (1...10_000).contains(number) else {
                throw .invalidArgument(
                    "Part number must be an integer between 1 and 10000, inclusive", name: "partNumber", value: text)
            }
            guard r.headers.first(name: "range") == nil else {
                throw .invalidRequest("Cannot specify both Range header and partNumber query parameter")
            }
            let parts = object.parts ?? [PartSummary(size: size, checksums: object.checksums)]
            guard number <= parts.count else {
                throw .init(
                    "InvalidPart", 400, "The requested partnumber is not satisfiable",
                    extra: [("PartNumberRequested", text), ("ActualPartCount", String(parts.count))])
            }
            if object.parts != nil {
                let start = parts[..<(number - 1)].reduce(UInt64(0)) { $0 + $1.size }
                let range = start..<(start + parts[number - 1].size)
                headers += [
                    ("x-amz-mp-parts-count", String(parts.count)),
                    ("Content-Range", "bytes \(range.lowerBound)-\(range.upperBound - 1)/\(size)"),
                ]
                if checksumMode {
                    for (name, value) in parts[number - 1].checksums {
                        headers.append(("x-amz-checksum-\(name)", value))
                    }
                    if !parts[number - 1].checksums.isEmpty {
                        headers.append(("x-amz-checksum-type", object.checksumType ?? "COMPOSITE"))
                    }
                }
                return S3Response(status: 206, headers: headers, body: .blob(object.blob, range))
            }
        }
        if let rangeHeader = r.headers.first(name: "range"), let range = try parseRange(rangeHeader, size: size) {
            // Only the whole object's checksum exists: a part of it gets none (a client would check the range against it).
            headers.append(("Content-Range", "bytes \(range.lowerBound)-\(range.upperBound - 1)/\(size)"))
            return S3Response(status: 206, headers: headers, body: .blob(object.blob, range))
        }
        if checksumMode && !object.checksums.isEmpty {
            for (name, value) in object.checksums { headers.append(("x-amz-checksum-\(name)", value)) }
            headers.append(("x-amz-checksum-type", object.checksumType ?? "FULL_OBJECT"))
        }
        return S3Response(status: 200, headers: headers, body: .blob(object.blob, 0..<size))
    }

    /// GetObjectAttributes: what `x-amz-object-attributes` asks for (ETag, Checksum, ObjectParts,
    /// StorageClass, ObjectSize), parts paged by `x-amz-max-parts` after `x-amz-part-number-marker`.
    func objectAttributes(_ bucket: String, _ key: String, _ r: IncomingRequest, caller: Account?) throws(S3ServerError)
        -> S3Response
    {
        let (object, _) = try authorizedObject(bucket, key, r, .read, caller: caller)
        let wanted = Set(
            (r.headers.first(name: "x-amz-object-attributes") ?? "").split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces)
            })
        let known: Set<String> = ["ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize"]
        guard !wanted.isEmpty, wanted.isSubset(of: known) else {
            throw .invalidArgument(
                "Invalid attribute name specified: x-amz-object-attributes takes ETag, Checksum, ObjectParts, StorageClass, ObjectSize",
                name: "x-amz-object-attributes", value: r.headers.first(name: "x-amz-object-attributes"))
        }
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<GetObjectAttributesResponse xmlns=\"\(Self.xmlns)\">"
        if wanted.contains("ETag") { xml += "<ETag>\(object.etag)</ETag>" }
        if wanted.contains("Checksum"), let (name, value) = object.checksums.first,
            let algorithm = Checksum.Algorithm(rawValue: name)
        {
            xml +=
                "<Checksum><\(algorithm.element)>\(value)</\(algorithm.element)><ChecksumType>\(object.checksumType ?? "FULL_OBJECT")</ChecksumType></Checksum>"
        }
        if wanted.contains("ObjectParts"), let parts = object.parts {
            let maxParts =
                r.headers.first(name: "x-amz-max-parts").flatMap(Int.init).map { min(max($0, 0), 1000) } ?? 1000
            let marker = r.headers.first(name: "x-amz-part-number-marker").flatMap(Int.init) ?? 0
            let page = Array(parts.enumerated().dropFirst(max(marker, 0)).prefix(maxParts))
            let truncated = marker + page.count < parts.count
            // AWS's documentation names the count both ways; boto3 reads PartsCount.
            xml +=
                "<ObjectParts><TotalPartsCount>\(parts.count)</TotalPartsCount><PartsCount>\(parts.count)</PartsCount><PartNumberMarker>\(marker)</PartNumberMarker>"
            if let last = page.last { xml += "<NextPartNumberMarker>\(last.offset + 1)</NextPartNumberMarker>" }
            xml += "<MaxParts>\(maxParts)</MaxParts><IsTruncated>\(truncated)</IsTruncated>"
            for (index, part) in page {
                xml += "<Part><PartNumber>\(index + 1)</PartNumber><Size>\(part.size)</Size>"
                // A part's checksum is listed when the object's is a checksum of them (COMPOSITE).
                if object.checksumType == "COMPOSITE" {
                    for (name, value) in part.checksums {
                        if let a = Checksum.Algorithm(rawValue: name) { xml += "<\(a.element)>\(value)</\(a.element)>" }
                    }
                }
                xml += "</Part>"
            }
            xml += "</ObjectParts>"
        }
        if wanted.contains("StorageClass") { xml += "<StorageClass>STANDARD</StorageClass>" }
        if wanted.contains("ObjectSize") { xml += "<ObjectSize>\(object.size)</ObjectSize>" }
        var response = S3Response.xml(xml + "</GetObjectAttributesResponse>").with(versionOf: object)
        response.headers.append(("Last-Modified", UTCDate(object.lastModified).httpDate))
        return response
    }

    /// If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since, with S3's precedence (a
    /// GET's, or with `prefix` a copy's conditions on its source, where every failure is 412).
    func checkConditions(
        _ r: IncomingRequest, _ object: StoredObject, prefix: String = "", failure: S3ServerError? = nil
    ) throws(S3ServerError) {
        func matches(_ list: String) -> Bool {
            let etag = "\"\(object.etag)\""
            return list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.contains {
                $0 == "*" || $0 == etag || $0 == object.etag
            }
        }
        let modified = floor(object.lastModified.timeIntervalSince1970)
        let ifMatch = r.headers.first(name: prefix + "if-match")
        if let ifMatch, !matches(ifMatch) { throw .preconditionFailed }
        if ifMatch == nil,
            let since = r.headers.first(name: prefix + "if-unmodified-since").flatMap(UTCDate.init(httpDate:))?
                .secondsSince1970, modified > since
        {
            throw .preconditionFailed
        }
        // 304 carries the object's validators, as S3 sends them.
        var notModified = failure ?? .notModified
        if failure == nil {
            notModified.headers = [
                ("ETag", "\"\(object.etag)\""), ("Last-Modified", UTCDate(object.lastModified).httpDate),
            ]
        }
        let ifNoneMatch = r.headers.first(name: prefix + "if-none-match")
        if let ifNoneMatch, matches(ifNoneMatch) { throw notModified }
        if ifNoneMatch == nil,
            let since = r.headers.first(name: prefix + "if-modified-since").flatMap(UTCDate.init(httpDate:))?
                .secondsSince1970, modified <= since
        {
            throw notModified
        }
    }

    /// `bytes=a-b`, `bytes=a-`, `bytes=-n`; nil (whole object) for anything S3 ignores.
    func parseRange(_ header: String, size: UInt64) throws(S3ServerError) -> Range<UInt64>? {
        guard header.hasPrefix("bytes="), !header.contains(",") else { return nil }
        let spec = header.dropFirst(6).split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard spec.count == 2 else { return nil }
        if spec[0].isEmpty {
            guard let n = UInt64(spec[1]) else { return nil }
            guard n > 0, size > 0 else { throw .invalidRange(size) }
            return (size - min(n, size))..<size
        }
        guard let first = UInt64(spec[0]) else { return nil }
        guard first < size else { throw .invalidRange(size) }
        if spec[1].isEmpty { return first..<size }
        guard let last = UInt64(spec[1]), last >= first else { return nil }
        return first..<(min(last, size - 1) + 1)
    }
}
