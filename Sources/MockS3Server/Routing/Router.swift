import S3Wire

/// Which operation a request is, from the operations' definitions: its method and target (the
/// service, a bucket or an object), the sub-resource it names, and what else tells operations
/// apart. A request is routed to an operation only when every query parameter it carries is one
/// that operation understands (or authentication's own): anything else names a sub-resource or
/// option the mock does not implement (`?tagging` on a bucket it has no such call for, `partNumber`
/// on a PUT, ...), and serving it as the plain operation would be silently wrong (a
/// DeleteObjectTagging would delete the object), so it is `unsupported`, answered 501.
enum Router {
    static func classify(_ r: IncomingRequest) -> APIOperation {
        let target: APIOperation.Target = r.bucket == nil ? .service : r.key == nil ? .bucket : .object
        guard let candidates = table[Slot(method: r.httpMethod, target: target)] else { return .unsupported }
        for (operation, definition) in candidates where matches(definition, r) {
            guard !r.query.isEmpty, let understood = definition.parameters else { return operation }
            let known = r.query.allSatisfy {
                definition.subresources.contains($0.name) || understood.contains($0.name)
                    || authenticationParameters.contains($0.name) || !s3ParameterNames.contains($0.name)
            }
            return known ? operation : .unsupported
        }
        return .unsupported
    }

    /// What a presigned URL carries (SigV4 and SigV2), and the operation name some SDKs append (`x-id`).
    static let authenticationParameters: Set<String> = [
        "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders",
        "X-Amz-Signature", "X-Amz-Security-Token", "AWSAccessKeyId", "Signature", "Expires", "x-id",
    ]

    /// Every query parameter S3 gives a meaning to, in any operation (docs.aws.amazon.com/AmazonS3/latest/API/):
    /// one of these on an operation that does not take it is 501. A name S3 gives no meaning to is
    /// ignored, as S3 ignores it (a browser upload's redirect lands on the bucket with `?bucket=&key=&etag=`).
    static let s3ParameterNames: Set<String> = {
        var names: Set<String> = [
            "accelerate", "analytics", "cors", "encryption", "intelligent-tiering", "inventory", "lifecycle",
            "logging", "metrics", "metadataTable", "metadataConfiguration", "notification", "replication",
            "requestPayment", "restore", "select", "select-type", "session", "torrent", "website", "renameObject",
            "id", "max-parts", "part-number-marker", "bucket-region", "max-buckets", "continuation-token", "prefix",
            "mtime", "object-lambda",
        ]
        for operation in APIOperation.allCases {
            names.formUnion(operation.definition.subresources)
            names.formUnion(operation.definition.parameters ?? [])
        }
        return names
    }()

    private static func matches(_ definition: APIOperation.Definition, _ r: IncomingRequest) -> Bool {
        if !definition.subresources.isEmpty && !definition.subresources.contains(where: r.has) { return false }
        switch definition.marker {
        case nil: return true
        case .query(let name, let value): return r.queryValue(name) == value
        case .header(let name): return r.headers.first(name: name) != nil
        case .form:
            return r.headers.first(name: "content-type")?.lowercased().hasPrefix("multipart/form-data") == true
        }
    }

    private struct Slot: Hashable {
        var method: RequestMethod
        var target: APIOperation.Target
    }

    /// The operations of each method and target, the most specific first: those naming a
    /// sub-resource before the plain one, and those with a marker before those without.
    private static let table: [Slot: [(APIOperation, APIOperation.Definition)]] = {
        var table: [Slot: [(APIOperation, APIOperation.Definition)]] = [:]
        for operation in APIOperation.allCases where operation != .unsupported {
            let definition = operation.definition
            let targets: [APIOperation.Target] =
                definition.target == .bucketOrObject ? [.bucket, .object] : [definition.target]
            for target in targets {
                table[Slot(method: definition.method, target: target), default: []].append((operation, definition))
            }
        }
        // Ties keep the order of `allCases`.
        return table.mapValues { entries in
            entries.enumerated().sorted {
                (specificity($0.element.1), -$0.offset) > (specificity($1.element.1), -$1.offset)
            }.map(\.element)
        }
    }()

    private static func specificity(_ definition: APIOperation.Definition) -> Int {
        (definition.subresources.isEmpty ? 0 : 2) + (definition.marker == nil ? 0 : 1)
    }
}
