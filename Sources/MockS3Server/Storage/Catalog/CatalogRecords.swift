import Foundation

/// The catalog's values as the log writes them (JSON, one record a line), and back.
extension CatalogLog {
    indirect enum BlobRecord: Codable, Equatable {
        case file(name: String, size: UInt64)
        case composite([BlobRecord])
    }

    struct ObjectRecord: Codable {
        var key: String
        var blob: BlobRecord
        var etag: String
        var lastModified: Double
        var contentType: String?
        var contentEncoding: String?
        var metadata: [[String]]
        /// A canned ACL's name (logs from before grants were kept), when `grants` is nil.
        var acl: String
        var checksums: [String: String]
        var standardHeaders: [[String]]?
        var tags: [[String]]?
        var versionId: String?
        var deleteMarker: Bool?
        var owner: Account?
        var grants: [GrantRecord]?
        var retention: Retention?
        var legalHold: Bool?
        var parts: [PartSummary]?
        var checksumType: String?
        var checksumAlgorithm: String?
    }

    /// One grant: to an account (`id`, `displayName`, `email`) or a group (`uri`).
    struct GrantRecord: Codable {
        var permission: String
        var id: String?
        var displayName: String?
        var email: String?
        var uri: String?
    }

    struct PartRecord: Codable {
        var number: Int
        var blob: BlobRecord
        var etag: String
        var lastModified: Double
        var checksums: [String: String]?
    }

    struct UploadRecord: Codable {
        var id: String
        var key: String
        var initiated: Double
        var object: ObjectRecord  // the attributes the object will have (its blob is a placeholder)
    }

    func record(_ blob: Blob) -> BlobRecord {
        switch blob {
        case .memory: .composite([])  // never with a data directory
        case .file(let path, let size): .file(name: (path as NSString).lastPathComponent, size: size)
        case .composite(let parts): .composite(parts.map(record))
        }
    }

    func blob(_ record: BlobRecord) -> Blob {
        switch record {
        case .file(let name, let size): .file(path: "\(directory)/\(name)", size: size)
        case .composite(let parts): .composite(parts.map(blob))
        }
    }

    func record(_ acl: AccessControlList) -> [GrantRecord] {
        acl.grants.map { grant in
            switch grant.grantee {
            case .account(let a):
                GrantRecord(permission: grant.permission.rawValue, id: a.id, displayName: a.displayName, email: a.email)
            case .group(let uri): GrantRecord(permission: grant.permission.rawValue, uri: uri)
            }
        }
    }

    func acl(_ records: [GrantRecord]) -> AccessControlList {
        AccessControlList(
            grants: records.compactMap { r in
                guard let permission = Permission(rawValue: r.permission) else { return nil }
                if let uri = r.uri { return Grant(grantee: .group(uri), permission: permission) }
                guard let id = r.id else { return nil }
                return Grant(
                    grantee: .account(Account(id: id, displayName: r.displayName ?? "", email: r.email)),
                    permission: permission)
            })
    }

    func record(_ object: StoredObject) -> ObjectRecord {
        ObjectRecord(
            key: object.key, blob: record(object.blob), etag: object.etag,
            lastModified: object.lastModified.timeIntervalSince1970,
            contentType: object.contentType, contentEncoding: object.contentEncoding,
            metadata: object.metadata.map { [$0.0, $0.1] },
            acl: "", checksums: object.checksums, standardHeaders: object.standardHeaders.map { [$0.0, $0.1] },
            tags: object.tags.map { [$0.key, $0.value] },
            versionId: object.versionId == "null" ? nil : object.versionId,
            deleteMarker: object.isDeleteMarker ? true : nil, owner: object.owner == .mock ? nil : object.owner,
            grants: record(object.acl), retention: object.retention, legalHold: object.legalHold ? true : nil,
            parts: object.parts, checksumType: object.checksumType)
    }

    func object(_ record: ObjectRecord) -> StoredObject {
        StoredObject(
            key: record.key, blob: blob(record.blob), etag: record.etag,
            lastModified: Date(timeIntervalSince1970: record.lastModified),
            contentType: record.contentType, contentEncoding: record.contentEncoding,
            metadata: record.metadata.compactMap { $0.count == 2 ? ($0[0], $0[1]) : nil },
            acl: record.grants.map(acl)
                ?? .canned(
                    CannedACL(rawValue: record.acl) ?? .private, owner: record.owner ?? .mock,
                    bucketOwner: .mock), checksums: record.checksums,
            standardHeaders: (record.standardHeaders ?? []).compactMap { $0.count == 2 ? ($0[0], $0[1]) : nil },
            tags: tags(record.tags ?? []),
            versionId: record.versionId ?? "null", isDeleteMarker: record.deleteMarker ?? false,
            owner: record.owner ?? .mock,
            retention: record.retention, legalHold: record.legalHold ?? false, parts: record.parts,
            checksumType: record.checksumType)
    }

    func record(_ upload: MultipartUpload) -> UploadRecord {
        let a = upload.attributes
        let placeholder = StoredObject(
            key: upload.key, blob: .composite([]), etag: "", lastModified: upload.initiated,
            contentType: a.contentType, contentEncoding: a.contentEncoding, metadata: a.metadata, acl: a.acl,
            checksums: a.checksums, standardHeaders: a.standardHeaders, tags: a.tags, owner: a.owner,
            retention: a.retention, legalHold: a.legalHold)
        var object = record(placeholder)
        object.checksumAlgorithm = a.checksumAlgorithm
        object.checksumType = a.checksumType
        return UploadRecord(
            id: upload.id, key: upload.key, initiated: upload.initiated.timeIntervalSince1970, object: object)
    }

    func upload(_ record: UploadRecord) -> MultipartUpload {
        let o = object(record.object)
        let attributes = ObjectAttributes(
            contentType: o.contentType, contentEncoding: o.contentEncoding, metadata: o.metadata, acl: o.acl,
            owner: o.owner, retention: o.retention, legalHold: o.legalHold, checksums: o.checksums,
            standardHeaders: o.standardHeaders, tags: o.tags, checksumAlgorithm: record.object.checksumAlgorithm,
            checksumType: o.checksumType)
        return MultipartUpload(
            id: record.id, key: record.key, initiated: Date(timeIntervalSince1970: record.initiated),
            attributes: attributes)
    }

    func record(_ part: StoredPart) -> PartRecord {
        PartRecord(
            number: part.number, blob: record(part.blob), etag: part.etag,
            lastModified: part.lastModified.timeIntervalSince1970,
            checksums: part.checksums.isEmpty ? nil : part.checksums)
    }

    func part(_ record: PartRecord) -> StoredPart {
        StoredPart(
            number: record.number, blob: blob(record.blob), etag: record.etag,
            lastModified: Date(timeIntervalSince1970: record.lastModified),
            checksums: record.checksums ?? [:])
    }

    func bucketRecord(_ name: String, _ bucket: CatalogBucket) -> Record {
        .bucket(
            name: name, created: bucket.created.timeIntervalSince1970, ownership: nil,
            owner: bucket.owner, grants: record(bucket.acl), configuration: bucket.configuration)
    }

    func tags(_ pairs: [[String]]) -> [Tag] { pairs.compactMap { $0.count == 2 ? Tag($0[0], $0[1]) : nil } }
}
