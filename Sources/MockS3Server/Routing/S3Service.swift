import Foundation
import NIOCore
import S3Wire

/// An answer before it is written: status, headers, and a body from memory or from storage.
struct S3Response {
    var status: Int
    var headers: [(String, String)] = []
    var body: Body = .empty

    enum Body {
        case empty
        case bytes(ByteBuffer)
        /// `range` of a stored blob; for HEAD only its length is announced.
        case blob(Blob, Range<UInt64>)
    }

    static func xml(_ text: String, status: Int = 200) -> S3Response {
        S3Response(status: status, headers: [("Content-Type", "application/xml")], body: .bytes(ByteBuffer(string: text)))
    }
}

/// What arrived as the request body, already verified.
enum ReceivedBody {
    case none
    case stored(Blob, BodyVerifier.Result)
    case small([UInt8], BodyVerifier.Result)

    var bytes: [UInt8] { if case .small(let b, _) = self { return b }; return [] }
}

/// S3's semantics over an `ObjectStore`: one function per operation, each returning S3's answer
/// or throwing S3's error.
struct S3Service: Sendable {
    let store: any ObjectStore
    let region: String
    let defaultOwnership: ObjectOwnership
    static let xmlns = "http://s3.amazonaws.com/doc/2006-03-01/"
    static let ownerID = "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a"
    static let owner = "<Owner><ID>\(ownerID)</ID><DisplayName>mock</DisplayName></Owner>"

    func execute(_ op: Operation, _ r: IncomingRequest, principal: Principal, body: ReceivedBody) throws(S3ServerError) -> S3Response {
        let bucket = r.bucket ?? ""
        let key = r.key ?? ""
        switch op {
        case .listBuckets: return listBuckets()
        case .createBucket: return try createBucket(bucket, r, body: body)
        case .deleteBucket:
            try store.deleteBucket(bucket)
            return S3Response(status: 204)
        case .headBucket:
            guard store.bucketExists(bucket) else { throw .noSuchBucket(bucket) }
            return S3Response(status: 200, headers: [("x-amz-bucket-region", region)])
        case .getBucketLocation:
            guard store.bucketExists(bucket) else { throw .noSuchBucket(bucket) }
            return .xml("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<LocationConstraint xmlns=\"\(Self.xmlns)\">\(region == "us-east-1" ? "" : region)</LocationConstraint>")
        case .getBucketVersioning:
            guard store.bucketExists(bucket) else { throw .noSuchBucket(bucket) }
            return .xml("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<VersioningConfiguration xmlns=\"\(Self.xmlns)\"/>")
        case .putBucketOwnershipControls:
            let root = try parseXML(body.bytes)
            guard let value = root.child("Rule")?.value("ObjectOwnership"), let ownership = ObjectOwnership(rawValue: value) else {
                throw .malformedXML
            }
            try store.setOwnership(bucket, ownership)
            return S3Response(status: 200)
        case .getBucketOwnershipControls:
            let ownership = try store.ownership(bucket)
            return .xml("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<OwnershipControls xmlns=\"\(Self.xmlns)\"><Rule><ObjectOwnership>\(ownership.rawValue)</ObjectOwnership></Rule></OwnershipControls>")
        case .deleteBucketOwnershipControls:
            try store.setOwnership(bucket, .objectWriter)
            return S3Response(status: 204)
        case .getBucketAcl:
            guard store.bucketExists(bucket) else { throw .noSuchBucket(bucket) }
            return .xml(aclXML(.private))
        case .listObjectsV2, .listObjects: return try list(bucket, r, v2: op == .listObjectsV2)
        case .listMultipartUploads: return try listUploads(bucket, r)
        case .deleteObjects: return try deleteObjects(bucket, r, body: body)
        case .getObject, .headObject: return try getObject(bucket, key, r, principal: principal, head: op == .headObject)
        case .putObject: return try putObject(bucket, key, r, body: body)
        case .copyObject: return try copyObject(bucket, key, r)
        case .deleteObject:
            guard store.bucketExists(bucket) else { throw .noSuchBucket(bucket) }
            try store.delete(bucket, key)
            return S3Response(status: 204)
        case .getObjectAcl:
            return .xml(aclXML(try store.get(bucket, key).acl))
        case .putObjectAcl:
            let acl = try cannedACL(r, bucket: bucket) ?? .private
            try store.setACL(bucket, key, acl)
            return S3Response(status: 200)
        case .createMultipartUpload:
            let attributes = try attributes(r, bucket: bucket)
            let id = try store.createUpload(bucket, key: key, attributes: attributes)
            return .xml("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<InitiateMultipartUploadResult xmlns=\"\(Self.xmlns)\"><Bucket>\(XML.escape(bucket))</Bucket><Key>\(XML.escape(key))</Key><UploadId>\(id)</UploadId></InitiateMultipartUploadResult>")
        case .uploadPart: return try uploadPart(bucket, key, r, body: body)
        case .completeMultipartUpload: return try complete(bucket, key, r, body: body)
        case .abortMultipartUpload:
            try store.abortUpload(bucket, id: r.queryValue("uploadId") ?? "", key: key)
            return S3Response(status: 204)
        case .listParts: return try listParts(bucket, key, r)
        case .unsupported: throw .notImplemented
        }
    }

