import Foundation
import NIOCore
import S3Wire

/// POST Object: a browser upload. The form carries the key, the object's headers and ACL, a
/// base64 policy (an expiry and conditions every field must meet) signed with the uploader's key,
/// and the file last. Without a policy it is an anonymous upload, which only a bucket open to
/// anonymous writers takes.
extension S3Semantics {
    /// Form fields that are not checked against the policy's conditions.
    static let unconditionedFields: Set<String> = [
        "policy", "signature", "awsaccesskeyid", "x-amz-signature", "file", "x-amz-security-token",
    ]

    func postObject(_ bucket: String, _ r: IncomingRequest, body: [UInt8]) throws(S3ServerError) -> S3Response {
        guard let boundary = FormData.boundary(r.headers.first(name: "content-type") ?? ""),
            let form = FormData(body, boundary: boundary)
        else {
            throw .malformedPOSTRequest
        }
        guard let file = form.fields.last(where: { $0.name.lowercased() == "file" }) else {
            throw .invalidArgument("POST requires exactly one file upload per request.", name: "file", value: "0")
        }
        // Field names are case-insensitive; the file is the last field, what follows it is ignored.
        var fields: [String: String] = [:]
        for field in form.fields where field.name.lowercased() != "file" {
            fields[field.name.lowercased()] = field.text
        }
        guard var key = fields["key"], !key.isEmpty else {
            throw .invalidArgument(
                "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.",
                name: "key", value: "")
        }
        key = key.replacingOccurrences(of: "${filename}", with: file.filename ?? "")
        fields["key"] = key
        fields["bucket"] = fields["bucket"] ?? bucket
        guard fields["bucket"] == bucket else { throw .accessDenied }

        var signed = r
        if let policy = fields["policy"] {
            let principal = try authenticator.authenticateForm(policy: policy, fields: fields, now: Date())
            signed.requester = authenticator.requester(principal)
            try checkPolicy(policy, fields: fields, size: file.value.count)
        } else if fields["signature"] != nil || fields["x-amz-signature"] != nil {
            throw .invalidArgument(
                "Bucket POST must contain a field named 'policy' when it carries a signature.", name: "policy")
        }
        let caller = signed.requester?.account
        let access = try store.bucketAccess(bucket)
        guard permits(signed, "s3:putobject", "arn:aws:s3:::\(bucket)/\(key)", .bucket(.write), access) else {
            throw .accessDenied
        }

        var attributes = ObjectAttributes()
        attributes.contentType = fields["content-type"] ?? file.contentType
        for (name, value) in fields where name.hasPrefix("x-amz-meta-") { attributes.metadata.append((name, value)) }
        for name in Self.standardHeaderNames {
            if let value = fields[name.lowercased()] { attributes.standardHeaders.append((name, value)) }
        }
        if let tagging = fields["tagging"] {
            attributes.tags = try Tag.set(in: parseXML(Array(tagging.utf8)), limit: 10)
        }
        attributes.owner = newObjectOwner(r, caller: caller, access)
        if let acl = fields["acl"] {
            let canned = try cannedACL(acl, field: "acl")
            attributes.acl = .canned(canned, owner: attributes.owner, bucketOwner: access.owner)
            if access.ownership == .bucketOwnerEnforced && canned != .private && canned != .bucketOwnerFullControl {
                throw .aclNotSupported
            }
        } else {
            attributes.acl = .private(attributes.owner)
        }

        // A checksum field is checked against the file, as the header is against a PUT's body.
        var checksums: [String: String] = [:]
        for algorithm in Checksum.Algorithm.allCases {
            guard let claimed = fields["x-amz-checksum-\(algorithm.rawValue)"] else { continue }
            let checksum = Checksum(algorithm)
            file.value.withUnsafeBytes { checksum.update($0) }
            guard checksum.finalize() == claimed else {
                throw .checksumMismatch(algorithm.rawValue)
            }
            checksums[algorithm.rawValue] = claimed
        }
        let blob = try store.blobs.blob(of: file.value)
        let object = StoredObject(
            key: key, blob: blob, etag: Digest.md5(file.value).hexString, lastModified: Date(),
            contentType: attributes.contentType, metadata: attributes.metadata, acl: attributes.acl,
            checksums: checksums,
            standardHeaders: attributes.standardHeaders, tags: attributes.tags, owner: attributes.owner)
        let stored: StoredObject
        do {
            stored = try store.put(bucket, object)
        } catch {
            store.blobs.discard(blob)
            throw error
        }
        let location = "/\(URIEncoding.encode(bucket, keepSlash: true))/\(URIEncoding.encode(key, keepSlash: true))"
        let headers = [("ETag", "\"\(object.etag)\""), ("Location", location)]
        if let redirect = fields["success_action_redirect"] ?? fields["redirect"], !redirect.isEmpty {
            let query =
                "bucket=\(URIEncoding.encode(bucket, keepSlash: false))&key=\(URIEncoding.encode(key, keepSlash: false))&etag=%22\(object.etag)%22"
            return S3Response(
                status: 303,
                // The redirect is the one Location: the object's would make two, which clients join.
                headers: headers.filter { $0.0 != "Location" }
                    + [("Location", redirect + (redirect.contains("?") ? "&" : "?") + query)]
            ).with(versionOf: stored)
        }
        switch fields["success_action_status"] {
        case "200": return S3Response(status: 200, headers: headers).with(versionOf: stored)
        case "201":
            var document = XMLWriter(root: "PostResponse", namespace: nil)
            document.element("Location", location)
            document.element("Bucket", bucket)
            document.element("Key", key)
            document.element("ETag", "\"\(object.etag)\"")
            var response = S3Response.xml(document.finish(), status: 201)
            response.headers += headers
            return response.with(versionOf: stored)
        default: return S3Response(status: 204, headers: headers).with(versionOf: stored)
        }
    }

