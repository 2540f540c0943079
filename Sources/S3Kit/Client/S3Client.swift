import Foundation
import S3Wire

/// A native S3 client: SigV4 signing, libcurl transport, S3's XML, typed errors and retries.
/// Not-found is `nil` where a caller asks "is it there?" (GET, HEAD); every other failure throws `S3Error`.
public struct S3Client: Sendable {
    public let configuration: S3Configuration
    let transport: any HTTPTransport
    let now: @Sendable () -> Date
    let signingKeys = SigningKeyCache()
    let payloadModes = PayloadModeMemory()

    public init(
        configuration: S3Configuration, transport: (any HTTPTransport)? = nil,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.configuration = configuration
        self.transport = transport ?? CurlTransport(options: configuration.transport)
        self.now = now
    }

    /// Runs `body` on a connection of its own: its requests (other than streamed downloads) are sent
    /// from the thread it runs on, with no hand-off per request (see `CurlTransport.withConnection`).
    public func withConnection<T>(_ body: () async throws -> T) async rethrows -> T {
        try await transport.withConnection(body)
    }

    // MARK: buckets and listings

    /// Succeeds when the bucket exists and these credentials may list it; otherwise says why.
    public func headBucket(_ bucket: String) async throws(S3Error) {
        do {
            _ = try await send(.headBucket, bucket: bucket, method: .head)
        } catch let error where [400, 403].contains(error.status) && error.code?.hasPrefix("HTTP") == true {
            // HEAD answers carry no error body; a LIST of nothing asks S3 for the precise code.
            do { _ = try await listObjectsV2(bucket: bucket, maxKeys: 0) } catch {
                throw error.reported(as: .headBucket)
            }
            throw error
        }
    }

    /// Creates a bucket in the configured region (a test and scratch-setup helper).
    public func createBucket(_ bucket: String) async throws(S3Error) {
        var body = RequestBody.empty
        if configuration.region != "us-east-1" {
            var document = XMLWriter(root: "CreateBucketConfiguration")
            document.element("LocationConstraint", configuration.region)
            body = .bytes(Array(document.finish().utf8))
        }
        _ = try await send(.createBucket, bucket: bucket, method: .put, body: body)
    }

    /// One page of ListObjectsV2. Keys arrive URL-encoded (`encoding-type=url`) and are decoded here.
    public func listObjectsV2(
        bucket: String, prefix: String? = nil, delimiter: String? = nil,
        startAfter: String? = nil, maxKeys: Int? = nil,
        continuationToken: String? = nil
    ) async throws(S3Error) -> ListPage {
        var query: [RequestTarget.QueryItem] = [.init("list-type", "2"), .init("encoding-type", "url")]
        if let prefix { query.append(.init("prefix", prefix)) }
        if let delimiter { query.append(.init("delimiter", delimiter)) }
        if let startAfter { query.append(.init("start-after", startAfter)) }
        if let maxKeys { query.append(.init("max-keys", String(maxKeys))) }
        if let continuationToken { query.append(.init("continuation-token", continuationToken)) }
        let response = try await send(.listObjectsV2, bucket: bucket, method: .get, query: query)
        let root = try parseXML(response.body, .listObjectsV2, expecting: "ListBucketResult")
        let encoded = root.value("EncodingType") == "url"
        func key(_ raw: String?) throws(S3Error) -> String {
            guard let raw else { throw .invalidResponse(operation: .listObjectsV2, detail: "an entry without a Key") }
            guard encoded else { return raw }
            guard let decoded = URIEncoding.decodeForm(raw) else {
                throw .invalidResponse(operation: .listObjectsV2, detail: "a key that is not valid URL encoding")
            }
            return decoded
        }
        var objects: [ObjectSummary] = []
        for entry in root.children("Contents") {
            objects.append(
                ObjectSummary(
                    key: try key(entry.value("Key")), size: UInt64(entry.value("Size") ?? "") ?? 0,
                    etag: unquote(entry.value("ETag") ?? ""),
                    lastModified: entry.value("LastModified") ?? ""))
        }
        var prefixes: [String] = []
        for entry in root.children("CommonPrefixes") { prefixes.append(try key(entry.value("Prefix"))) }
        let truncated = root.value("IsTruncated") == "true"
        let token = root.value("NextContinuationToken")
        if truncated && (token ?? "").isEmpty {
            throw .invalidResponse(operation: .listObjectsV2, detail: "a truncated page without NextContinuationToken")
        }
        return ListPage(
            objects: objects, commonPrefixes: prefixes, isTruncated: truncated, nextContinuationToken: token)
    }

