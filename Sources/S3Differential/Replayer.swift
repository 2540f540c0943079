import Foundation
import RaceDataTesting
import S3Kit
import S3Wire

/// Plays a sequence on one server and observes every answer. What the steps name by index (buckets,
/// versions, uploads, continuation tokens) it maps to what this server answered, and every id it meets
/// is replaced by a symbol given in order of appearance, so two servers that behave alike observe alike.
struct Replayer {
    let endpoint: DiffEndpoint
    /// Bucket names start with this (unique per run and attempt; replaced by `b0`, `b1` in observations).
    let namespace: String

    private var etags: [String: String] = [:]
    private var versions: [String: [String]] = [:]
    private var uploads: [(bucket: Int, key: Int, id: String?)] = []
    private var parts: [Int: [Int: String]] = [:]
    private var tokens: [Int: String] = [:]
    private var symbols: [String: String] = [:]
    private var symbolCounts: [String: Int] = [:]
    private var created: Set<Int> = []

    init(endpoint: DiffEndpoint, namespace: String) {
        self.endpoint = endpoint
        self.namespace = namespace
    }

    func bucketName(_ index: Int) -> String { "\(namespace)-b\(index)" }

    mutating func play(_ steps: [Step]) async -> [Observation] {
        var observations: [Observation] = []
        for step in steps {
            do { observations.append(try await play(step)) } catch {
                observations.append(
                    Observation(
                        status: Observation.unanswered, code: "transport", headers: [:], body: ["error": "\(error)"]))
            }
        }
        return observations
    }

    /// Removes what the sequence made: uploads aborted, every version deleted, buckets deleted.
    func clean() async {
        for index in created.sorted() {
            let bucket = bucketName(index)
            for _ in 0..<20 {
                guard let listing = try? await endpoint.send(.get, bucket: bucket, query: [.init("uploads")]),
                    let root = try? XML.parse(listing.body)
                else { break }
                let open = root.children("Upload")
                for upload in open {
                    _ = try? await endpoint.send(
                        .delete, bucket: bucket, key: upload.value("Key") ?? "",
                        query: [.init("uploadId", upload.value("UploadId") ?? "")])
                }
                if open.isEmpty || root.value("IsTruncated") != "true" { break }
            }
            for _ in 0..<50 {
                guard
                    let listing = try? await endpoint.send(
                        .get, bucket: bucket, query: [.init("versions"), .init("encoding-type", "url")]),
                    let root = try? XML.parse(listing.body)
                else { break }
                let entries = root.children.filter { $0.name == "Version" || $0.name == "DeleteMarker" }
                for entry in entries {
                    let key = URIEncoding.decodeForm(entry.value("Key") ?? "") ?? ""
                    _ = try? await endpoint.send(
                        .delete, bucket: bucket, key: key,
                        query: [.init("versionId", entry.value("VersionId") ?? "null")])
                }
                if entries.isEmpty { break }
            }
            _ = try? await endpoint.send(.delete, bucket: bucket)
        }
    }

    // MARK: one step