    // MARK: buckets

    func listBuckets() -> S3Response {
        let items = store.listBuckets().map {
            "<Bucket><Name>\(XML.escape($0.name))</Name><CreationDate>\(UTCDate($0.created).iso8601)</CreationDate></Bucket>"
        }.joined()
        return .xml("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListAllMyBucketsResult xmlns=\"\(Self.xmlns)\">\(Self.owner)<Buckets>\(items)</Buckets></ListAllMyBucketsResult>")
    }

    static func validBucketName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (3...63).contains(bytes.count),
              bytes.allSatisfy({ (97...122).contains($0) || (48...57).contains($0) || $0 == 45 || $0 == 46 }),
              let first = bytes.first, let last = bytes.last,
              first != 45 && first != 46, last != 45 && last != 46,
              !name.contains(".."), name.split(separator: ".").count != 4 || !name.split(separator: ".").allSatisfy({ Int($0) != nil })
        else { return false }
        return true
    }

    func createBucket(_ bucket: String, _ r: IncomingRequest, body: ReceivedBody) throws(S3ServerError) -> S3Response {
        guard Self.validBucketName(bucket) else { throw .invalidBucketName(bucket) }
        if !body.bytes.isEmpty {
            let root = try parseXML(body.bytes)
            let constraint = root.value("LocationConstraint") ?? ""
            if constraint != region && !(constraint.isEmpty && region == "us-east-1") {
                throw .init("IllegalLocationConstraintException", 400,
                            "The \(constraint.isEmpty ? "unspecified" : constraint) location constraint is incompatible for the region specific endpoint this request was sent to.")
            }
        }
        var ownership = defaultOwnership
        if let value = r.headers.first(name: "x-amz-object-ownership") {
            guard let o = ObjectOwnership(rawValue: value) else { throw .invalidArgument("Invalid x-amz-object-ownership header: \(value)") }
            ownership = o
        }
        do {
            try store.createBucket(bucket)
        } catch let error where error.code == "BucketAlreadyOwnedByYou" && region == "us-east-1" {
            // us-east-1 answers 200 to re-creating a bucket you own (a legacy S3 keeps).
            return S3Response(status: 200, headers: [("Location", "/\(bucket)")])
        }
        try store.setOwnership(bucket, ownership)
        return S3Response(status: 200, headers: [("Location", "/\(bucket)")])
    }

    // MARK: listings

    func list(_ bucket: String, _ r: IncomingRequest, v2: Bool) throws(S3ServerError) -> S3Response {
        let prefix = r.queryValue("prefix") ?? ""
        let delimiter = r.queryValue("delimiter").flatMap { $0.isEmpty ? nil : $0 }
        var maxKeys = 1000
        if let text = r.queryValue("max-keys") {
            guard let n = Int(text), n >= 0 else { throw .invalidArgument("Provided max-keys not an integer or within integer range", name: "max-keys", value: text) }
            maxKeys = min(n, 1000)
        }
        let encodingType = r.queryValue("encoding-type")
        if let encodingType, encodingType != "url" {
            throw .invalidArgument("Invalid Encoding Method specified in Request", name: "encoding-type", value: encodingType)
        }
        let encode: (String) -> String = encodingType == "url" ? { URIEncoding.encode($0, keepSlash: true) } : { $0 }
        var after: String?
        let token = r.queryValue("continuation-token")
        if v2, let token {
            guard let data = Data(base64Encoded: token), let decoded = String(data: data, encoding: .utf8) else {
                throw .invalidArgument("The continuation token provided is incorrect", name: "continuation-token", value: token)
            }
            after = decoded
        } else if v2 {
            after = r.queryValue("start-after")
        } else {
            after = r.queryValue("marker")
        }
        let result = try store.list(bucket, prefix: prefix, delimiter: delimiter, after: after, maxKeys: maxKeys)
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListBucketResult xmlns=\"\(Self.xmlns)\"><Name>\(XML.escape(bucket))</Name><Prefix>\(XML.escape(encode(prefix)))</Prefix>"
        if v2 {
            xml += "<KeyCount>\(result.objects.count + result.commonPrefixes.count)</KeyCount>"
            if let token { xml += "<ContinuationToken>\(XML.escape(token))</ContinuationToken>" }
            if let startAfter = r.queryValue("start-after") { xml += "<StartAfter>\(XML.escape(encode(startAfter)))</StartAfter>" }
        } else {
            xml += "<Marker>\(XML.escape(encode(r.queryValue("marker") ?? "")))</Marker>"
        }
        xml += "<MaxKeys>\(maxKeys)</MaxKeys>"
        if let delimiter { xml += "<Delimiter>\(XML.escape(encode(delimiter)))</Delimiter>" }
        if let encodingType { xml += "<EncodingType>\(encodingType)</EncodingType>" }
        xml += "<IsTruncated>\(result.isTruncated)</IsTruncated>"
        if result.isTruncated, let last = result.lastReturned {
            if v2 { xml += "<NextContinuationToken>\(Data(last.utf8).base64EncodedString())</NextContinuationToken>" }
            else if delimiter != nil { xml += "<NextMarker>\(XML.escape(encode(last)))</NextMarker>" }
        }
        for object in result.objects {
            xml += "<Contents><Key>\(XML.escape(encode(object.key)))</Key><LastModified>\(UTCDate(object.lastModified).iso8601)</LastModified><ETag>&quot;\(object.etag)&quot;</ETag><Size>\(object.size)</Size>"
            if !v2 || r.queryValue("fetch-owner") == "true" { xml += Self.owner }
            xml += "<StorageClass>STANDARD</StorageClass></Contents>"
        }
        for prefix in result.commonPrefixes {
            xml += "<CommonPrefixes><Prefix>\(XML.escape(encode(prefix)))</Prefix></CommonPrefixes>"
        }
        return .xml(xml + "</ListBucketResult>")
    }

    func listUploads(_ bucket: String, _ r: IncomingRequest) throws(S3ServerError) -> S3Response {
        let uploads = try store.listUploads(bucket, prefix: r.queryValue("prefix") ?? "")
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListMultipartUploadsResult xmlns=\"\(Self.xmlns)\"><Bucket>\(XML.escape(bucket))</Bucket><KeyMarker></KeyMarker><UploadIdMarker></UploadIdMarker><MaxUploads>1000</MaxUploads><IsTruncated>false</IsTruncated>"
        for u in uploads.prefix(1000) {
            xml += "<Upload><Key>\(XML.escape(u.key))</Key><UploadId>\(u.id)</UploadId><Initiator><ID>mock</ID><DisplayName>mock</DisplayName></Initiator>\(Self.owner)<StorageClass>STANDARD</StorageClass><Initiated>\(UTCDate(u.initiated).iso8601)</Initiated></Upload>"
        }
        return .xml(xml + "</ListMultipartUploadsResult>")
    }

    func listParts(_ bucket: String, _ key: String, _ r: IncomingRequest) throws(S3ServerError) -> S3Response {
        let upload = try store.upload(bucket, id: r.queryValue("uploadId") ?? "", key: key)
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListPartsResult xmlns=\"\(Self.xmlns)\"><Bucket>\(XML.escape(bucket))</Bucket><Key>\(XML.escape(key))</Key><UploadId>\(upload.id)</UploadId><PartNumberMarker>0</PartNumberMarker><MaxParts>1000</MaxParts><IsTruncated>false</IsTruncated>"
        for part in upload.parts.values.sorted(by: { $0.number < $1.number }) {
            xml += "<Part><PartNumber>\(part.number)</PartNumber><LastModified>\(UTCDate(part.lastModified).iso8601)</LastModified><ETag>&quot;\(part.etag)&quot;</ETag><Size>\(part.blob.size)</Size></Part>"
        }
        return .xml(xml + "</ListPartsResult>")
    }

    // MARK: objects

    func cannedACL(_ r: IncomingRequest, bucket: String) throws(S3ServerError) -> CannedACL? {
        guard let value = r.headers.first(name: "x-amz-acl") else {
            if r.headers.contains(where: { $0.name.lowercased().hasPrefix("x-amz-grant-") }) {
                if try store.ownership(bucket) == .bucketOwnerEnforced { throw .aclNotSupported }
            }
            return nil
        }
        guard let acl = CannedACL(rawValue: value) else { throw .invalidArgument("", name: "x-amz-acl", value: value) }
        if acl != .bucketOwnerFullControl, try store.ownership(bucket) == .bucketOwnerEnforced { throw .aclNotSupported }
        return acl
    }

    func attributes(_ r: IncomingRequest, bucket: String) throws(S3ServerError) -> ObjectAttributes {
        var a = ObjectAttributes()
        a.contentType = r.headers.first(name: "content-type")
        a.contentEncoding = r.headers.first(name: "content-encoding").flatMap { value in
            let rest = value.split(separator: ",").map(\.trimmingSpaces).filter { $0 != "aws-chunked" }
            return rest.isEmpty ? nil : rest.joined(separator: ",")
        }
        for (name, value) in r.headers where name.lowercased().hasPrefix("x-amz-meta-") {
            a.metadata.append((name.lowercased(), value))
        }
        guard a.metadata.reduce(0, { $0 + $1.0.utf8.count + $1.1.utf8.count }) <= 2048 else {
            throw .init("MetadataTooLarge", 400, "Your metadata headers exceed the maximum allowed metadata size.")
        }
        a.acl = try cannedACL(r, bucket: bucket) ?? .private
        return a
    }

    func putObject(_ bucket: String, _ key: String, _ r: IncomingRequest, body: ReceivedBody) throws(S3ServerError) -> S3Response {
        guard case .stored(let blob, let result) = body else { throw .missingContentLength }
        var attributes = try attributes(r, bucket: bucket)
        attributes.checksums = result.checksums
        let object = StoredObject(key: key, blob: blob, etag: result.md5.hexString, lastModified: Date(),
                                  contentType: attributes.contentType, contentEncoding: attributes.contentEncoding,
                                  metadata: attributes.metadata, acl: attributes.acl, checksums: result.checksums)
        try store.put(bucket, object)
        var headers = [("ETag", "\"\(object.etag)\"")]
        for (name, value) in result.checksums { headers.append(("x-amz-checksum-\(name)", value)) }
        return S3Response(status: 200, headers: headers)
    }

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
        let object = try store.completeUpload(bucket, id: r.queryValue("uploadId") ?? "", key: key, parts: parts)
        return .xml("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CompleteMultipartUploadResult xmlns=\"\(Self.xmlns)\"><Location>/\(XML.escape(bucket))/\(XML.escape(key))</Location><Bucket>\(XML.escape(bucket))</Bucket><Key>\(XML.escape(key))</Key><ETag>&quot;\(object.etag)&quot;</ETag></CompleteMultipartUploadResult>")
    }

    func deleteObjects(_ bucket: String, _ r: IncomingRequest, body: ReceivedBody) throws(S3ServerError) -> S3Response {
        guard r.headers.first(name: "content-md5") != nil || r.headers.hasChecksumHeader
                || r.headers.first(name: "x-amz-sdk-checksum-algorithm") != nil else {
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
            do {
                try store.delete(bucket, key)
                if !quiet { xml += "<Deleted><Key>\(XML.escape(key))</Key></Deleted>" }
            } catch {
                xml += "<Error><Key>\(XML.escape(key))</Key><Code>\(error.code)</Code><Message>\(XML.escape(error.message))</Message></Error>"
            }
        }
        return .xml(xml + "</DeleteResult>")
    }

    func copyObject(_ bucket: String, _ key: String, _ r: IncomingRequest) throws(S3ServerError) -> S3Response {
        var source = r.headers.first(name: "x-amz-copy-source") ?? ""
        if let q = source.firstIndex(of: "?") { source = String(source[..<q]) }
        guard let decoded = URIEncoding.decode(source) else { throw .invalidArgument("Invalid copy source encoding", name: "x-amz-copy-source") }
        let trimmed = decoded.hasPrefix("/") ? String(decoded.dropFirst()) : decoded
        guard let slash = trimmed.firstIndex(of: "/") else {
            throw .invalidArgument("Copy Source must mention the source bucket and key: sourcebucket/sourcekey", name: "x-amz-copy-source")
        }
        let sourceObject = try store.get(String(trimmed[..<slash]), String(trimmed[trimmed.index(after: slash)...]))
        guard store.bucketExists(bucket) else { throw .noSuchBucket(bucket) }
        let replace = r.headers.first(name: "x-amz-metadata-directive") == "REPLACE"
        let attributes = try attributes(r, bucket: bucket)
        // The bytes are copied: objects never share a file, so deleting one cannot hurt the other.
        let writer = try store.blobs.makeWriter(expectedSize: sourceObject.size)
        do {
            // 8 MiB at a time, so copying a large object never holds it whole in memory.
            for start in stride(from: UInt64(0), to: sourceObject.size, by: 8 << 20) {
                for slice in sourceObject.blob.slices(start..<min(start + (8 << 20), sourceObject.size)) {
                    try writer.write(try slice.load())
                }
            }
        } catch {
            writer.abandon()
            throw error
        }
        let object = StoredObject(key: key, blob: try writer.finish(), etag: sourceObject.etag, lastModified: Date(),
                                  contentType: replace ? attributes.contentType : sourceObject.contentType,
                                  contentEncoding: replace ? attributes.contentEncoding : sourceObject.contentEncoding,
                                  metadata: replace ? attributes.metadata : sourceObject.metadata,
                                  acl: attributes.acl, checksums: sourceObject.checksums)
        try store.put(bucket, object)
        return .xml("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CopyObjectResult xmlns=\"\(Self.xmlns)\"><LastModified>\(UTCDate(object.lastModified).iso8601)</LastModified><ETag>&quot;\(object.etag)&quot;</ETag></CopyObjectResult>")
    }

    func getObject(_ bucket: String, _ key: String, _ r: IncomingRequest, principal: Principal, head: Bool) throws(S3ServerError) -> S3Response {
        let object: StoredObject
        do {
            object = try store.get(bucket, key)
        } catch let error where principal == .anonymous && error.code == "NoSuchKey" {
            throw .accessDenied // anonymous callers may not learn which keys exist
        }
        if principal == .anonymous && !object.acl.allowsAnonymousRead { throw .accessDenied }
        var headers: [(String, String)] = [
            ("ETag", "\"\(object.etag)\""), ("Last-Modified", UTCDate(object.lastModified).httpDate), ("Accept-Ranges", "bytes"),
            ("Content-Type", object.contentType ?? "binary/octet-stream"),
        ]
        if let encoding = object.contentEncoding { headers.append(("Content-Encoding", encoding)) }
        headers += object.metadata
        if r.headers.first(name: "x-amz-checksum-mode") == "ENABLED" {
            for (name, value) in object.checksums { headers.append(("x-amz-checksum-\(name)", value)) }
        }
        try checkConditions(r, object)
        let size = object.size
        if let rangeHeader = r.headers.first(name: "range"), let range = try parseRange(rangeHeader, size: size) {
            headers.append(("Content-Range", "bytes \(range.lowerBound)-\(range.upperBound - 1)/\(size)"))
            return S3Response(status: 206, headers: headers, body: .blob(object.blob, range))
        }
        return S3Response(status: 200, headers: headers, body: .blob(object.blob, 0..<size))
    }

    /// If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since, with S3's precedence.
    func checkConditions(_ r: IncomingRequest, _ object: StoredObject) throws(S3ServerError) {
        func matches(_ list: String) -> Bool {
            let etag = "\"\(object.etag)\""
            return list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.contains { $0 == "*" || $0 == etag || $0 == object.etag }
        }
        let modified = floor(object.lastModified.timeIntervalSince1970)
        let ifMatch = r.headers.first(name: "if-match")
        if let ifMatch, !matches(ifMatch) { throw .preconditionFailed }
        if ifMatch == nil, let since = r.headers.first(name: "if-unmodified-since").flatMap(UTCDate.init(httpDate:))?.secondsSince1970, modified > since {
            throw .preconditionFailed
        }
        let ifNoneMatch = r.headers.first(name: "if-none-match")
        if let ifNoneMatch, matches(ifNoneMatch) { throw .notModified }
        if ifNoneMatch == nil, let since = r.headers.first(name: "if-modified-since").flatMap(UTCDate.init(httpDate:))?.secondsSince1970, modified <= since {
            throw .notModified
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

    // MARK: helpers

    func parseXML(_ bytes: [UInt8]) throws(S3ServerError) -> XMLElement {
        do { return try XML.parse(bytes) } catch { throw .malformedXML }
    }

    func aclXML(_ acl: CannedACL) -> String {
        var grants = "<Grant><Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"CanonicalUser\"><ID>\(Self.ownerID)</ID><DisplayName>mock</DisplayName></Grantee><Permission>FULL_CONTROL</Permission></Grant>"
        if acl.allowsAnonymousRead {
            grants += "<Grant><Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"Group\"><URI>http://acs.amazonaws.com/groups/global/AllUsers</URI></Grantee><Permission>READ</Permission></Grant>"
        }
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<AccessControlPolicy xmlns=\"\(Self.xmlns)\">\(Self.owner)<AccessControlList>\(grants)</AccessControlList></AccessControlPolicy>"
    }
}

extension BlobSlice {
    /// The slice's bytes in memory (for copies, which are small in tests).
    func load() throws(S3ServerError) -> ByteBuffer {
        switch self {
        case .memory(let buffer): return buffer
        case .file(let path, let range):
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw .internalError }
            defer { close(fd) }
            var buffer = ByteBufferAllocator().buffer(capacity: Int(range.count))
            let n = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: Int(range.count)) { raw in
                max(0, pread(fd, raw.baseAddress, Int(range.count), off_t(range.lowerBound)))
            }
            guard n == Int(range.count) else { throw .internalError }
            return buffer
        }
    }
}
