import Foundation
import S3Wire

/// Buckets: create, list, head, delete, their ACL, and the names S3 accepts.
extension S3Semantics {
    /// The caller's buckets, by name, in pages of `max-buckets` when asked.
    func listBuckets(_ r: IncomingRequest, caller: Account?) throws(S3ServerError) -> S3Response {
        let owner = caller ?? .anonymous
        var buckets = store.listBuckets().filter { $0.owner == owner }
        if let prefix = r.queryValue("prefix") { buckets = buckets.filter { $0.name.hasPrefix(prefix) } }
        if let token = r.queryValue("continuation-token") {
            let after = try ContinuationToken.decode(token)
            buckets = buckets.filter { KeyOrder.precedes(after, $0.name) }
        }
        var next: String?
        if let text = r.queryValue("max-buckets") {
            guard let max = Int(text), (1...10_000).contains(max) else {
                throw .invalidArgument(
                    "Argument max-buckets must be an integer between 1 and 10000", name: "max-buckets", value: text)
            }
            if buckets.count > max {
                buckets = Array(buckets.prefix(max))
                next = ContinuationToken.encode(buckets[max - 1].name)
            }
        }
        var document = XMLWriter(root: "ListAllMyBucketsResult")
        document.owner(owner)
        document.element("Buckets") { list in
            for bucket in buckets {
                list.element("Bucket") {
                    $0.element("Name", bucket.name)
                    $0.element("CreationDate", UTCDate(bucket.created).s3Timestamp)
                    $0.element("BucketRegion", region)
                }
            }
        }
        document.element("ContinuationToken", ifPresent: next)
        return .xml(document.finish())
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
        var configuration = BucketConfiguration.new(ownership: defaultOwnership)
        if !body.bytes.isEmpty {
            let constraint = try parseXML(body.bytes).value("LocationConstraint") ?? ""
            // us-east-1 is the absence of a constraint; S3 refuses it named (CreateBucket in the API reference).
            if constraint == "us-east-1" && region == "us-east-1" { throw .invalidLocationConstraint }
            if constraint != region && !(constraint.isEmpty && region == "us-east-1")
                && !extraLocationConstraints.contains(constraint)
            {
                throw .illegalLocationConstraint(constraint)
            }
            if extraLocationConstraints.contains(constraint) { configuration.location = constraint }
        }
        if let value = r.headers.first(name: "x-amz-object-ownership") {
            guard let ownership = ObjectOwnership(rawValue: value) else {
                throw .invalidArgument("Invalid x-amz-object-ownership header: \(value)")
            }
            configuration.ownershipControls = ownership
        }
        // Object Lock is chosen at creation, and makes the bucket versioned for good.
        if r.headers.first(name: "x-amz-bucket-object-lock-enabled")?.lowercased() == "true" {
            configuration.versioning = .enabled
            configuration.objectLock = ObjectLockConfiguration()
        }
        // The new bucket's ACL, as any ACL a request sets (its body is the location, not a policy).
        let acl = try requestedACL(
            r, owner: owner, BucketAccess(owner: owner, acl: .private(owner), ownership: configuration.ownership),
            refused: .invalidBucketAclWithObjectOwnership)
        do {
            try store.createBucket(bucket, owner: owner, acl: acl, configuration: configuration)
        } catch let error where error == .bucketAlreadyOwnedByYou && region == "us-east-1" {
            // us-east-1 answers 200 to re-creating a bucket you own (a legacy S3 keeps).
        }
        return S3Response(status: 200, headers: [("Location", "/\(bucket)")])
    }

    func headBucket(_ bucket: String) throws(S3ServerError) -> S3Response {
        guard store.bucketExists(bucket) else { throw .noSuchBucket(bucket) }
        return S3Response(status: 200, headers: [("x-amz-bucket-region", region)])
    }

    func deleteBucket(_ bucket: String) throws(S3ServerError) -> S3Response {
        try store.deleteBucket(bucket)
        return S3Response(status: 204)
    }

    func getBucketACL(_ bucket: String) throws(S3ServerError) -> S3Response {
        let access = try store.bucketAccess(bucket)
        return .xml(access.acl.xml(owner: access.owner))
    }
}
