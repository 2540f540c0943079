import Foundation
import S3Wire

/// Object reads: GET and HEAD (ranges, parts, conditionals, response overrides) and GetObjectAttributes.
extension S3Semantics {
    static let responseOverrides = [
        ("response-content-type", "Content-Type"), ("response-content-language", "Content-Language"),
        ("response-expires", "Expires"), ("response-cache-control", "Cache-Control"),
        ("response-content-disposition", "Content-Disposition"), ("response-content-encoding", "Content-Encoding"),
    ]

    func getObject(_ bucket: String, _ key: String, _ r: IncomingRequest, head: Bool)
        throws(S3ServerError) -> S3Response
    {
        let (object, _) = try authorizedObject(bucket, key, r, .read)
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
                throw .partNumberNotSatisfiable(text, partCount: parts.count)
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
    func objectAttributes(_ bucket: String, _ key: String, _ r: IncomingRequest) throws(S3ServerError)
        -> S3Response
    {
        let (object, _) = try authorizedObject(bucket, key, r, .read)
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
        var document = XMLWriter(root: "GetObjectAttributesResponse")
        if wanted.contains("ETag") { document.element("ETag", object.etag) }
        if wanted.contains("Checksum"), let (name, value) = object.checksums.first,
            let algorithm = Checksum.Algorithm(rawValue: name)
        {
            document.element("Checksum") {
                $0.element(algorithm.element, value)
                $0.element("ChecksumType", object.checksumType ?? "FULL_OBJECT")
            }
        }
        if wanted.contains("ObjectParts"), let parts = object.parts {
            let maxParts =
                r.headers.first(name: "x-amz-max-parts").flatMap(Int.init).map { min(max($0, 0), 1000) } ?? 1000
            let marker = r.headers.first(name: "x-amz-part-number-marker").flatMap(Int.init) ?? 0
            let page = Array(parts.enumerated().dropFirst(max(marker, 0)).prefix(maxParts))
            document.element("ObjectParts") {
                // AWS's documentation names the count both ways; boto3 reads PartsCount.
                $0.element("TotalPartsCount", parts.count)
                $0.element("PartsCount", parts.count)
                $0.element("PartNumberMarker", marker)
                $0.element("NextPartNumberMarker", ifPresent: page.last.map { $0.offset + 1 })
                $0.element("MaxParts", maxParts)
                $0.element("IsTruncated", marker + page.count < parts.count)
                for (index, part) in page {
                    $0.element("Part") {
                        $0.element("PartNumber", index + 1)
                        $0.element("Size", part.size)
                        // A part's checksum is listed when the object's is a checksum of them (COMPOSITE).
                        if object.checksumType == "COMPOSITE" { $0.checksums(part.checksums) }
                    }
                }
            }
        }
        if wanted.contains("StorageClass") { document.element("StorageClass", "STANDARD") }
        if wanted.contains("ObjectSize") { document.element("ObjectSize", object.size) }
        var response = S3Response.xml(document.finish()).with(versionOf: object)
        response.headers.append(("Last-Modified", UTCDate(object.lastModified).httpDate))
        return response
    }

    /// If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since, with S3's precedence (a
    /// GET's, or a copy's conditions on its source, `x-amz-copy-source-if-*`, where every failure is 412).
    func checkConditions(_ r: IncomingRequest, _ object: StoredObject, copySource: Bool = false) throws(S3ServerError) {
        let prefix = copySource ? "x-amz-copy-source-" : ""
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
        let notModified: S3ServerError =
            copySource
            ? .preconditionFailed : .notModified(etag: object.etag, lastModified: UTCDate(object.lastModified).httpDate)
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
