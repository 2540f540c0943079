import S3Wire

/// A bucket's Block Public Access settings
/// (docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html).
public struct PublicAccessBlock: Sendable, Codable, Equatable {
    /// PutBucketAcl, PutObjectAcl and writes with a public ACL are refused.
    public var blockPublicAcls = false
    /// Public grants in ACLs are ignored.
    public var ignorePublicAcls = false
    /// PutBucketPolicy with a public policy is refused.
    public var blockPublicPolicy = false
    /// While the bucket policy is public, only the bucket owner's account gets what it allows.
    public var restrictPublicBuckets = false

    public init(
        blockPublicAcls: Bool = false, ignorePublicAcls: Bool = false, blockPublicPolicy: Bool = false,
        restrictPublicBuckets: Bool = false
    ) {
        self.blockPublicAcls = blockPublicAcls
        self.ignorePublicAcls = ignorePublicAcls
        self.blockPublicPolicy = blockPublicPolicy
        self.restrictPublicBuckets = restrictPublicBuckets
    }

    /// What S3 gives every new bucket since April 2023.
    public static let all = PublicAccessBlock(
        blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true)

    static let fields = ["BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"]

    /// `<PublicAccessBlockConfiguration>`; a setting left out is false, as S3 reads it.
    init(xml root: XML.Element) throws(S3ServerError) {
        guard root.name == "PublicAccessBlockConfiguration" else { throw .malformedXML }
        var values: [String: Bool] = [:]
        for name in Self.fields {
            guard let text = root.value(name) else { continue }
            guard let value = Bool(text.lowercased()) else { throw .malformedXML }
            values[name] = value
        }
        self.init(
            blockPublicAcls: values["BlockPublicAcls"] ?? false, ignorePublicAcls: values["IgnorePublicAcls"] ?? false,
            blockPublicPolicy: values["BlockPublicPolicy"] ?? false,
            restrictPublicBuckets: values["RestrictPublicBuckets"] ?? false)
    }

    var xml: String {
        var document = XMLWriter(root: "PublicAccessBlockConfiguration")
        for (name, value) in zip(
            Self.fields, [blockPublicAcls, ignorePublicAcls, blockPublicPolicy, restrictPublicBuckets])
        {
            document.element(name, value ? "true" : "false")
        }
        return document.finish()
    }
}
