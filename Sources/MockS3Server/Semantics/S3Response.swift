import NIOCore

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
        S3Response(
            status: status, headers: [("Content-Type", "application/xml")], body: .bytes(ByteBuffer(string: text)))
    }

    /// With `x-amz-version-id` when the object has a version of its own (not `null`).
    func with(versionOf object: StoredObject) -> S3Response {
        guard object.versionId != "null" else { return self }
        var copy = self
        copy.headers.append(("x-amz-version-id", object.versionId))
        return copy
    }
}

/// What arrived as the request body, already verified.
enum ReceivedBody {
    case none
    case stored(Blob, BodyVerifier.Result)
    case small([UInt8], BodyVerifier.Result)

    var bytes: [UInt8] {
        if case .small(let b, _) = self { return b }
        return []
    }
}
