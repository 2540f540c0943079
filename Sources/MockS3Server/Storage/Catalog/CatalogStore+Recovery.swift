import Foundation
import S3Wire

/// Recovery over a data directory: the log replayed, rewritten as the fewest records that make the
/// catalog again, and blob files no record refers to (requests never answered) removed.
extension CatalogStore {
    func recover(_ disk: DiskBlobStore) throws {
        guard let log else { return }
        for record in log.replay() { apply(record, log) }
        try log.rewrite(snapshot(log))
        var kept = Set<String>()
        for b in buckets.values {
            for file in b.allVersions.flatMap(\.blob.files) + b.allParts.flatMap(\.blob.files) {
                kept.insert((file as NSString).lastPathComponent)
            }
        }
        for name in (try? FileManager.default.contentsOfDirectory(atPath: disk.directory)) ?? []
        where name.hasPrefix("blob-") && !kept.contains(name) {
            unlink("\(disk.directory)/\(name)")
        }
    }

    private func apply(_ record: CatalogLog.Record, _ log: CatalogLog) {
        switch record {
        case .bucket(let name, let created, let ownership, let owner, let grants, let configuration):
            var configuration = configuration ?? BucketConfiguration()
            if let ownership { configuration.ownershipControls = ObjectOwnership(rawValue: ownership) }
            buckets[name] = CatalogBucket(
                created: Date(timeIntervalSince1970: created), owner: owner ?? .mock, acl: grants.map(log.acl),
                configuration: configuration)
        case .bucketConfiguration(let name, let configuration): buckets[name]?.configuration = configuration
        case .dropBucket(let name): buckets[name] = nil
        case .bucketACL(let name, let grants): buckets[name]?.acl = log.acl(grants)
        case .put(let name, let record): buckets[name]?.setCurrent(log.object(record))
        case .delete(let name, let key): buckets[name]?.removeCurrent(key)
        case .chain(let name, let key, let versions): buckets[name]?.setChain(key, versions.map(log.object))
        case .upload(let name, let upload): buckets[name]?.uploads[upload.id] = log.upload(upload)
        case .part(let name, let id, let part): buckets[name]?.uploads[id]?.parts[part.number] = log.part(part)
        case .dropUpload(let name, let id): buckets[name]?.uploads[id] = nil
        case .clear: buckets = [:]
        case .acl(let name, let key, let acl):
            guard let bucket = buckets[name] else { return }
            bucket.updateCurrent(key) {
                $0.acl = .canned(CannedACL(rawValue: acl) ?? .private, owner: $0.owner, bucketOwner: bucket.owner)
            }
        case .tags(let name, let key, let tags): buckets[name]?.updateCurrent(key) { $0.tags = log.tags(tags) }
        case .ownership(let name, let value):
            buckets[name]?.configuration.ownershipControls = ObjectOwnership(rawValue: value) ?? .bucketOwnerEnforced
        case .versioning(let name, let value):
            buckets[name]?.configuration.versioning = Versioning(rawValue: value) ?? .unversioned
        case .objectLock(let name, let lock): buckets[name]?.configuration.objectLock = lock
        case .configuration(let name, let part, let document):
            buckets[name].map { Self.applyLegacy(part, document, to: &$0.configuration) }
        }
    }

    /// A configuration part as earlier versions logged it: by sub-resource name, the document as sent.
    private static func applyLegacy(_ part: String, _ document: String?, to configuration: inout BucketConfiguration) {
        let root = document.flatMap { try? XML.parse(Array($0.utf8)) }
        switch part {
        case "cors": configuration.cors = root.flatMap { try? CORSRule.rules(in: $0) }
        case "tagging": configuration.tags = root.flatMap { try? Tag.set(in: $0, limit: 50) }
        case "location": configuration.location = document
        case "ownershipControls" where document == "deleted": configuration.ownershipControls = nil
        default: break
        }
    }

    /// What the catalog holds, as the fewest records that make it again.
    private func snapshot(_ log: CatalogLog) -> [CatalogLog.Record] {
        var records: [CatalogLog.Record] = []
        for (name, b) in buckets.sorted(by: { $0.key < $1.key }) {
            records.append(log.bucketRecord(name, b))
            for key in b.sortedKeys where b.older[key] == nil {
                records.append(.put(bucket: name, object: log.record(b.objects[key]!)))
            }
            for key in b.older.keys.sorted() {
                records.append(.chain(bucket: name, key: key, versions: b.chain(key).map(log.record)))
            }
            for upload in b.uploads.values {
                records.append(.upload(bucket: name, upload: log.record(upload)))
                for part in upload.parts.values {
                    records.append(.part(bucket: name, id: upload.id, part: log.record(part)))
                }
            }
        }
        return records
    }
}