    private mutating func play(_ step: Step) async throws -> Observation {
        switch step {
        case .createBucket(let b, let location):
            var body: [UInt8] = []
            if let location {
                var document = XMLWriter(root: "CreateBucketConfiguration")
                document.element("LocationConstraint", location)
                body = Array(document.finish().utf8)
            }
            let response = try await endpoint.send(.put, bucket: bucketName(b), body: body)
            if response.status == 200 { created.insert(b) }
            return observe(response)
        case .deleteBucket(let b):
            return observe(try await endpoint.send(.delete, bucket: bucketName(b)))
        case .headBucket(let b):
            return observe(try await endpoint.send(.head, bucket: bucketName(b)))
        case .putVersioning(let b, let enabled):
            var document = XMLWriter(root: "VersioningConfiguration")
            document.element("Status", enabled ? "Enabled" : "Suspended")
            return observe(
                try await endpoint.send(
                    .put, bucket: bucketName(b), query: [.init("versioning")], body: Array(document.finish().utf8)))
        case .putObject(let b, let k, let body, let metadata, let contentType, let ifNoneMatch):
            var headers = metadata.map { ("x-amz-meta-" + $0.name, $0.value) }
            if let contentType { headers.append(("Content-Type", contentType)) }
            if ifNoneMatch { headers.append(("If-None-Match", "*")) }
            let bytes = Self.bytes(body.size, seed: body.seed)
            let response = try await endpoint.send(
                .put, bucket: bucketName(b), key: KeyPool.keys[k], headers: headers, body: bytes)
            remember(response, bucket: b, key: k)
            return observe(response, headers: Self.writeHeaders + ["etag"])
        case .getObject(let b, let k, let range, let condition, let version):
            var headers = conditionHeaders(condition, bucket: b, key: k)
            if let range { headers.append(("Range", range)) }
            let response = try await endpoint.send(
                .get, bucket: bucketName(b), key: KeyPool.keys[k], query: versionQuery(version, bucket: b, key: k),
                headers: headers)
            return observe(response, headers: Self.readHeaders, objectBody: true)
        case .headObject(let b, let k, let condition, let version):
            let response = try await endpoint.send(
                .head, bucket: bucketName(b), key: KeyPool.keys[k], query: versionQuery(version, bucket: b, key: k),
                headers: conditionHeaders(condition, bucket: b, key: k))
            return observe(response, headers: Self.readHeaders)
        case .copyObject(let b, let from, let to, let replacing):
            var headers = [
                ("x-amz-copy-source", "/\(bucketName(b))/" + URIEncoding.encode(KeyPool.keys[from], keepSlash: true))
            ]
            if let replacing {
                headers.append(("x-amz-metadata-directive", "REPLACE"))
                headers += replacing.map { ("x-amz-meta-" + $0.name, $0.value) }
            }
            let response = try await endpoint.send(.put, bucket: bucketName(b), key: KeyPool.keys[to], headers: headers)
            if response.status == 200, let root = try? XML.parse(response.body), let etag = root.value("ETag") {
                etags["\(b)/\(to)"] = etag
            }
            remember(response, bucket: b, key: to)
            return observe(response, headers: Self.writeHeaders)
        case .deleteObject(let b, let k, let version):
            let response = try await endpoint.send(
                .delete, bucket: bucketName(b), key: KeyPool.keys[k], query: versionQuery(version, bucket: b, key: k))
            remember(response, bucket: b, key: k)
            return observe(response, headers: Self.writeHeaders)
        case .deleteObjects(let b, let keys, let quiet):
            var document = XMLWriter(root: "Delete")
            if quiet { document.element("Quiet", "true") }
            for k in keys { document.element("Object") { $0.element("Key", KeyPool.keys[k]) } }
            let body = Array(document.finish().utf8)
            let md5 = Data(Digest.md5(body)).base64EncodedString()
            return observe(
                try await endpoint.send(
                    .post, bucket: bucketName(b), query: [.init("delete")], headers: [("Content-MD5", md5)], body: body)
            )
        case .listV1(let b, let listing):
            var query = Self.query(listing)
            if let after = listing.after { query.append(.init("marker", KeyPool.keys[after])) }
            return observe(
                try await endpoint.send(.get, bucket: bucketName(b), query: query),
                urlEncoded: listing.urlEncoding ? Self.encodedInV1 : [])
        case .listV2(let b, let listing, let continueLast):
            var query = [RequestTarget.QueryItem("list-type", "2")] + Self.query(listing)
            if let after = listing.after { query.append(.init("start-after", KeyPool.keys[after])) }
            if continueLast, let token = tokens[b] { query.append(.init("continuation-token", token)) }
            let response = try await endpoint.send(.get, bucket: bucketName(b), query: query)
            if let root = try? XML.parse(response.body) { tokens[b] = root.value("NextContinuationToken") }
            return observe(response, urlEncoded: listing.urlEncoding ? Self.encodedInV2 : [])
        case .listVersions(let b, let prefix, let maxKeys):
            var query: [RequestTarget.QueryItem] = [.init("versions"), .init("encoding-type", "url")]
            if let prefix { query.append(.init("prefix", prefix)) }
            if let maxKeys { query.append(.init("max-keys", String(maxKeys))) }
            return observe(
                try await endpoint.send(.get, bucket: bucketName(b), query: query), urlEncoded: Self.encodedInVersions)
        case .createUpload(let b, let k):
            let response = try await endpoint.send(
                .post, bucket: bucketName(b), key: KeyPool.keys[k], query: [.init("uploads")])
            let id = response.status == 200 ? (try? XML.parse(response.body))?.value("UploadId") : nil
            uploads.append((b, k, id))
            return observe(response)
        case .uploadPart(let u, let number, let size):
            guard let upload = upload(u) else { return .skipped("no upload \(u)") }
            let response = try await endpoint.send(
                .put, bucket: bucketName(upload.bucket), key: KeyPool.keys[upload.key],
                query: [.init("partNumber", String(number)), .init("uploadId", upload.id)],
                body: Self.bytes(size, seed: UInt64(number * 7919 + size)))
            if response.status == 200, let etag = response.head.headers["etag"] {
                parts[u, default: [:]][number] = etag
            }
            return observe(response, headers: ["etag"])
        case .listParts(let u):
            guard let upload = upload(u) else { return .skipped("no upload \(u)") }
            return observe(
                try await endpoint.send(
                    .get, bucket: bucketName(upload.bucket), key: KeyPool.keys[upload.key],
                    query: [.init("uploadId", upload.id)]))
        case .listUploads(let b, let prefix):
            var query: [RequestTarget.QueryItem] = [.init("uploads"), .init("encoding-type", "url")]
            if let prefix { query.append(.init("prefix", prefix)) }
            return observe(
                try await endpoint.send(.get, bucket: bucketName(b), query: query), urlEncoded: Self.encodedInUploads)
        case .completeUpload(let u, let completion):
            guard let upload = upload(u) else { return .skipped("no upload \(u)") }
            var named = (parts[u] ?? [:]).sorted { $0.key < $1.key }.map { (number: $0.key, etag: $0.value) }
            switch completion {
            case .asUploaded: break
            case .wrongETag: if !named.isEmpty { named[0].etag = "\"00000000000000000000000000000000\"" }
            case .reversed: named.reverse()
            case .missingPart: named.append((9, "\"0123456789abcdef0123456789abcdef\""))
            case .noParts: named = []
            }
            var document = XMLWriter(root: "CompleteMultipartUpload")
            for part in named {
                document.element("Part") {
                    $0.element("PartNumber", String(part.number))
                    $0.element("ETag", part.etag)
                }
            }
            let response = try await endpoint.send(
                .post, bucket: bucketName(upload.bucket), key: KeyPool.keys[upload.key],
                query: [.init("uploadId", upload.id)], body: Array(document.finish().utf8))
            if response.status == 200, let root = try? XML.parse(response.body), root.name != "Error" {
                etags["\(upload.bucket)/\(upload.key)"] = root.value("ETag")
            }
            remember(response, bucket: upload.bucket, key: upload.key)
            return observe(response, headers: Self.writeHeaders)
        case .abortUpload(let u):
            guard let upload = upload(u) else { return .skipped("no upload \(u)") }
            return observe(
                try await endpoint.send(
                    .delete, bucket: bucketName(upload.bucket), key: KeyPool.keys[upload.key],
                    query: [.init("uploadId", upload.id)]))
        case .putTagging(let b, let k, let tags):
            var document = XMLWriter(root: "Tagging")
            document.element("TagSet") { set in
                for tag in tags {
                    set.element("Tag") {
                        $0.element("Key", tag.name)
                        $0.element("Value", tag.value)
                    }
                }
            }
            let body = Array(document.finish().utf8)
            return observe(
                try await endpoint.send(
                    .put, bucket: bucketName(b), key: KeyPool.keys[k], query: [.init("tagging")],
                    headers: [("Content-MD5", Data(Digest.md5(body)).base64EncodedString())], body: body),
                headers: Self.writeHeaders)
        case .getTagging(let b, let k):
            return observe(
                try await endpoint.send(.get, bucket: bucketName(b), key: KeyPool.keys[k], query: [.init("tagging")]))
        case .deleteTagging(let b, let k):
            return observe(
                try await endpoint.send(.delete, bucket: bucketName(b), key: KeyPool.keys[k], query: [.init("tagging")])
            )
        case .putACL(let b, let k, let canned):
            return observe(
                try await endpoint.send(
                    .put, bucket: bucketName(b), key: KeyPool.keys[k], query: [.init("acl")],
                    headers: [("x-amz-acl", canned)]))
        case .getACL(let b, let k):
            return observe(
                try await endpoint.send(.get, bucket: bucketName(b), key: KeyPool.keys[k], query: [.init("acl")]))
        }
    }

