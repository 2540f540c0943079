import NIOCore
import S3Wire

/// A bucket's policy and its Block Public Access settings (evaluated by `AccessDecision`).
extension S3Semantics {
    func putBucketPolicy(_ bucket: String, body: [UInt8]) throws(S3ServerError) -> S3Response {
        let policy: PolicyDocument
        do {
            policy = try PolicyDocument(parsing: String(decoding: body, as: UTF8.self), kind: .bucket(bucket))
        } catch {
            switch error {
            case .malformed(let why): throw .malformedPolicy(why)
            case .notImplemented(let why): throw .policyNotImplemented(why)
            }
        }
        let block = try store.configuration(bucket).publicAccessBlock
        if block?.blockPublicPolicy == true && policy.isPublic { throw .accessDenied }
        try store.configure(bucket) { $0.policy = policy }
        return S3Response(status: 204)
    }

    func getBucketPolicy(_ bucket: String) throws(S3ServerError) -> S3Response {
        guard let policy = try store.configuration(bucket).policy else { throw .noSuchBucketPolicy(bucket) }
        return S3Response(
            status: 200, headers: [("Content-Type", "application/json")], body: .bytes(ByteBuffer(string: policy.text)))
    }

    func deleteBucketPolicy(_ bucket: String) throws(S3ServerError) -> S3Response {
        try store.configure(bucket) { $0.policy = nil }
        return S3Response(status: 204)
    }

    /// Public: a public policy, or (as Ceph reports it, and as S3's console counts it) an ACL
    /// granting everyone, each unless Block Public Access sets it aside.
    func getBucketPolicyStatus(_ bucket: String) throws(S3ServerError) -> S3Response {
        let access = try store.bucketAccess(bucket)
        let block = access.publicAccessBlock ?? PublicAccessBlock()
        let isPublic =
            (access.policy?.isPublic == true && !block.restrictPublicBuckets)
            || (access.acl.isPublic && !block.ignorePublicAcls)
        var document = XMLWriter(root: "PolicyStatus")
        document.element("IsPublic", isPublic ? "true" : "false")
        return .xml(document.finish())
    }

    func putPublicAccessBlock(_ bucket: String, body: [UInt8]) throws(S3ServerError) -> S3Response {
        let block = try PublicAccessBlock(xml: parseXML(body))
        try store.configure(bucket) { $0.publicAccessBlock = block }
        return S3Response(status: 200)
    }

    func getPublicAccessBlock(_ bucket: String) throws(S3ServerError) -> S3Response {
        guard let block = try store.configuration(bucket).publicAccessBlock else {
            throw .noSuchPublicAccessBlockConfiguration(bucket)
        }
        return .xml(block.xml)
    }

    func deletePublicAccessBlock(_ bucket: String) throws(S3ServerError) -> S3Response {
        try store.configure(bucket) { $0.publicAccessBlock = nil }
        return S3Response(status: 204)
    }
}
