import Foundation
import NIOCore
import S3Wire

/// Buckets: create, list, and the names S3 accepts.
extension S3Service {
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
}
