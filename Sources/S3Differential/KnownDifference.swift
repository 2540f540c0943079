/// A way another server is known to answer differently from mock-s3, with which side AWS S3 agrees and
/// where AWS documents it. A divergence one of these explains is counted, not failed; every other fails.
public struct KnownDifference: Sendable {
    public enum Side: String, Sendable {
        /// AWS answers as mock-s3 does: the other server departs from S3.
        case mock
        /// AWS answers as the other server does (mock-s3 should follow, and this entry go).
        case other
        /// Both are allowed (S3 leaves it open), or neither matches S3.
        case either
    }

    public var id: String
    /// The other server's name: "rgw", "moto".
    public var server: String
    public var operations: Set<String>
    /// Fields as differences name them without positions: "status", "code", "header NAME",
    /// "body ListBucketResult/Contents/Key".
    public var fields: Set<String>
    /// Narrows the entry to the answers it explains: (step, mock-s3's value, the other server's value).
    public var applies: @Sendable (Step, String, String) -> Bool
    public var awsAgreesWith: Side
    public var documentation: String
    public var explanation: String
    /// The two servers hold different state after it (an object one made and the other refused): the
    /// rest of the sequence is not compared.
    public var changesState: Bool

    public init(
        id: String, server: String, operations: Set<String>, fields: Set<String>, awsAgreesWith: Side,
        documentation: String,
        explanation: String, changesState: Bool = false,
        applies: @escaping @Sendable (Step, String, String) -> Bool = { _, _, _ in true }
    ) {
        self.id = id
        self.server = server
        self.operations = operations
        self.fields = fields
        self.applies = applies
        self.awsAgreesWith = awsAgreesWith
        self.documentation = documentation
        self.explanation = explanation
        self.changesState = changesState
    }

    func explains(server: String, step: Step, field: String, mock: String, other: String) -> Bool {
        self.server == server && operations.contains(step.operation) && fields.contains(field)
            && applies(step, mock, other)
    }
}
