import Foundation
import NIOCore
import S3Wire

/// Buckets: create, list, and the names S3 accepts.
extension S3Service {
    /// The caller's buckets, by name, in pages of `max-buckets` when asked.
    func listBuckets(_ r: IncomingRequest, caller: Account?) throws(S3ServerError) -> S3Response {
        let owner = caller ?? .anonymous
        var buckets = store.listBuckets().filter { $0.owner == owner }
        if let prefix = r.queryValue("prefix") { buckets = buckets.filter { $0.name.hasPrefix(prefix) } }
        if let token = r.queryValue("continuation-token") {
            guard let data = Data(base64Encoded: token), let after = String(data: data, encoding: .utf8) else {
                throw .invalidArgument(
                    "The continuation token provided is incorrect", name: "continuation-token", value: token)
            }
            buckets = buckets.filter { keyPrecedes(after, $0.name) }
        }
        var next = ""
        if let text = r.queryValue("max-buckets") {
            guard let max = Int(text), (1...10_000).contains(max) else {
                throw .invalidArgument(
                    "Argument max-buckets must be an integer between 1 and 10000", name: "max-buckets", value: text)
            }
            if buckets.count > max {
                buckets = Array(buckets.prefix(max))
                next =
                    "<ContinuationToken>\(Data(buckets[max - 1].name.utf8).base64EncodedString())</ContinuationToken>"
            }
        }
        let items = buckets.map {
            "<Bucket><Name>\(XML.escape($0.name))</Name><CreationDate>\(UTCDate($0.created).iso8601)</CreationDate><BucketRegion>\(region)</BucketRegion></Bucket>"
        }.joined()
        return .xml(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListAllMyBucketsResult xmlns=\"\(Self.xmlns)\">\(owner.ownerXML)<Buckets>\(items)</Buckets>\(next)</ListAllMyBucketsResult>"
        )
    }

    static func validBucketName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (3...63).contains(bytes.count),
            bytes.allSatisfy({ (97...122).contains($0) || (48...57).contains($0) || $0 == 45 || $0 == 46 }),
            let first = bytes.first, let last = bytes.last,
            first != 45 && first != 46, last != 45 && last != 46,
            !name.contains(".."),
            name.split(separator: ".").count != 4 || !name.split(separator: ".").allSatisfy({ Int($0) != nil })
        else { return false }
        return true
    }

    func createBucket(_ bucket: String, _ r: IncomingRequest, caller: Account?, body: ReceivedBody)
        throws(S3ServerError) -> S3Response
    {
        let owner = caller ?? .anonymous
        guard Self.validBucketName(bucket) else { throw .invalidBucketName(bucket) }
        var location: String?
        if !body.bytes.isEmpty {
            let root = try parseXML(body.bytes)
            let constraint = root.value("LocationConstraint") ?? ""
            location = constraint
            if constraint != region && !(constraint.isEmpty && region == "us-east-1")
                && !extraLocationConstraints.contains(constraint)
            {
                throw .init(
                    "IllegalLocationConstraintException", 400,
                    "The \(constraint.isEmpty ? "unspecified" : constraint) location constraint is incompatible for the region specific endpoint this request was sent to."
                )
            }
        }
        var ownership = defaultOwnership
        if let value = r.headers.first(name: "x-amz-object-ownership") {
            guard let o = ObjectOwnership(rawValue: value) else {
                throw .invalidArgument("Invalid x-amz-object-ownership header: \(value)")
            }
            ownership = o
        }
        // The new bucket's ACL, as any ACL a request sets (its body is the location, not a policy).
        let acl = try requestedACL(
            r, owner: owner, BucketAccess(owner: owner, acl: .private(owner), ownership: ownership),
            refused: .invalidBucketAclWithObjectOwnership)
        do {
            try store.createBucket(bucket, owner: owner, acl: acl)
        } catch let error where error.code == "BucketAlreadyOwnedByYou" && region == "us-east-1" {
            // us-east-1 answers 200 to re-creating a bucket you own (a legacy S3 keeps).
            return S3Response(status: 200, headers: [("Location", "/\(bucket)")])
        }
        try store.setOwnership(bucket, ownership)
        if let location, extraLocationConstraints.contains(location) {
            try store.setConfiguration(bucket, "location", location)
        }
        // Object Lock is chosen at creation, and makes the bucket versioned for good.
        if r.headers.first(name: "x-amz-bucket-object-lock-enabled")?.lowercased() == "true" {
            try store.setVersioning(bucket, .enabled)
            try store.setObjectLock(bucket, ObjectLockConfiguration())
        }
        return S3Response(status: 200, headers: [("Location", "/\(bucket)")])
    }
}
