import Foundation
import S3Wire

/// An object as a listing shows it.
public struct ObjectSummary: Sendable, Equatable {
    public var key: String
    public var size: UInt64
    /// Without the surrounding quotes.
    public var etag: String
    public var lastModified: String
}

/// One page of ListObjectsV2.
public struct ListPage: Sendable {
    public var objects: [ObjectSummary]
    public var commonPrefixes: [String]
    public var isTruncated: Bool
    public var nextContinuationToken: String?
}

/// Everything under a prefix, all pages gathered.
public struct Listing: Sendable {
    public var objects: [ObjectSummary] = []
    public var commonPrefixes: [String] = []
    public var pages = 0
}

/// What HEAD (or the head of a GET) says of an object.
public struct ObjectHead: Sendable {
    public var size: UInt64
    public var etag: String
    public var contentType: String?
    public var lastModified: String?
    /// `x-amz-meta-*` headers, names lower-cased and without the prefix.
    public var metadata: [String: String]

    init(_ headers: HeaderFields) {
        size = headers["Content-Length"].flatMap { UInt64($0) } ?? 0
        etag = unquote(headers["ETag"] ?? "")
        contentType = headers["Content-Type"]
        lastModified = headers["Last-Modified"]
        var metadata: [String: String] = [:]
        for (name, value) in headers where name.lowercased().hasPrefix("x-amz-meta-") {
            metadata[String(name.lowercased().dropFirst(11))] = value
        }
        self.metadata = metadata
    }
}

/// A byte range for GET.
public enum ByteRange: Sendable, Equatable {
    /// Bytes `first...last`, both included.
    case closed(UInt64, UInt64)
    /// From `first` to the end.
    case from(UInt64)
    /// The last `n` bytes.
    case suffix(UInt64)

    var header: String {
        switch self {
        case .closed(let a, let b): "bytes=\(a)-\(b)"
        case .from(let a): "bytes=\(a)-"
        case .suffix(let n): "bytes=-\(n)"
        }
    }
}

public struct PutOptions: Sendable {
    public var contentType: String?
    /// A canned ACL (`private`, `public-read`); nil sends none.
    public var acl: String?
    public var metadata: [String: String]
    /// Send Content-MD5 so S3 rejects a body corrupted on the way (`BadDigest`).
    public var contentMD5: Bool
    /// Create only: `If-None-Match: *`, so S3 refuses (412 PreconditionFailed) rather than replace an
    /// object already there.
    public var onlyIfAbsent = false

    public init(
        contentType: String? = nil, acl: String? = nil, metadata: [String: String] = [:], contentMD5: Bool = true
    ) {
        self.contentType = contentType
        self.acl = acl
        self.metadata = metadata
        self.contentMD5 = contentMD5
    }

    /// The request headers that carry these options (PutObject and CreateMultipartUpload alike).
    var headers: HeaderFields {
        var headers = HeaderFields()
        if let contentType { headers.add("Content-Type", contentType) }
        if let acl { headers.add("x-amz-acl", acl) }
        if onlyIfAbsent { headers.add("If-None-Match", "*") }
        for (name, value) in metadata.sorted(by: { $0.key < $1.key }) { headers.add("x-amz-meta-\(name)", value) }
        return headers
    }
}

public struct PutResult: Sendable {
    public var etag: String
}

public struct CompletedPart: Sendable, Equatable {
    public var partNumber: Int
    public var etag: String
    public init(partNumber: Int, etag: String) {
        self.partNumber = partNumber
        self.etag = etag
    }
}

public struct MultipartUploadSummary: Sendable, Equatable {
    public var key: String
    public var uploadId: String
    public var initiated: String
}

public struct DeleteResult: Sendable {
    public var deleted: [String] = []
    public var errors: [(key: String, code: String, message: String)] = []
}

func unquote(_ etag: String) -> String {
    var s = Substring(etag)
    if s.hasPrefix("W/") { s = s.dropFirst(2) }
    if s.hasPrefix("\"") && s.hasSuffix("\"") && s.count >= 2 { s = s.dropFirst().dropLast() }
    return String(s)
}
