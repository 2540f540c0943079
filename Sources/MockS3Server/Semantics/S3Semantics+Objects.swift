import Foundation
import S3Wire

/// Object writes: put, delete (one or many), and tags; what a write says about its object.
extension S3Semantics {
    /// What a write says about the object it makes: headers, metadata, tags, owner and ACL.
    func attributes(_ r: IncomingRequest, bucket: String, caller: Account?) throws(S3ServerError) -> ObjectAttributes {
        var a = ObjectAttributes()
        a.contentType = r.headers.first(name: "content-type")
        a.contentEncoding = r.headers.first(name: "content-encoding").flatMap { value in
            let rest = value.split(separator: ",").map(\.trimmingSpaces).filter { $0 != "aws-chunked" }
            return rest.isEmpty ? nil : rest.joined(separator: ", ")
        }
        for (name, value) in r.headers where name.lowercased().hasPrefix("x-amz-meta-") {
            a.metadata.append((name.lowercased(), value))
        }
        for name in Self.standardHeaderNames {
            if let value = r.headers.first(name: name) { a.standardHeaders.append((name, value)) }
        }
        if let tagging = r.headers.first(name: "x-amz-tagging") { a.tags = try Tag.set(header: tagging) }
        guard a.metadata.reduce(0, { $0 + $1.0.utf8.count + $1.1.utf8.count }) <= 2048 else {
            throw .metadataTooLarge
        }
        let access = try store.bucketAccess(bucket)
        a.owner = newObjectOwner(r, caller: caller, access)
        a.acl = try requestedACL(r, owner: a.owner, access)
        (a.retention, a.legalHold) = try lockHeaders(r, lock: access.objectLock)
        return a
    }

    static let standardHeaderNames = ["Cache-Control", "Content-Disposition", "Content-Language", "Expires"]

    /// `If-None-Match: *` and `If-Match: ETag` on a write. S3 takes no other If-None-Match there.
    func writePrecondition(_ r: IncomingRequest) throws(S3ServerError) -> WritePrecondition? {
        let noneMatch = r.headers.first(name: "if-none-match")
        let match = r.headers.first(name: "if-match")
        guard noneMatch != nil || match != nil else { return nil }
        if let noneMatch, noneMatch.trimmingSpaces != "*" {
            throw .conditionalWriteNotImplemented
        }
        return WritePrecondition(
            ifNoneMatch: noneMatch != nil,
            ifMatch: match.map { $0.trimmingSpaces.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) })
    }

    func putObject(_ bucket: String, _ key: String, _ r: IncomingRequest, caller: Account?, body: ReceivedBody)
        throws(S3ServerError) -> S3Response
    {
        guard case .stored(let blob, let result) = body else { throw .missingContentLength }
        let attributes: ObjectAttributes
        do {
            attributes = try self.attributes(r, bucket: bucket, caller: caller)
        } catch {
            store.blobs.discard(blob)
            throw error
        }
        let object = StoredObject(
            key: key, blob: blob, etag: result.md5.hexString, lastModified: Date(),
            contentType: attributes.contentType, contentEncoding: attributes.contentEncoding,
            metadata: attributes.metadata, acl: attributes.acl, checksums: result.checksums,
            standardHeaders: attributes.standardHeaders, tags: attributes.tags, owner: attributes.owner,
            retention: attributes.retention, legalHold: attributes.legalHold)
        let stored: StoredObject
        do {
            stored = try store.put(bucket, object, precondition: try writePrecondition(r))
        } catch {
            store.blobs.discard(blob)
            throw error
        }
        var headers = [("ETag", "\"\(object.etag)\"")]
        for (name, value) in result.checksums { headers.append(("x-amz-checksum-\(name)", value)) }
        return S3Response(status: 200, headers: headers).with(versionOf: stored)
    }

    func deleteObject(_ bucket: String, _ key: String, _ r: IncomingRequest) throws(S3ServerError) -> S3Response {
        let outcome = try store.delete(
            bucket, key, versionId: r.queryValue("versionId"), bypassGovernance: bypassesGovernance(r))
        var headers: [(String, String)] = []
        if outcome.deleteMarker { headers.append(("x-amz-delete-marker", "true")) }
        if let id = outcome.versionId, id != "null" || outcome.deleteMarker || r.queryValue("versionId") != nil {
            headers.append(("x-amz-version-id", id))
        }
        return S3Response(status: 204, headers: headers)
    }

    func deleteObjects(_ bucket: String, _ r: IncomingRequest, body: ReceivedBody) throws(S3ServerError) -> S3Response {
        guard
            r.headers.first(name: "content-md5") != nil || r.headers.hasChecksumHeader
                || r.headers.first(name: "x-amz-sdk-checksum-algorithm") != nil
        else {
            throw .invalidRequest("Missing required header for this request: Content-MD5")
        }
        let access = try store.bucketAccess(bucket)
        let root = try parseXML(body.bytes)
        let objects = root.children("Object")
        guard root.name == "Delete", !objects.isEmpty, objects.count <= 1000 else { throw .malformedXML }
        let quiet = root.value("Quiet") == "true"
        var document = XMLWriter(root: "DeleteResult")
        for object in objects {
            guard let key = object.value("Key"), !key.isEmpty else { throw .malformedXML }
            let versionId = object.value("VersionId")
            do throws(S3ServerError) {
                let action = versionId == nil ? "s3:deleteobject" : "s3:deleteobjectversion"
                if Self.policiesApply(r, access),
                    !permits(r, action, "arn:aws:s3:::\(bucket)/\(key)", .bucket(.write), access)
                {
                    throw S3ServerError.accessDenied
                }
                let outcome = try store.delete(
                    bucket, key, versionId: versionId, bypassGovernance: bypassesGovernance(r))
                guard !quiet else { continue }
                document.element("Deleted") {
                    $0.element("Key", key)
                    $0.element("VersionId", ifPresent: versionId)
                    if outcome.deleteMarker {
                        $0.element("DeleteMarker", true)
                        if versionId == nil { $0.element("DeleteMarkerVersionId", ifPresent: outcome.versionId) }
                    }
                }
            } catch {
                document.element("Error") {
                    $0.element("Key", key)
                    $0.element("VersionId", ifPresent: versionId)
                    $0.element("Code", error.code)
                    $0.element("Message", error.message)
                }
            }
        }
        return .xml(document.finish())
    }

    func getObjectTagging(_ bucket: String, _ key: String, _ r: IncomingRequest)
        throws(S3ServerError) -> S3Response
    {
        let (object, _) = try authorizedObject(bucket, key, r, .read)
        return S3Response.xml(Tag.xml(object.tags)).with(versionOf: object)
    }

    func putObjectTagging(_ bucket: String, _ key: String, _ r: IncomingRequest, body: [UInt8]) throws(S3ServerError)
        -> S3Response
    {
        let tags = try Tag.set(in: parseXML(body), limit: 10)
        try store.modify(bucket, key, versionId: r.queryValue("versionId")) { $0.tags = tags }
        return S3Response(status: 200)
    }

    func deleteObjectTagging(_ bucket: String, _ key: String, _ r: IncomingRequest) throws(S3ServerError)
        -> S3Response
    {
        try store.modify(bucket, key, versionId: r.queryValue("versionId")) { $0.tags = [] }
        return S3Response(status: 204)
    }
}