    // MARK: what the steps refer to

    private func upload(_ index: Int) -> (bucket: Int, key: Int, id: String)? {
        guard uploads.indices.contains(index), let id = uploads[index].id else { return nil }
        return (uploads[index].bucket, uploads[index].key, id)
    }

    private mutating func remember(_ response: HTTPResponse, bucket: Int, key: Int) {
        guard (200..<300).contains(response.status) else { return }
        if let etag = response.head.headers["etag"] { etags["\(bucket)/\(key)"] = etag }
        if let version = response.head.headers["x-amz-version-id"] {
            versions["\(bucket)/\(key)", default: []].append(version)
        }
    }

    private func versionQuery(_ version: Int?, bucket: Int, key: Int) -> [RequestTarget.QueryItem] {
        guard let version, let seen = versions["\(bucket)/\(key)"], !seen.isEmpty else { return [] }
        return [.init("versionId", seen[version % seen.count])]
    }

    private func conditionHeaders(_ condition: Step.Condition?, bucket: Int, key: Int) -> [(String, String)] {
        let current = etags["\(bucket)/\(key)"] ?? "\"ffffffffffffffffffffffffffffffff\""
        let other = "\"0123456789abcdef0123456789abcdef\""
        func date(_ hours: Int) -> String { UTCDate(Date().addingTimeInterval(Double(hours) * 3600)).httpDate }
        switch condition {
        case nil: return []
        case .ifMatch(let isCurrent): return [("If-Match", isCurrent ? current : other)]
        case .ifNoneMatch(let isCurrent): return [("If-None-Match", isCurrent ? current : other)]
        case .ifModifiedSince(let hours): return [("If-Modified-Since", date(hours))]
        case .ifUnmodifiedSince(let hours): return [("If-Unmodified-Since", date(hours))]
        }
    }