    /// Every object and common prefix under `prefix`, following continuation tokens across pages;
    /// only the objects `keeping` accepts are kept (memory bounded by what the caller wants).
    public func listAll(
        bucket: String, prefix: String? = nil, delimiter: String? = nil,
        keeping: (ObjectSummary) -> Bool = { _ in true }
    ) async throws(S3Error) -> Listing {
        var listing = Listing()
        var token: String?
        var seen: Set<String> = []
        let place = "s3://\(bucket)/\(prefix ?? "")"
        repeat {
            let page = try await listObjectsV2(
                bucket: bucket, prefix: prefix, delimiter: delimiter, continuationToken: token)
            listing.objects += page.objects.filter(keeping)
            listing.commonPrefixes += page.commonPrefixes
            listing.pages += 1
            token = page.isTruncated ? page.nextContinuationToken : nil
            if page.isTruncated && (token ?? "").isEmpty {
                throw .invalidResponse(
                    operation: .listObjectsV2,
                    detail: "listing \(place): page \(listing.pages) says there is more but gives no continuation token"
                )
            }
            if let token, !seen.insert(token).inserted {
                throw .invalidResponse(
                    operation: .listObjectsV2,
                    detail:
                        "listing \(place): the same continuation token came twice (after \(listing.pages) pages), so the listing would never end"
                )
            }
            if token != nil && listing.pages >= configuration.maxListPages {
                throw .invalidResponse(
                    operation: .listObjectsV2,
                    detail:
                        "listing \(place) goes past \(configuration.maxListPages) pages (S3_MAX_LIST_PAGES); raise it if the bucket really holds that many keys"
                )
            }
        } while token != nil
        return listing
    }

    // MARK: objects

    /// The object's head and a stream of its bytes, or nil if there is no such key.
    /// A connection dropped mid-body is resumed with a ranged GET pinned to the same ETag.
    /// `ifMatch` pins the read to one version of the object (an ETag).
    public func getObject(bucket: String, key: String, range: ByteRange? = nil, ifMatch etag: String? = nil)
        async throws(S3Error) -> S3Object?
    {
        var headers = HeaderFields()
        if let range { headers.add("Range", range.header) }
        if let etag { headers.add("If-Match", "\"\(etag)\"") }
        let response: HTTPResponse
        do {
            response = try await send(
                .getObject, bucket: bucket, key: key, method: .get, headers: headers, stream: true)
        } catch let error where error.code == "NoSuchKey" {
            return nil
        }
        let head = ObjectHead(response.head.headers)
        let start: UInt64 =
            switch range {
            case .closed(let a, _), .from(let a): a
            case .suffix, nil: response.head.status == 206 ? Self.rangeStart(response.head.headers) : 0
            }
        let size = response.head.status == 206 ? Self.rangeTotal(response.head.headers) ?? head.size : head.size
        return S3Object(
            head: head, objectSize: size,
            body: ObjectBody(
                client: self, bucket: bucket, key: key, etag: head.etag, start: start, length: head.size,
                first: response.stream))
    }

    static func rangeStart(_ headers: HeaderFields) -> UInt64 {
        // Content-Range: bytes 100-199/1000
        guard let value = headers["Content-Range"], let dash = value.firstIndex(of: "-") else { return 0 }
        return UInt64(value[value.index(value.startIndex, offsetBy: 6)..<dash]) ?? 0
    }

    /// The whole object's size from a ranged answer's Content-Range (nil when it says `*`).
    static func rangeTotal(_ headers: HeaderFields) -> UInt64? {
        guard let value = headers["Content-Range"], let slash = value.lastIndex(of: "/") else { return nil }
        return UInt64(value[value.index(after: slash)...])
    }

    /// The whole object in memory, or nil: only for objects known to be small. One collected GET (sent
    /// again whole if the connection drops), so it goes out from the caller's connection thread if any.
    public func getObjectBytes(bucket: String, key: String, limit: Int = 64 << 20) async throws(S3Error) -> [UInt8]? {
        do {
            return try await send(.getObject, bucket: bucket, key: key, method: .get, maxResponseBytes: limit).body
        } catch let error where error.code == "NoSuchKey" {
            return nil
        } catch .transport(let failure, _, _) where failure.kind == .responseTooLarge {
            throw .invalidArgument(
                "s3://\(bucket)/\(key) is over the \(limit)-byte limit for reading it whole; stream it instead (getObject)."
            )
        }
    }

