/// The differences found between mock-s3 and other servers that are understood: each names which side
/// AWS S3 agrees with and the documentation that says so (docs/differential.md explains the list).
/// Found by `s3-diff` against Ceph RGW 16.2.15 (Debian bookworm).
public enum KnownDifferences {
    static let api = "https://docs.aws.amazon.com/AmazonS3/latest/API/"
    static let listings: Set<String> = ["ListObjects", "ListObjectsV2", "ListObjectVersions", "ListMultipartUploads"]

    public static let all: [KnownDifference] = [
        KnownDifference(
            id: "rgw-listing-markers-not-url-encoded", server: "rgw", operations: listings,
            fields: [
                "body ListBucketResult/Delimiter", "body ListBucketResult/Prefix", "body ListBucketResult/Marker",
                "body ListBucketResult/NextMarker", "body ListBucketResult/StartAfter",
                "body ListVersionsResult/Delimiter", "body ListVersionsResult/Prefix",
                "body ListVersionsResult/KeyMarker", "body ListVersionsResult/NextKeyMarker",
                "body ListMultipartUploadsResult/Delimiter", "body ListMultipartUploadsResult/Prefix",
                "body ListMultipartUploadsResult/KeyMarker", "body ListMultipartUploadsResult/NextKeyMarker",
            ],
            awsAgreesWith: .mock, documentation: api + "API_ListObjectsV2.html#API_ListObjectsV2_ResponseSyntax",
            explanation:
                "With encoding-type=url, S3 encodes Delimiter, Prefix, StartAfter and the markers as well as keys (the EncodingType element's description), and botocore decodes them; RGW encodes only keys, so a delimiter of + comes back to boto3 as a space."
        ),
        KnownDifference(
            id: "rgw-listing-entry-type", server: "rgw",
            operations: ["ListObjects", "ListObjectsV2", "ListObjectVersions"],
            fields: [
                "body ListBucketResult/Contents/Type", "body ListVersionsResult/Version/Type",
                "body ListVersionsResult/DeleteMarker/Type",
            ],
            awsAgreesWith: .mock,
            documentation: api + "API_Object.html",
            explanation:
                "RGW adds <Type>Normal</Type> to each listed object and version; S3's Object and ObjectVersion have no such element (readers ignore it)."
        ),
        KnownDifference(
            id: "rgw-uploads-listing-omits-empty-elements", server: "rgw", operations: ["ListMultipartUploads"],
            fields: [
                "body ListMultipartUploadsResult/KeyMarker", "body ListMultipartUploadsResult/UploadIdMarker",
                "body ListMultipartUploadsResult/EncodingType", "body ListMultipartUploadsResult/Prefix",
            ],
            awsAgreesWith: .mock,
            documentation: api + "API_ListMultipartUploads.html#API_ListMultipartUploads_ResponseSyntax",
            explanation:
                "S3 answers KeyMarker and UploadIdMarker (empty when none was sent), Prefix, and EncodingType when url encoding was asked; RGW 16.2 leaves them out when empty and never writes EncodingType."
        ),
        KnownDifference(
            id: "rgw-uploads-listing-next-markers", server: "rgw", operations: ["ListMultipartUploads"],
            fields: [
                "body ListMultipartUploadsResult/NextKeyMarker", "body ListMultipartUploadsResult/NextUploadIdMarker",
            ],
            awsAgreesWith: .either,
            documentation: api + "API_ListMultipartUploads.html#API_ListMultipartUploads_ResponseElements",
            explanation:
                "RGW gives NextKeyMarker and NextUploadIdMarker in an answer that is not truncated; S3 documents them for truncated answers (the value to page on with), and clients page on IsTruncated."
        ),
        KnownDifference(
            id: "rgw-acls-with-ownership-enforced", server: "rgw", operations: ["PutObjectAcl"],
            fields: ["status", "code"], awsAgreesWith: .mock,
            documentation: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html",
            explanation:
                "New S3 buckets have Object Ownership BucketOwnerEnforced (since April 2023), which turns ACLs off: a PutObjectAcl granting anything is 400 AccessControlListNotSupported. RGW 16.2 predates Object Ownership and applies the ACL.",
            changesState: true
        ) { step, _, _ in
            if case .putACL(_, _, let canned) = step { return canned != "private" && canned != "bogus-acl" }
            return false
        },
        KnownDifference(
            id: "rgw-complete-result-etag-empty", server: "rgw", operations: ["CompleteMultipartUpload"],
            fields: ["body CompleteMultipartUploadResult/ETag"], awsAgreesWith: .mock,
            documentation: api + "API_CompleteMultipartUpload.html#API_CompleteMultipartUpload_ResponseSyntax",
            explanation:
                "S3 answers the new object's ETag (the MD5 of the parts' MD5s and the part count); RGW 16.2 writes an empty <ETag/>. A client that conditions on it afterwards sees different things, so the sequence stops here.",
            changesState: true
        ) { _, _, other in other.isEmpty },
        KnownDifference(
            id: "rgw-copy-result-etag-unquoted", server: "rgw", operations: ["CopyObject"],
            fields: ["body CopyObjectResult/ETag"], awsAgreesWith: .mock,
            documentation: api + "API_CopyObject.html#API_CopyObject_Examples",
            explanation:
                "S3 writes the copy's ETag in quotes, as every other ETag; RGW 16.2 leaves them off in CopyObjectResult."
        ) { _, mock, other in mock == "\"" + other + "\"" },
        KnownDifference(
            id: "rgw-conditional-writes-ignored", server: "rgw", operations: ["PutObject"],
            fields: ["status", "code", "header etag", "header x-amz-version-id"], awsAgreesWith: .mock,
            documentation: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html",
            explanation:
                "S3 refuses a PUT with If-None-Match: * when the key exists (412 PreconditionFailed, since August 2024); RGW 16.2 ignores the header and overwrites.",
            changesState: true
        ) { step, _, _ in
            if case .putObject(_, _, _, _, _, let ifNoneMatch) = step { return ifNoneMatch }
            return false
        },
        KnownDifference(
            id: "rgw-delete-marker-headers-on-404", server: "rgw", operations: ["HeadObject", "GetObject"],
            fields: ["header x-amz-delete-marker", "header x-amz-version-id"], awsAgreesWith: .mock,
            documentation: api + "API_HeadObject.html#API_HeadObject_ResponseSyntax",
            explanation:
                "When the current version is a delete marker, S3's 404 says so: x-amz-delete-marker: true and the marker's x-amz-version-id. RGW 16.2 answers a bare 404, so the versions a client has seen part there.",
            changesState: true
        ) { _, _, other in other == "-" },
        KnownDifference(
            id: "rgw-304-without-etag", server: "rgw", operations: ["GetObject", "HeadObject"],
            fields: ["header etag"], awsAgreesWith: .mock,
            documentation: "https://www.rfc-editor.org/rfc/rfc9110#section-15.4.5",
            explanation:
                "A 304 Not Modified carries the ETag a 200 would have (RFC 9110 15.4.5, which S3 follows); RGW 16.2 leaves it out."
        ) { _, _, other in other == "-" },
        KnownDifference(
            id: "rgw-etag-lost-after-tagging-delete", server: "rgw",
            operations: ["ListObjects", "ListObjectsV2", "ListObjectVersions"],
            fields: ["body ListBucketResult/Contents/ETag", "body ListVersionsResult/Version/ETag"],
            awsAgreesWith: .mock, documentation: api + "API_DeleteObjectTagging.html",
            explanation:
                "Removing an object's tags does not change the object: S3 lists the same ETag. RGW 16.2 lists an empty ETag (\"\") for it afterwards."
        ) { _, _, other in other == "\"\"" },
        KnownDifference(
            id: "rgw-delete-marker-version-is-404", server: "rgw", operations: ["HeadObject", "GetObject"],
            fields: ["status", "code", "header x-amz-delete-marker", "header x-amz-version-id"], awsAgreesWith: .mock,
            documentation: api + "API_GetObject.html#API_GetObject_RequestSyntax",
            explanation:
                "Asked for a version that is a delete marker, S3 answers 405 Method Not Allowed (GetObject's versionId parameter: \"If the specified version is a delete marker, the response returns a 405\"); RGW 16.2 answers 404."
        ) { step, _, _ in
            switch step {
            case .getObject(_, _, _, _, .some), .headObject(_, _, _, .some): true
            default: false
            }
        },
        KnownDifference(
            id: "rgw-copy-without-version-id", server: "rgw", operations: ["CopyObject"],
            fields: ["header x-amz-version-id"], awsAgreesWith: .mock,
            documentation: api + "API_CopyObject.html#API_CopyObject_ResponseSyntax",
            explanation:
                "In a versioned bucket S3's CopyObject answers the new copy's x-amz-version-id; RGW 16.2 leaves it out. The client's view of the versions parts there.",
            changesState: true
        ) { _, _, other in other == "-" },
        KnownDifference(
            id: "rgw-complete-checks-body-before-upload", server: "rgw", operations: ["CompleteMultipartUpload"],
            fields: ["status", "code"], awsAgreesWith: .either,
            documentation: api + "API_CompleteMultipartUpload.html#API_CompleteMultipartUpload_Errors",
            explanation:
                "A completion naming no parts for an upload that is gone: mock-s3 says NoSuchUpload, RGW MalformedXML. Both are errors S3 documents for the request; it documents no order between them."
        ) { step, mock, other in
            guard case .completeUpload = step else { return false }
            return (mock == "404" && other == "400") || (mock == "NoSuchUpload" && other == "MalformedXML")
        },
        KnownDifference(
            id: "rgw-delete-without-marker-headers", server: "rgw", operations: ["DeleteObject"],
            fields: ["header x-amz-delete-marker", "header x-amz-version-id"], awsAgreesWith: .mock,
            documentation: api + "API_DeleteObject.html#API_DeleteObject_ResponseSyntax",
            explanation:
                "In a versioned bucket a DELETE without a version adds a delete marker (another one if the current version is already a marker) and S3 answers x-amz-delete-marker: true with the marker's version id; deleting a marker by its id answers x-amz-delete-marker: true too. RGW 16.2 leaves the headers out there.",
            changesState: true
        ) { _, _, other in other == "-" },
        KnownDifference(
            id: "rgw-batch-delete-without-markers", server: "rgw", operations: ["DeleteObjects"],
            fields: ["body DeleteResult/Deleted/DeleteMarker", "body DeleteResult/Deleted/DeleteMarkerVersionId"],
            awsAgreesWith: .mock, documentation: api + "API_DeletedObject.html",
            explanation:
                "In a versioned bucket DeleteObjects adds a delete marker for each key named without a version, whether or not the key existed, and reports DeleteMarker and DeleteMarkerVersionId; RGW 16.2 reports none for keys that did not exist.",
            changesState: true
        ) { _, _, other in other == "-" },
        KnownDifference(
            id: "rgw-batch-delete-repeated-key-one-marker", server: "rgw", operations: ["DeleteObjects"],
            fields: ["body DeleteResult/Deleted/DeleteMarkerVersionId"], awsAgreesWith: .either,
            documentation: api + "API_DeleteObjects.html",
            explanation:
                "A key named twice in one DeleteObjects of a versioned bucket: mock-s3 adds a delete marker per entry, RGW one for both. S3 says nothing of repeated keys.",
            changesState: true
        ) { step, _, _ in
            guard case .deleteObjects(_, let keys, _) = step else { return false }
            return Set(keys).count < keys.count
        },
        KnownDifference(
            id: "rgw-complete-aborted-upload-500", server: "rgw", operations: ["CompleteMultipartUpload"],
            fields: ["status", "code"], awsAgreesWith: .mock,
            documentation: api + "API_CompleteMultipartUpload.html#API_CompleteMultipartUpload_Errors",
            explanation:
                "Completing an upload that was aborted is 404 NoSuchUpload on S3; RGW 16.2 answers 500 InternalError when the completion names a part that never existed."
        ) { _, mock, other in (mock == "404" && other == "500") || (mock == "NoSuchUpload" && other == "InternalError")
        },
        KnownDifference(
            id: "rgw-parts-in-any-order", server: "rgw", operations: ["CompleteMultipartUpload"],
            fields: [
                "status", "code", "body CompleteMultipartUploadResult/Bucket", "body CompleteMultipartUploadResult/Key",
                "body CompleteMultipartUploadResult/ETag", "header x-amz-version-id",
            ],
            awsAgreesWith: .mock,
            documentation: api + "API_CompleteMultipartUpload.html#API_CompleteMultipartUpload_Errors",
            explanation:
                "S3 refuses a completion whose parts are not in ascending order (400 InvalidPartOrder); RGW 16.2 sorts them and completes.",
            changesState: true
        ) { step, _, _ in
            if case .completeUpload(_, .reversed) = step { return true }
            return false
        },
        KnownDifference(
            id: "rgw-tagging-count-zero", server: "rgw", operations: ["GetObject", "HeadObject"],
            fields: ["header x-amz-tagging-count"], awsAgreesWith: .mock,
            documentation: api + "API_GetObject.html#API_GetObject_ResponseSyntax",
            explanation:
                "x-amz-tagging-count is the number of tags \"if any\": S3 leaves it out for an object without tags; RGW 16.2 answers 0 once an empty tag set was put."
        ) { _, mock, other in mock == "-" && other == "0" },
        KnownDifference(
            id: "rgw-parts-of-aborted-upload-no-such-key", server: "rgw", operations: ["ListParts"],
            fields: ["code"], awsAgreesWith: .mock, documentation: api + "API_ListParts.html",
            explanation:
                "Listing the parts of an aborted upload is 404 NoSuchUpload on S3 (the upload is what is missing); RGW 16.2 says NoSuchKey."
        ) { _, mock, other in mock == "NoSuchUpload" && other == "NoSuchKey" },
        KnownDifference(
            id: "rgw-complete-checks-sizes-before-etags", server: "rgw", operations: ["CompleteMultipartUpload"],
            fields: ["code"], awsAgreesWith: .either,
            documentation: api + "API_CompleteMultipartUpload.html#API_CompleteMultipartUpload_Errors",
            explanation:
                "A completion with both a wrong ETag and a small part before the last: mock-s3 says InvalidPart, RGW EntityTooSmall. S3 documents both errors and no order between them."
        ) { _, mock, other in mock == "InvalidPart" && other == "EntityTooSmall" },
        KnownDifference(
            id: "rgw-delete-marker-headers-only-on-reads", server: "rgw",
            operations: [
                "PutObjectTagging", "GetObjectTagging", "DeleteObjectTagging", "PutObjectAcl", "GetObjectAcl",
            ],
            fields: ["header x-amz-delete-marker", "header x-amz-version-id"], awsAgreesWith: .either,
            documentation: api + "API_PutObjectTagging.html#API_PutObjectTagging_ResponseSyntax",
            explanation:
                "A tagging or ACL request for a key whose current version is a delete marker is 404 on both; mock-s3 adds the marker's headers as it does for GET and HEAD, RGW does not. S3 documents those headers for reads only. The version ids a client has seen part there.",
            changesState: true
        ) { _, _, other in other == "-" },
        KnownDifference(
            id: "rgw-one-keys-uploads-by-id", server: "rgw", operations: ["ListMultipartUploads"],
            fields: ["body ListMultipartUploadsResult/Upload/UploadId"], awsAgreesWith: .mock,
            documentation: api + "API_ListMultipartUploads.html",
            explanation:
                "S3 lists one key's uploads in the order they began (\"sorted in ascending order by the time the multipart upload was initiated\"); RGW 16.2 sorts them by upload id."
        ),
    ]
}
