import Foundation

/// Objects: writes, reads and deletes of versions, each under the catalog's lock.
extension CatalogStore {
    @discardableResult
    public func put(_ bucket: String, _ object: StoredObject, precondition: WritePrecondition?) throws(S3ServerError)
        -> StoredObject
    {
        let (stored, replaced): (StoredObject, [StoredObject]) = try withBucket(bucket) { b throws(S3ServerError) in
            try precondition?.check(b.objects[object.key], key: object.key)
            let installed = b.install(object)
            logKey(bucket, b, object.key)
            return installed
        }
        discard(replaced)
        return stored
    }

    public func lookup(_ bucket: String, _ key: String, versionId: String?) throws(S3ServerError)
        -> (version: Result<StoredObject, S3ServerError>, access: BucketAccess)
    {
        try withBucket(bucket) { b in
            do throws(S3ServerError) { return (.success(try Self.version(b, key, versionId)), b.access) } catch {
                return (.failure(error), b.access)
            }
        }
    }

    public func get(_ bucket: String, _ key: String, versionId: String?) throws(S3ServerError) -> StoredObject {
        try withBucket(bucket) { b throws(S3ServerError) in try Self.version(b, key, versionId) }
    }

    /// The version named (or the current one), as S3 refuses it: a current delete marker is
    /// NoSuchKey, a named one MethodNotAllowed, both saying it is a marker.
    static func version(_ b: CatalogBucket, _ key: String, _ versionId: String?) throws(S3ServerError) -> StoredObject {
        guard let versionId else {
            if let object = b.objects[key] { return object }
            if let marker = b.older[key]?.first, marker.isDeleteMarker {
                throw .noSuchKey(key, deleteMarker: marker.versionId)
            }
            throw .noSuchKey(key)
        }
        guard let version = b.chain(key).first(where: { $0.versionId == versionId }) else {
            throw versionId == "null" ? .noSuchKey(key) : .noSuchVersion(key, versionId)
        }
        if version.isDeleteMarker { throw .deleteMarkerNamed(version.versionId) }
        return version
    }

    @discardableResult
    public func delete(_ bucket: String, _ key: String, versionId: String?, bypassGovernance: Bool)
        throws(S3ServerError) -> DeleteOutcome
    {
        let (outcome, removed): (DeleteOutcome, [StoredObject]) = try withBucket(bucket) { b throws(S3ServerError) in
            var versions = b.chain(key)
            var outcome = DeleteOutcome(versionId: nil, deleteMarker: false)
            var removed: [StoredObject] = []
            if let versionId {
                // A version that is not there is already gone: S3 answers 204 all the same.
                outcome.versionId = versionId
                guard let i = versions.firstIndex(where: { $0.versionId == versionId }) else { return (outcome, []) }
                if versions[i].isLocked(now: Date(), bypassGovernance: bypassGovernance) { throw .accessDenied }
                removed = [versions.remove(at: i)]
                outcome.deleteMarker = removed[0].isDeleteMarker
            } else {
                switch b.configuration.versioning {
                case .unversioned:
                    guard !versions.isEmpty else { return (outcome, []) }
                    removed = versions
                    versions = []
                case .enabled:
                    let marker = StoredObject.deleteMarker(key, versionId: CatalogBucket.newVersionId())
                    versions.insert(marker, at: 0)
                    outcome = DeleteOutcome(versionId: marker.versionId, deleteMarker: true)
                case .suspended:
                    removed = versions.filter { $0.versionId == "null" }
                    versions = [.deleteMarker(key, versionId: "null")] + versions.filter { $0.versionId != "null" }
                    outcome = DeleteOutcome(versionId: "null", deleteMarker: true)
                }
            }
            b.setChain(key, versions)
            logKey(bucket, b, key)
            return (outcome, removed)
        }
        discard(removed)
        return outcome
    }

    public func modify(
        _ bucket: String, _ key: String, versionId: String?,
        _ change: (inout StoredObject) throws(S3ServerError) -> Void
    ) throws(S3ServerError) {
        try withBucket(bucket) { b throws(S3ServerError) in
            let target = try Self.version(b, key, versionId)
            var versions = b.chain(key)
            let i = versions.firstIndex { $0.versionId == target.versionId }!
            try change(&versions[i])
            b.setChain(key, versions)
            logKey(bucket, b, key)
        }
    }

    /// Logs what `key` holds now: one object in a bucket never versioned, all its versions otherwise.
    func logKey(_ bucket: String, _ b: CatalogBucket, _ key: String) {
        guard let log else { return }
        if b.configuration.versioning == .unversioned && b.older[key] == nil {
            if let object = b.objects[key] {
                log.append(.put(bucket: bucket, object: log.record(object)))
            } else {
                log.append(.delete(bucket: bucket, key: key))
            }
        } else {
            log.append(.chain(bucket: bucket, key: key, versions: b.chain(key).map(log.record)))
        }
    }
}