    /// Whether the key exists, in one request that also names a refusal precisely: a one-byte ranged
    /// GET, where a refused HEAD (no error body) would cost a second request to learn why. The answer's
    /// body is not read (a server that ignores Range has its transfer dropped).
    public func objectExists(bucket: String, key: String) async throws(S3Error) -> Bool {
        var headers = HeaderFields()
        headers.add("Range", ByteRange.closed(0, 0).header)
        do {
            _ = try await send(.getObject, bucket: bucket, key: key, method: .get, headers: headers, stream: true)
            return true
        } catch let error where error.code == "NoSuchKey" {
            return false
        } catch let error where error.code == "InvalidRange" {
            return true  // an empty object has no first byte
        }
    }

    /// The object's head, or nil if there is no such key.
    public func headObject(bucket: String, key: String) async throws(S3Error) -> ObjectHead? {
        do {
            let response = try await send(.headObject, bucket: bucket, key: key, method: .head)
            return ObjectHead(response.head.headers)
        } catch let error where error.status == 404 {
            return nil
        } catch let error where [400, 403].contains(error.status) && error.code?.hasPrefix("HTTP") == true {
            // HEAD answers carry no error body; a one-byte GET asks S3 for the precise code.
            do { _ = try await getObject(bucket: bucket, key: key, range: .closed(0, 0)) } catch {
                throw error.reported(as: .headObject)
            }
            throw error
        }
    }

    public func putObject(bucket: String, key: String, body: RequestBody, options: PutOptions = PutOptions())
        async throws(S3Error) -> PutResult
    {
        let headers = options.headers
        let response = try await send(
            .putObject, bucket: bucket, key: key, method: .put, headers: headers, body: body,
            contentMD5: options.contentMD5)
        return PutResult(etag: unquote(response.head.headers["ETag"] ?? ""))
    }

    public func deleteObject(bucket: String, key: String) async throws(S3Error) {
        _ = try await send(.deleteObject, bucket: bucket, key: key, method: .delete)
    }

    /// Deletes in batches of 1,000 (S3's limit); keys S3 could not delete come back in `errors`.
    public func deleteObjects(bucket: String, keys: [String]) async throws(S3Error) -> DeleteResult {
        var result = DeleteResult()
        for start in stride(from: 0, to: keys.count, by: 1000) {
            let batch = keys[start..<min(start + 1000, keys.count)]
            var document = XMLWriter(root: "Delete")
            document.element("Quiet", true)
            for key in batch { document.element("Object") { $0.element("Key", key) } }
            let xml = document.finish()
            let response = try await send(
                .deleteObjects, bucket: bucket, method: .post, query: [.init("delete")],
                headers: ["Content-Type": "application/xml"], body: .bytes(Array(xml.utf8)),
                contentMD5: true)
            let root = try parseXML(response.body, .deleteObjects, expecting: "DeleteResult")
            let failed = Set(root.children("Error").compactMap { $0.value("Key") })
            for error in root.children("Error") {
                result.errors.append(
                    (error.value("Key") ?? "", error.value("Code") ?? "", error.value("Message") ?? ""))
            }
            result.deleted += batch.filter { !failed.contains($0) }
        }
        return result
    }

    public func copyObject(sourceBucket: String, sourceKey: String, bucket: String, key: String) async throws(S3Error)
        -> PutResult
    {
        let source = URIEncoding.encode("\(sourceBucket)/\(sourceKey)", keepSlash: true)
        let response = try await send(
            .copyObject, bucket: bucket, key: key, method: .put,
            headers: ["x-amz-copy-source": source])
        let root = try parseXML(response.body, .copyObject, expecting: "CopyObjectResult")
        return PutResult(etag: unquote(root.value("ETag") ?? ""))
    }

    // MARK: multipart

    public func createMultipartUpload(bucket: String, key: String, options: PutOptions = PutOptions())
        async throws(S3Error) -> String
    {
        let headers = options.headers
        let response = try await send(
            .createMultipartUpload, bucket: bucket, key: key, method: .post,
            query: [.init("uploads")], headers: headers)
        let root = try parseXML(response.body, .createMultipartUpload, expecting: "InitiateMultipartUploadResult")
        guard let id = root.value("UploadId"), !id.isEmpty else {
            throw .invalidResponse(operation: .createMultipartUpload, detail: "no UploadId")
        }
        return id
    }

