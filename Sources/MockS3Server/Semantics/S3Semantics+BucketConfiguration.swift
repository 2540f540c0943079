import S3Wire

/// A bucket's configuration: location, versioning, Object Ownership and tags (CORS and Object Lock
/// have files of their own).
extension S3Semantics {
    func getBucketLocation(_ bucket: String) throws(S3ServerError) -> S3Response {
        let constraint = try store.configuration(bucket).location ?? (region == "us-east-1" ? "" : region)
        var document = XMLWriter(root: "LocationConstraint")
        document.text(constraint)
        return .xml(document.finish())
    }

    func getBucketVersioning(_ bucket: String) throws(S3ServerError) -> S3Response {
        let state = try store.configuration(bucket).versioning
        var document = XMLWriter(root: "VersioningConfiguration")
        if state != .unversioned { document.element("Status", state.rawValue) }
        return .xml(document.finish())
    }

    func putBucketVersioning(_ bucket: String, body: [UInt8]) throws(S3ServerError) -> S3Response {
        let root = try parseXML(body)
        guard root.name == "VersioningConfiguration", let status = root.value("Status"),
            let state = Versioning(rawValue: status), state != .unversioned
        else { throw .malformedXML }
        if root.value("MfaDelete") == "Enabled" { throw .mfaDeleteNotImplemented }
        try store.configure(bucket) { configuration throws(S3ServerError) in
            if state == .suspended && configuration.objectLock != nil {
                throw .invalidBucketState(
                    "An Object Lock configuration is present on this bucket, so the versioning state cannot be changed."
                )
            }
            configuration.versioning = state
        }
        return S3Response(status: 200)
    }

    func putBucketOwnershipControls(_ bucket: String, body: [UInt8]) throws(S3ServerError) -> S3Response {
        let root = try parseXML(body)
        guard let value = root.child("Rule")?.value("ObjectOwnership"), let ownership = ObjectOwnership(rawValue: value)
        else { throw .malformedXML }
        let access = try store.bucketAccess(bucket)
        if ownership == .bucketOwnerEnforced && access.acl != .private(access.owner) {
            throw .invalidBucketAclWithObjectOwnership
        }
        try store.setOwnership(bucket, ownership)
        return S3Response(status: 200)
    }

    func getBucketOwnershipControls(_ bucket: String) throws(S3ServerError) -> S3Response {
        // Deleted controls leave ACLs on (ObjectWriter), and no controls to read.
        guard let ownership = try store.configuration(bucket).ownershipControls else {
            throw .ownershipControlsNotFound(bucket)
        }
        var document = XMLWriter(root: "OwnershipControls")
        document.element("Rule") { $0.element("ObjectOwnership", ownership.rawValue) }
        return .xml(document.finish())
    }

    func deleteBucketOwnershipControls(_ bucket: String) throws(S3ServerError) -> S3Response {
        try store.configure(bucket) { $0.ownershipControls = nil }
        return S3Response(status: 204)
    }

    func putBucketTagging(_ bucket: String, body: [UInt8]) throws(S3ServerError) -> S3Response {
        let tags = try Tag.set(in: parseXML(body), limit: 50)
        try store.configure(bucket) { $0.tags = tags }
        return S3Response(status: 204)
    }

    func getBucketTagging(_ bucket: String) throws(S3ServerError) -> S3Response {
        guard let tags = try store.configuration(bucket).tags else { throw .noSuchTagSet(bucket) }
        return .xml(Tag.xml(tags))
    }

    func deleteBucketTagging(_ bucket: String) throws(S3ServerError) -> S3Response {
        try store.configure(bucket) { $0.tags = nil }
        return S3Response(status: 204)
    }
}
