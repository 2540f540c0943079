/// The policy action each operation is authorized as, in lower case (actions match without
/// regard to case), as docs.aws.amazon.com/AmazonS3/latest/API/API_Operations.html and the
/// service authorization reference name them; a request for a version names the version's action.
extension APIOperation {
    func action(_ r: IncomingRequest) -> String {
        let versioned = r.queryValue("versionId") != nil
        switch self {
        case .listBuckets: return "s3:listallmybuckets"
        case .createBucket: return "s3:createbucket"
        case .deleteBucket: return "s3:deletebucket"
        case .headBucket, .listObjects, .listObjectsV2: return "s3:listbucket"
        case .getBucketLocation: return "s3:getbucketlocation"
        case .getBucketVersioning: return "s3:getbucketversioning"
        case .putBucketVersioning: return "s3:putbucketversioning"
        case .putBucketCors, .deleteBucketCors: return "s3:putbucketcors"
        case .getBucketCors: return "s3:getbucketcors"
        case .putBucketTagging, .deleteBucketTagging: return "s3:putbuckettagging"
        case .getBucketTagging: return "s3:getbuckettagging"
        case .preflight, .unsupported: return ""
        case .putObjectLockConfiguration: return "s3:putbucketobjectlockconfiguration"
        case .getObjectLockConfiguration: return "s3:getbucketobjectlockconfiguration"
        case .putObjectRetention: return "s3:putobjectretention"
        case .getObjectRetention: return "s3:getobjectretention"
        case .putObjectLegalHold: return "s3:putobjectlegalhold"
        case .getObjectLegalHold: return "s3:getobjectlegalhold"
        case .putBucketOwnershipControls, .deleteBucketOwnershipControls: return "s3:putbucketownershipcontrols"
        case .getBucketOwnershipControls: return "s3:getbucketownershipcontrols"
        case .getBucketAcl: return "s3:getbucketacl"
        case .putBucketAcl: return "s3:putbucketacl"
        case .putBucketPolicy: return "s3:putbucketpolicy"
        case .getBucketPolicy: return "s3:getbucketpolicy"
        case .deleteBucketPolicy: return "s3:deletebucketpolicy"
        case .getBucketPolicyStatus: return "s3:getbucketpolicystatus"
        case .putPublicAccessBlock, .deletePublicAccessBlock: return "s3:putbucketpublicaccessblock"
        case .getPublicAccessBlock: return "s3:getbucketpublicaccessblock"
        case .listMultipartUploads: return "s3:listbucketmultipartuploads"
        case .listObjectVersions: return "s3:listbucketversions"
        case .deleteObjects, .deleteObject: return versioned ? "s3:deleteobjectversion" : "s3:deleteobject"
        case .getObject, .headObject: return versioned ? "s3:getobjectversion" : "s3:getobject"
        case .putObject, .postObject, .copyObject, .createMultipartUpload, .uploadPart, .uploadPartCopy,
            .completeMultipartUpload:
            return "s3:putobject"
        case .getObjectAttributes: return versioned ? "s3:getobjectversionattributes" : "s3:getobjectattributes"
        case .getObjectAcl: return versioned ? "s3:getobjectversionacl" : "s3:getobjectacl"
        case .putObjectAcl: return versioned ? "s3:putobjectversionacl" : "s3:putobjectacl"
        case .getObjectTagging: return versioned ? "s3:getobjectversiontagging" : "s3:getobjecttagging"
        case .putObjectTagging: return versioned ? "s3:putobjectversiontagging" : "s3:putobjecttagging"
        case .deleteObjectTagging: return versioned ? "s3:deleteobjectversiontagging" : "s3:deleteobjecttagging"
        case .abortMultipartUpload: return "s3:abortmultipartupload"
        case .listParts: return "s3:listmultipartuploadparts"
        }
    }

    /// The ARN a policy's Resource is matched against: the object's when the request names a key
    /// (an object operation: the router routes by that), else the bucket's.
    func resource(_ r: IncomingRequest) -> String {
        guard let bucket = r.bucket else { return "arn:aws:s3:::*" }
        if let key = r.key { return "arn:aws:s3:::\(bucket)/\(key)" }
        return "arn:aws:s3:::\(bucket)"
    }
}