    static func query(_ listing: Step.Listing) -> [RequestTarget.QueryItem] {
        var query: [RequestTarget.QueryItem] = []
        if let prefix = listing.prefix { query.append(.init("prefix", prefix)) }
        if let delimiter = listing.delimiter { query.append(.init("delimiter", delimiter)) }
        if let maxKeys = listing.maxKeys { query.append(.init("max-keys", String(maxKeys))) }
        if listing.urlEncoding { query.append(.init("encoding-type", "url")) }
        return query
    }

    static func bytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var random = SeededGenerator(seed: seed)
        var out = [UInt8](repeating: 0, count: count)
        var index = 0
        while index < count {
            var word = random.next()
            for _ in 0..<min(8, count - index) {
                out[index] = UInt8(truncatingIfNeeded: word)
                word >>= 8
                index += 1
            }
        }
        return out
    }

    // MARK: observing

    static let writeHeaders = ["x-amz-version-id", "x-amz-delete-marker"]
    static let readHeaders = [
        "etag", "content-length", "content-range", "content-type", "x-amz-version-id", "x-amz-delete-marker",
        "x-amz-tagging-count",
    ]

    /// With `encoding-type=url`, the fields S3 encodes, as botocore decodes them (`handlers.py`,
    /// `decode_list_object*`): compared as the data they stand for, so `%20` and `+` are one space.
    static let encodedInV1: Set<String> = ["Delimiter", "Marker", "NextMarker", "Key", "CommonPrefixes/Prefix"]
    static let encodedInV2: Set<String> = ["Delimiter", "Prefix", "StartAfter", "Key", "CommonPrefixes/Prefix"]
    static let encodedInVersions: Set<String> = [
        "KeyMarker", "NextKeyMarker", "Prefix", "Delimiter", "Key", "CommonPrefixes/Prefix",
    ]
    static let encodedInUploads: Set<String> = [
        "Delimiter", "KeyMarker", "Prefix", "NextKeyMarker", "Key", "CommonPrefixes/Prefix",
    ]

    private mutating func observe(
        _ response: HTTPResponse, headers names: [String] = [], objectBody: Bool = false, urlEncoded: Set<String> = []
    ) -> Observation {
        var headers: [String: String] = [:]
        let success = (200..<300).contains(response.status)
        // An error answer's length and type are its error document's; only what marks a version counts.
        let names = success || response.status == 304 ? names : names.filter(Self.writeHeaders.contains)
        for (name, value) in response.head.headers {
            let lower = name.lowercased()
            guard names.contains(lower) || (names.contains("etag") && lower.hasPrefix("x-amz-meta-")) else { continue }
            headers[lower] = lower == "x-amz-version-id" ? symbol(value, "v") : value
        }
        var code: String?
        var body: [String: String] = [:]
        if !success || !objectBody, !response.body.isEmpty, let root = try? XML.parse(response.body) {
            if root.name == "Error" {
                code = root.value("Code")
            } else {
                body = CanonicalXML.leaves(root) { path, name, text in
                    let field = path.hasSuffix("CommonPrefixes/Prefix") ? "CommonPrefixes/Prefix" : name
                    let decoded =
                        urlEncoded.contains(field) ? URIEncoding.decodeForm(text) ?? "undecodable: \(text)" : text
                    return self.symbolize(name, decoded)
                }
            }
        } else if objectBody && success {
            body["bytes"] = "\(response.body.count) bytes sha256:\(Digest.sha256(response.body).hexString.prefix(16))"
        } else if !response.body.isEmpty {
            body["bytes"] = "\(response.body.count) bytes, not XML"
        }
        return Observation(status: response.status, code: code, headers: headers, body: body)
    }

    private mutating func symbolize(_ name: String, _ text: String) -> String {
        switch name {
        case "VersionId", "NextVersionIdMarker", "VersionIdMarker", "DeleteMarkerVersionId":
            return text.isEmpty || text == "null" ? text : symbol(text, "v")
        case "UploadId", "NextUploadIdMarker", "UploadIdMarker": return text.isEmpty ? text : symbol(text, "u")
        case "ContinuationToken", "NextContinuationToken": return "<token>"
        default:
            guard text.hasPrefix(namespace + "-b") else { return text }
            return String(text.dropFirst(namespace.count + 1))
        }
    }

    /// The id's symbol: its kind and its place among the ids of that kind this server has given.
    private mutating func symbol(_ id: String, _ kind: String) -> String {
        if id == "null" { return id }
        if let known = symbols[id] { return known }
        let name = "\(kind)\(symbolCounts[kind, default: 0])"
        symbolCounts[kind, default: 0] += 1
        symbols[id] = name
        return name
    }
}
