import Foundation
import NIOCore
import S3Wire

/// Listings: ListObjects V1 and V2, multipart uploads, parts.
extension S3Service {
    /// What every object listing takes: prefix, delimiter (empty is none), max-keys (at most 1,000)
    /// and encoding-type (only `url`).
    func listingParameters(_ r: IncomingRequest) throws(S3ServerError) -> (
        prefix: String, delimiter: String?, maxKeys: Int, encodingType: String?
    ) {
        var maxKeys = 1000
        if let text = r.queryValue("max-keys") {
            guard let n = Int(text), n >= 0 else {
                throw .invalidArgument(
                    "Provided max-keys not an integer or within integer range", name: "max-keys", value: text)
            }
            maxKeys = min(n, 1000)
        }
        let encodingType = r.queryValue("encoding-type")
        if let encodingType, encodingType != "url" {
            throw .invalidArgument(
                "Invalid Encoding Method specified in Request", name: "encoding-type", value: encodingType)
        }
        return (
            r.queryValue("prefix") ?? "", r.queryValue("delimiter").flatMap { $0.isEmpty ? nil : $0 }, maxKeys,
            encodingType
        )
    }

    func list(_ bucket: String, _ r: IncomingRequest, v2: Bool) throws(S3ServerError) -> S3Response {
        let (prefix, delimiter, maxKeys, encodingType) = try listingParameters(r)
        let encode: (String) -> String = encodingType == "url" ? { URIEncoding.encode($0, keepSlash: true) } : { $0 }
        var after: String?
        let token = r.queryValue("continuation-token")
        if v2, let token {
            guard let data = Data(base64Encoded: token), let decoded = String(data: data, encoding: .utf8) else {
                throw .invalidArgument(
                    "The continuation token provided is incorrect", name: "continuation-token", value: token)
            }
            after = decoded
        } else if v2 {
            after = r.queryValue("start-after")
        } else {
            after = r.queryValue("marker")
        }
        let result = try store.list(bucket, prefix: prefix, delimiter: delimiter, after: after, maxKeys: maxKeys)
        // V1 gives its Prefix as sent, encoded or not (clients decode only V2's).
        var xml =
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListBucketResult xmlns=\"\(Self.xmlns)\"><Name>\(XML.escape(bucket))</Name><Prefix>\(XML.escape(v2 ? encode(prefix) : prefix))</Prefix>"
        if v2 {
            xml += "<KeyCount>\(result.objects.count + result.commonPrefixes.count)</KeyCount>"
            if let token { xml += "<ContinuationToken>\(XML.escape(token))</ContinuationToken>" }
            if let startAfter = r.queryValue("start-after") {
                xml += "<StartAfter>\(XML.escape(encode(startAfter)))</StartAfter>"
            }
        } else {
            xml += "<Marker>\(XML.escape(encode(r.queryValue("marker") ?? "")))</Marker>"
        }
        xml += "<MaxKeys>\(maxKeys)</MaxKeys>"
        if let delimiter { xml += "<Delimiter>\(XML.escape(encode(delimiter)))</Delimiter>" }
        if let encodingType { xml += "<EncodingType>\(encodingType)</EncodingType>" }
        xml += "<IsTruncated>\(result.isTruncated)</IsTruncated>"
        if result.isTruncated, let last = result.lastReturned {
            if v2 {
                xml += "<NextContinuationToken>\(Data(last.utf8).base64EncodedString())</NextContinuationToken>"
            } else if delimiter != nil {
                xml += "<NextMarker>\(XML.escape(encode(last)))</NextMarker>"
            }
        }
        for object in result.objects {
            xml +=
                "<Contents><Key>\(XML.escape(encode(object.key)))</Key><LastModified>\(UTCDate(object.lastModified).iso8601)</LastModified><ETag>&quot;\(object.etag)&quot;</ETag><Size>\(object.size)</Size>"
            if !v2 || r.queryValue("fetch-owner") == "true" { xml += object.owner.ownerXML }
            xml += "<StorageClass>STANDARD</StorageClass></Contents>"
        }
        for prefix in result.commonPrefixes {
            xml += "<CommonPrefixes><Prefix>\(XML.escape(encode(prefix)))</Prefix></CommonPrefixes>"
        }
        return .xml(xml + "</ListBucketResult>")
    }