    /// Uploads one part (numbers 1...10,000) and returns its ETag.
    public func uploadPart(bucket: String, key: String, uploadId: String, partNumber: Int, body: RequestBody)
        async throws(S3Error) -> CompletedPart
    {
        guard (1...10_000).contains(partNumber) else {
            throw .invalidArgument("Part number \(partNumber) is outside 1...10000.")
        }
        let response = try await send(
            .uploadPart, bucket: bucket, key: key, method: .put,
            query: [.init("partNumber", String(partNumber)), .init("uploadId", uploadId)],
            body: body, contentMD5: true)
        return CompletedPart(partNumber: partNumber, etag: unquote(response.head.headers["ETag"] ?? ""))
    }

    public func completeMultipartUpload(bucket: String, key: String, uploadId: String, parts: [CompletedPart])
        async throws(S3Error) -> PutResult
    {
        var document = XMLWriter(root: "CompleteMultipartUpload")
        for part in parts.sorted(by: { $0.partNumber < $1.partNumber }) {
            document.element("Part") {
                $0.element("PartNumber", part.partNumber)
                $0.element("ETag", "\"\(part.etag)\"")
            }
        }
        let xml = document.finish()
        let response = try await send(
            .completeMultipartUpload, bucket: bucket, key: key, method: .post,
            query: [.init("uploadId", uploadId)], headers: ["Content-Type": "application/xml"],
            body: .bytes(Array(xml.utf8)))
        let root = try parseXML(response.body, .completeMultipartUpload, expecting: "CompleteMultipartUploadResult")
        return PutResult(etag: unquote(root.value("ETag") ?? ""))
    }

    public func abortMultipartUpload(bucket: String, key: String, uploadId: String) async throws(S3Error) {
        do {
            _ = try await send(
                .abortMultipartUpload, bucket: bucket, key: key, method: .delete,
                query: [.init("uploadId", uploadId)])
        } catch let error where error.code == "NoSuchUpload" {
            return  // already gone: what abort wanted
        }
    }

    /// Uploads begun and neither completed nor aborted, across pages.
    public func listMultipartUploads(bucket: String, prefix: String? = nil) async throws(S3Error)
        -> [MultipartUploadSummary]
    {
        var uploads: [MultipartUploadSummary] = []
        var keyMarker: String?
        var idMarker: String?
        while true {
            var query: [RequestTarget.QueryItem] = [.init("uploads")]
            if let prefix { query.append(.init("prefix", prefix)) }
            if let keyMarker { query.append(.init("key-marker", keyMarker)) }
            if let idMarker { query.append(.init("upload-id-marker", idMarker)) }
            let response = try await send(.listMultipartUploads, bucket: bucket, method: .get, query: query)
            let root = try parseXML(response.body, .listMultipartUploads, expecting: "ListMultipartUploadsResult")
            for upload in root.children("Upload") {
                uploads.append(
                    MultipartUploadSummary(
                        key: upload.value("Key") ?? "", uploadId: upload.value("UploadId") ?? "",
                        initiated: upload.value("Initiated") ?? ""))
            }
            guard root.value("IsTruncated") == "true" else { return uploads }
            keyMarker = root.value("NextKeyMarker")
            idMarker = root.value("NextUploadIdMarker")
            if (keyMarker ?? "").isEmpty && (idMarker ?? "").isEmpty {
                throw .invalidResponse(
                    operation: .listMultipartUploads, detail: "a truncated page without next markers")
            }
        }
    }

    // MARK: presigning

    /// A URL that lets its holder make one kind of request until it expires (at most 7 days).
    public func presignedURL(method: RequestMethod, bucket: String, key: String, expires: Int = 3600) throws(S3Error)
        -> String
    {
        guard let credentials = configuration.credentials else {
            throw .credentials("A presigned URL needs credentials; this client is anonymous.")
        }
        guard (1...604_800).contains(expires) else {
            throw .invalidArgument("Presigned URLs expire after 1 s to 7 days; \(expires) s asked.")
        }
        let target = configuration.endpoint.target(bucket: bucket, key: key, query: [])
        return SigV4Signer(credentials: credentials, region: configuration.region, keyCache: signingKeys)
            .presign(target, method: method, expires: expires, date: now()).url
    }
}

/// An object being read: its head, and its bytes as they arrive.
public struct S3Object: Sendable {
    /// The answer's head: for a ranged GET, `size` is the range's.
    public var head: ObjectHead
    /// The whole object's size (from Content-Range when a range was asked for).
    public var objectSize: UInt64
    public var body: ObjectBody
}