    /// The policy document: `expiration` (ISO 8601, in the future) and `conditions`, each met by
    /// the form; and every field (but the signature's own and `x-ignore-*`) named by a condition.
    func checkPolicy(_ base64: String, fields: [String: String], size: Int) throws(S3ServerError) {
        func invalid(_ why: String) -> S3ServerError { .invalidPolicyDocument(why) }
        func failed(_ why: String) -> S3ServerError { .policyConditionFailed(why) }
        guard let data = Data(base64Encoded: base64),
            let document = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else {
            throw invalid("Invalid JSON.")
        }
        guard Set(document.keys).isSubset(of: ["expiration", "conditions"]) else {
            throw invalid(
                "Unexpected field: \(document.keys.filter { $0 != "expiration" && $0 != "conditions" }.sorted().joined(separator: ", "))"
            )
        }
        guard let expirationText = document["expiration"] as? String else {
            throw invalid("Policy missing expiration.")
        }
        guard let expiration = UTCDate(iso8601: expirationText)?.date else {
            throw invalid("Invalid 'expiration' value: '\(expirationText)'")
        }
        guard expiration > Date() else { throw failed("Policy expired.") }
        guard let conditions = document["conditions"] as? [Any] else { throw invalid("Policy missing conditions.") }
        var named: Set<String> = []
        for condition in conditions {
            if let pair = condition as? [String: Any] {
                guard pair.count == 1, let (name, value) = pair.first, let expected = value as? String else {
                    throw invalid(
                        "Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.")
                }
                named.insert(name.lowercased())
                guard fields[name.lowercased()] == expected else {
                    throw failed("Policy Condition failed: [\"eq\", \"$\(name)\", \"\(expected)\"]")
                }
            } else if let list = condition as? [Any], let op = (list.first as? String)?.lowercased() {
                if op == "content-length-range" {
                    guard list.count == 3, let low = list[1] as? Int, let high = list[2] as? Int, low >= 0, high >= low
                    else {
                        throw invalid(
                            "Invalid content-length-range: it takes two non-negative integers, the smaller first.")
                    }
                    if size > high {
                        throw .formEntityTooLarge(maxAllowed: high)
                    }
                    if size < low {
                        throw .formEntityTooSmall(minAllowed: low)
                    }
                    continue
                }
                guard list.count == 3, op == "eq" || op == "starts-with", let field = list[1] as? String,
                    field.hasPrefix("$"),
                    let expected = list[2] as? String
                else {
                    throw invalid("Invalid condition: \(op) takes [\"eq\" or \"starts-with\", \"$field\", \"value\"].")
                }
                let name = String(field.dropFirst()).lowercased()
                named.insert(name)
                let value = fields[name]
                let holds =
                    op == "eq"
                    ? value == expected
                        // Content-Type may list types: each must start with the value.
                    : value.map { v in
                        name == "content-type"
                            ? v.split(separator: ",").allSatisfy {
                                $0.trimmingCharacters(in: .whitespaces).hasPrefix(expected)
                            } : v.hasPrefix(expected)
                    } ?? false
                guard holds else { throw failed("Policy Condition failed: [\"\(op)\", \"\(field)\", \"\(expected)\"]") }
            } else {
                throw invalid("Invalid condition: a condition is an object or a list.")
            }
        }
        let extra = fields.keys.filter {
            !named.contains($0) && !Self.unconditionedFields.contains($0) && !$0.hasPrefix("x-ignore-")
                && !$0.hasPrefix("x-amz-checksum-")
                && $0 != "bucket"
                && !($0.hasPrefix("x-amz-") && ["x-amz-algorithm", "x-amz-credential", "x-amz-date"].contains($0))
        }
        guard extra.isEmpty else { throw failed("Extra input fields: \(extra.sorted().joined(separator: ", "))") }
    }
}