    /// ListObjectVersions: each key's versions newest first, delete markers among them (an
    /// unversioned bucket's objects once each, version `null`, as S3 answers them).
    func listVersions(_ bucket: String, _ r: IncomingRequest) throws(S3ServerError) -> S3Response {
        let (prefix, delimiter, maxKeys, encodingType) = try listingParameters(r)
        let encode: (String) -> String = encodingType == "url" ? { URIEncoding.encode($0, keepSlash: true) } : { $0 }
        let keyMarker = r.queryValue("key-marker").flatMap { $0.isEmpty ? nil : $0 }
        let versionIdMarker = r.queryValue("version-id-marker").flatMap { $0.isEmpty ? nil : $0 }
        if versionIdMarker != nil && keyMarker == nil {
            throw .invalidArgument(
                "A version-id marker cannot be specified without a key marker.", name: "version-id-marker",
                value: versionIdMarker)
        }
        let result = try store.listVersions(
            bucket, prefix: prefix, delimiter: delimiter, keyMarker: keyMarker,
            versionIdMarker: versionIdMarker, maxKeys: maxKeys)
        var xml =
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListVersionsResult xmlns=\"\(Self.xmlns)\"><Name>\(XML.escape(bucket))</Name><Prefix>\(XML.escape(encode(prefix)))</Prefix>"
        xml +=
            "<KeyMarker>\(XML.escape(encode(keyMarker ?? "")))</KeyMarker><VersionIdMarker>\(XML.escape(versionIdMarker ?? ""))</VersionIdMarker>"
        xml += "<MaxKeys>\(maxKeys)</MaxKeys>"
        if let delimiter { xml += "<Delimiter>\(XML.escape(encode(delimiter)))</Delimiter>" }
        if let encodingType { xml += "<EncodingType>\(encodingType)</EncodingType>" }
        xml += "<IsTruncated>\(result.isTruncated)</IsTruncated>"
        if result.isTruncated, let key = result.nextKeyMarker {
            xml += "<NextKeyMarker>\(XML.escape(encode(key)))</NextKeyMarker>"
            if let id = result.nextVersionIdMarker { xml += "<NextVersionIdMarker>\(id)</NextVersionIdMarker>" }
        }
        for (object, isLatest) in result.versions {
            let common =
                "<Key>\(XML.escape(encode(object.key)))</Key><VersionId>\(object.versionId)</VersionId><IsLatest>\(isLatest)</IsLatest><LastModified>\(UTCDate(object.lastModified).iso8601)</LastModified>"
            if object.isDeleteMarker {
                xml += "<DeleteMarker>\(common)\(object.owner.ownerXML)</DeleteMarker>"
            } else {
                xml +=
                    "<Version>\(common)<ETag>&quot;\(object.etag)&quot;</ETag><Size>\(object.size)</Size>\(object.owner.ownerXML)<StorageClass>STANDARD</StorageClass></Version>"
            }
        }
        for prefix in result.commonPrefixes {
            xml += "<CommonPrefixes><Prefix>\(XML.escape(encode(prefix)))</Prefix></CommonPrefixes>"
        }
        return .xml(xml + "</ListVersionsResult>")
    }

    func listUploads(_ bucket: String, _ r: IncomingRequest) throws(S3ServerError) -> S3Response {
        let uploads = try store.listUploads(bucket, prefix: r.queryValue("prefix") ?? "")
        var xml =
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListMultipartUploadsResult xmlns=\"\(Self.xmlns)\"><Bucket>\(XML.escape(bucket))</Bucket><KeyMarker></KeyMarker><UploadIdMarker></UploadIdMarker><MaxUploads>1000</MaxUploads><IsTruncated>false</IsTruncated>"
        for u in uploads.prefix(1000) {
            xml +=
                "<Upload><Key>\(XML.escape(u.key))</Key><UploadId>\(u.id)</UploadId><Initiator><ID>\(XML.escape(u.attributes.owner.id))</ID><DisplayName>\(XML.escape(u.attributes.owner.displayName))</DisplayName></Initiator>\(u.attributes.owner.ownerXML)<StorageClass>STANDARD</StorageClass><Initiated>\(UTCDate(u.initiated).iso8601)</Initiated></Upload>"
        }
        return .xml(xml + "</ListMultipartUploadsResult>")
    }

    func listParts(_ bucket: String, _ key: String, _ r: IncomingRequest) throws(S3ServerError) -> S3Response {
        let upload = try store.upload(bucket, id: r.queryValue("uploadId") ?? "", key: key)
        var xml =
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListPartsResult xmlns=\"\(Self.xmlns)\"><Bucket>\(XML.escape(bucket))</Bucket><Key>\(XML.escape(key))</Key><UploadId>\(upload.id)</UploadId><PartNumberMarker>0</PartNumberMarker><MaxParts>1000</MaxParts><IsTruncated>false</IsTruncated>"
        if let algorithm = upload.attributes.checksumAlgorithm {
            xml +=
                "<ChecksumAlgorithm>\(algorithm.uppercased())</ChecksumAlgorithm><ChecksumType>\(upload.attributes.checksumType ?? "COMPOSITE")</ChecksumType>"
        }
        for part in upload.parts.values.sorted(by: { $0.number < $1.number }) {
            xml +=
                "<Part><PartNumber>\(part.number)</PartNumber><LastModified>\(UTCDate(part.lastModified).iso8601)</LastModified><ETag>&quot;\(part.etag)&quot;</ETag><Size>\(part.blob.size)</Size>"
            for (name, value) in part.checksums.sorted(by: { $0.key < $1.key }) {
                if let algorithm = Checksum.Algorithm(rawValue: name) {
                    xml += "<\(algorithm.element)>\(value)</\(algorithm.element)>"
                }
            }
            xml += "</Part>"
        }
        return .xml(xml + "</ListPartsResult>")
    }
}
