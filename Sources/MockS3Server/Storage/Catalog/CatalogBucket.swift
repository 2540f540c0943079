import Foundation

/// One bucket in the catalog: its owner, ACL and configuration, each key's versions (the current
/// ones also in key order, for listings) and its pending uploads. Used under `CatalogStore`'s lock.
final class CatalogBucket {
    let created: Date
    let owner: Account
    var acl: AccessControlList
    var configuration: BucketConfiguration
    /// Each key's current version, unless that is a delete marker (what GET and listings see).
    private(set) var objects: [String: StoredObject] = [:]
    /// The keys of `objects`, in S3's order.
    private(set) var sortedKeys: [String] = []
    /// The versions after `objects[key]`, newest first, or all of them when the newest is a delete marker.
    private(set) var older: [String: [StoredObject]] = [:]
    var uploads: [String: MultipartUpload] = [:]
    /// Uploads completed since start, without their bytes: S3 answers a repeated
    /// CompleteMultipartUpload with the object it made.
    var completed: [String: StoredObject] = [:]

    init(created: Date = Date(), owner: Account, acl: AccessControlList? = nil, configuration: BucketConfiguration) {
        self.created = created
        self.owner = owner
        self.acl = acl ?? .private(owner)
        self.configuration = configuration
    }

    var access: BucketAccess {
        BucketAccess(
            owner: owner, acl: acl, ownership: configuration.ownership, objectLock: configuration.objectLock,
            policy: configuration.policy, publicAccessBlock: configuration.publicAccessBlock)
    }

    var isEmpty: Bool { objects.isEmpty && older.isEmpty }

    /// Every version of every key, and every part of every upload: what holds bytes.
    var allVersions: [StoredObject] { Array(objects.values) + Array(older.values.joined()) }
    var allParts: [StoredPart] { uploads.values.flatMap { Array($0.parts.values) } }

    /// Every version of `key`, newest first.
    func chain(_ key: String) -> [StoredObject] {
        guard let rest = older[key] else { return objects[key].map { [$0] } ?? [] }
        return (objects[key].map { [$0] } ?? []) + rest
    }

    /// Makes `chain` (newest first) every version of `key`.
    func setChain(_ key: String, _ chain: [StoredObject]) {
        if let first = chain.first, !first.isDeleteMarker {
            setCurrent(first)
            older[key] = chain.count > 1 ? Array(chain.dropFirst()) : nil
        } else {
            removeCurrent(key)
            older[key] = chain.isEmpty ? nil : chain
        }
    }

    /// `object` as its key's current version; the one it replaced, if any.
    @discardableResult
    func setCurrent(_ object: StoredObject) -> StoredObject? {
        let old = objects.updateValue(object, forKey: object.key)
        if old == nil { sortedKeys.insert(object.key, at: lowerBound(object.key)) }
        return old
    }

    /// The key has no current version any more.
    func removeCurrent(_ key: String) {
        guard objects.removeValue(forKey: key) != nil else { return }
        let i = lowerBound(key)
        if i < sortedKeys.count && sortedKeys[i] == key { sortedKeys.remove(at: i) }
    }

    func updateCurrent(_ key: String, _ change: (inout StoredObject) -> Void) {
        guard var object = objects[key] else { return }
        change(&object)
        objects[key] = object
    }

    /// `object` as the key's newest version under the bucket's versioning; the versions it
    /// replaces for good (whose bytes can go).
    func install(_ object: StoredObject) -> (StoredObject, replaced: [StoredObject]) {
        var object = object
        let key = object.key
        switch configuration.versioning {
        case .unversioned:
            object.versionId = "null"
            return (object, setCurrent(object).map { [$0] } ?? [])
        case .enabled:
            object.versionId = Self.newVersionId()
            setChain(key, [object] + chain(key))
            return (object, [])
        case .suspended:
            // A suspended bucket writes the `null` version, replacing the one there was.
            object.versionId = "null"
            let versions = chain(key)
            setChain(key, [object] + versions.filter { $0.versionId != "null" })
            return (object, versions.filter { $0.versionId == "null" })
        }
    }

    static func newVersionId() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        return String((0..<32).map { _ in alphabet.randomElement()! })
    }

    /// First index whose key is not before `key`.
    func lowerBound(_ key: String) -> Int {
        let keys = sortedKeys  // one reference for the whole search, not one per probe
        var lo = 0
        var hi = keys.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if KeyOrder.precedes(keys[mid], key) { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}
