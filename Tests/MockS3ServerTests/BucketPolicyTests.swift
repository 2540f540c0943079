import Foundation
import MockS3Server
import S3Kit
import S3Wire
import TestSupport
import Testing

/// Bucket policies and Block Public Access as S3 documents them: the page each expectation rests on
/// is named beside it (docs.aws.amazon.com/AmazonS3/latest/userguide/ unless said otherwise).
/// Ceph's s3-tests judge the same from outside (`scripts/s3-tests.sh`, its bucket-policy pass).
@Suite("Mock S3: bucket policies and Block Public Access", .quietLogs)
struct BucketPolicyTests {
    static let alt = Account(
        id: "56789abcdef0123456789abcdef0123456789abcdef0123456789abcdef01234", displayName: "alt")
    static let altKeys = Credentials(accessKeyId: "ALTKEYALTKEYALTKEY01", secretAccessKey: "alt-secret")

    /// A bucket "b" made as S3 makes new buckets (ACLs off, public access blocked), and a second account.
    private func withBucket<T>(_ body: (MockS3Server) async throws -> T) async throws -> T {
        try await withMock(
            {
                $0.buckets = ["b"]
                $0.credentials.append(
                    MockCredential(
                        accessKeyId: Self.altKeys.accessKeyId, secretAccessKey: Self.altKeys.secretAccessKey,
                        account: Self.alt))
            }, body)
    }

    static func policy(_ statements: String...) -> [UInt8] {
        Array(#"{"Version":"2012-10-17","Statement":[\#(statements.joined(separator: ","))]}"#.utf8)
    }

    func putPolicy(_ server: MockS3Server, _ body: [UInt8]) async throws -> HTTPResponse {
        try await server.raw(.put, "/b", query: [.init("policy")], body: body)
    }

    func status(_ response: HTTPResponse) -> String {
        let code = (try? XML.parse(response.body))?.value("Code")
        return code.map { "\(response.status) \($0)" } ?? "\(response.status)"
    }

    func unblock(_ server: MockS3Server) async throws {
        #expect(try await server.raw(.delete, "/b", query: [.init("publicAccessBlock")]).status == 204)
    }

    @Test func aPolicyIsKeptAsWrittenAndRemoved() async throws {
        try await withBucket { (server: MockS3Server) async throws in
            #expect(status(try await server.raw(.get, "/b", query: [.init("policy")])) == "404 NoSuchBucketPolicy")
            let text = Self.policy(
                #"{"Sid":"x","Effect":"Allow","Principal":{"AWS":"\#(Self.alt.number)"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}"#
            )
            #expect(try await putPolicy(server, text).status == 204)
            // GetBucketPolicy answers the document as it was put (API_GetBucketPolicy).
            #expect(try await server.raw(.get, "/b", query: [.init("policy")]).body == text)
            #expect(try await server.raw(.delete, "/b", query: [.init("policy")]).status == 204)
            #expect(status(try await server.raw(.get, "/b", query: [.init("policy")])) == "404 NoSuchBucketPolicy")
            #expect(
                status(try await server.raw(.get, "/b", query: [.init("policy")], as: Self.altKeys))
                    == "403 AccessDenied", "only the owner's account reads a bucket's policy")
        }
    }

    /// Each refused with S3's code and a message naming what is wrong; nothing is stored.
    @Test(arguments: [
        ("not json", "400 MalformedPolicy", "valid JSON"),
        (#"{"Version":"2012-10-17"}"#, "400 MalformedPolicy", "Statement"),
        (
            #"{"Statement":[{"Effect":"Maybe","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#,
            "400 MalformedPolicy", "Maybe"
        ),
        (
            #"{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#,
            "400 MalformedPolicy", "Principal"
        ),
        (
            #"{"Statement":[{"Effect":"Allow","NotPrincipal":{"AWS":"123456789012"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#,
            "400 MalformedPolicy", "NotPrincipal"
        ),
        (
            #"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::other/*"}]}"#,
            "400 MalformedPolicy", "arn:aws:s3:::other/*"
        ),
        (
            #"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"ec2:RunInstances","Resource":"arn:aws:s3:::b/*"}]}"#,
            "400 MalformedPolicy", "ec2:RunInstances"
        ),
        (
            #"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringEquals":{"s3:made-up":"x"}}}]}"#,
            "400 MalformedPolicy", "s3:made-up"
        ),
        (
            #"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringSortOf":{"s3:prefix":"x"}}}]}"#,
            "400 MalformedPolicy", "StringSortOf"
        ),
        (
            #"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"NumericLessThan":{"s3:max-keys":"ten"}}}]}"#,
            "400 MalformedPolicy", "ten"
        ),
        // Defined by AWS, not evaluated here: refused rather than evaluated differently.
        (
            #"{"Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b/*","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1"}}}]}"#,
            "501 NotImplemented", "aws:SourceVpce"
        ),
    ])
    func aBadPolicyIsRefusedSayingWhy(document: String, expected: String, named: String) async throws {
        try await withBucket { (server: MockS3Server) async throws in
            let kept = Self.policy(
                #"{"Effect":"Allow","Principal":{"AWS":"\#(Self.alt.number)"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}"#
            )
            #expect(try await putPolicy(server, kept).status == 204)
            let answer = try await putPolicy(server, Array(document.utf8))
            #expect(status(answer) == expected)
            #expect((try XML.parse(answer.body).value("Message") ?? "").contains(named))
            #expect(
                try await server.raw(.get, "/b", query: [.init("policy")]).body == kept,
                "a refused policy replaced the kept one")
        }
    }

    /// "Bucket policies are limited to 20 KB in size" (bucket-policies.html).
    @Test func aPolicyOver20KBIsRefused() async throws {
        try await withBucket { (server: MockS3Server) async throws in
            let statement = { (i: Int) in
                #"{"Sid":"s\#(i)","Effect":"Allow","Principal":{"AWS":"\#(Self.alt.number)"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/prefix-number-\#(i)/*"}"#
            }
            var count = 1
            while Self.policy((0..<count).map(statement).joined(separator: ",")).count <= 20 * 1024 { count += 1 }
            let fits = Self.policy((0..<(count - 1)).map(statement).joined(separator: ","))
            #expect(try await putPolicy(server, fits).status == 204)
            let over = Self.policy((0..<count).map(statement).joined(separator: ","))
            let answer = try await putPolicy(server, over)
            #expect(status(answer) == "400 MalformedPolicy")
            #expect((try XML.parse(answer.body).value("Message") ?? "").contains("size"))
        }
    }

    /// New buckets block public access (access-control-block-public-access.html, "since April 2023");
    /// a public policy is refused while BlockPublicPolicy is on, and grants nothing to strangers
    /// while RestrictPublicBuckets is.
    @Test func publicAccessIsBlockedUntilBothPolicySettingsAreOff() async throws {
        try await withBucket { (server: MockS3Server) async throws in
            #expect(try await server.raw(.put, "/b/data/x.csv", body: [1]).status == 200)
            let block = try XML.parse(try await server.raw(.get, "/b", query: [.init("publicAccessBlock")]).body)
            #expect(
                ["BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"].map {
                    block.value($0)
                } == ["true", "true", "true", "true"])
            let publicRead = Self.policy(
                #"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/data/*"}"#)
            #expect(status(try await putPolicy(server, publicRead)) == "403 AccessDenied")

            let onlyPolicyAllowed = Array(
                "<PublicAccessBlockConfiguration><BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>true</IgnorePublicAcls><BlockPublicPolicy>false</BlockPublicPolicy><RestrictPublicBuckets>true</RestrictPublicBuckets></PublicAccessBlockConfiguration>"
                    .utf8)
            #expect(
                try await server.raw(.put, "/b", query: [.init("publicAccessBlock")], body: onlyPolicyAllowed).status
                    == 200)
            #expect(try await putPolicy(server, publicRead).status == 204)
            #expect(status(try await server.raw(.get, "/b/data/x.csv", sign: false)) == "403 AccessDenied")
            let policyStatus = try XML.parse(try await server.raw(.get, "/b", query: [.init("policyStatus")]).body)
            #expect(policyStatus.value("IsPublic") == "false", "RestrictPublicBuckets makes a public policy not public")

            try await unblock(server)
            #expect(try await server.raw(.get, "/b/data/x.csv", sign: false).status == 200)
            #expect(
                try XML.parse(try await server.raw(.get, "/b", query: [.init("policyStatus")]).body).value("IsPublic")
                    == "true")
            #expect(status(try await server.raw(.get, "/b/other.csv", sign: false)) == "403 AccessDenied")
            #expect(
                status(try await server.raw(.get, "/b", sign: false)) == "403 AccessDenied", "listing is not granted")
            #expect(status(try await server.raw(.put, "/b/data/y.csv", body: [1], sign: false)) == "403 AccessDenied")
            #expect(
                status(try await server.raw(.get, "/b/data/missing.csv", sign: false)) == "403 AccessDenied",
                "without s3:ListBucket a missing key is AccessDenied (API_GetObject, Permissions)")
        }
    }

    /// "An explicit deny in any of these policies overrides the allow" (access-policy-language-overview.html);
    /// the owner's root may still change the policy (API_PutBucketPolicy).
    @Test func anExplicitDenyBindsTheOwnerButNotItsPolicy() async throws {
        try await withBucket { (server: MockS3Server) async throws in
            #expect(try await server.raw(.put, "/b/k", body: [1]).status == 200)
            let deny = Self.policy(
                #"{"Effect":"Deny","Principal":"*","Action":["s3:DeleteObject","s3:PutBucketPolicy"],"Resource":["arn:aws:s3:::b/*","arn:aws:s3:::b"]}"#
            )
            #expect(try await putPolicy(server, deny).status == 204)
            #expect(status(try await server.raw(.delete, "/b/k")) == "403 AccessDenied")
            #expect(try await server.raw(.get, "/b/k").status == 200)
            #expect(try await server.raw(.delete, "/b", query: [.init("policy")]).status == 204)
            #expect(try await server.raw(.delete, "/b/k").status == 204)
        }
    }

    /// Another account gets what the policy grants it, nothing else; a grant to the account covers
    /// its root (example-bucket-policies.html, "Granting permissions to multiple accounts").
    @Test func anotherAccountGetsWhatThePolicyGrants() async throws {
        try await withBucket { (server: MockS3Server) async throws in
            #expect(try await server.raw(.put, "/b/data/a.csv", body: [1]).status == 200)
            #expect(try await server.raw(.put, "/b/secret/s.csv", body: [2]).status == 200)
            #expect(status(try await server.raw(.get, "/b/data/a.csv", as: Self.altKeys)) == "403 AccessDenied")
            let grant = Self.policy(
                #"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::\#(Self.alt.number):root"},"Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::b/data/*"}"#,
                #"{"Effect":"Allow","Principal":{"AWS":"\#(Self.alt.number)"},"Action":"s3:ListBucket","Resource":"arn:aws:s3:::b","Condition":{"StringLike":{"s3:prefix":"data/*"}}}"#
            )
            #expect(try await putPolicy(server, grant).status == 204)
            #expect(try await server.raw(.get, "/b/data/a.csv", as: Self.altKeys).status == 200)
            #expect(try await server.raw(.put, "/b/data/new.csv", body: [3], as: Self.altKeys).status == 200)
            #expect(status(try await server.raw(.get, "/b/secret/s.csv", as: Self.altKeys)) == "403 AccessDenied")
            #expect(status(try await server.raw(.delete, "/b/data/a.csv", as: Self.altKeys)) == "403 AccessDenied")
            #expect(
                try await server.raw(
                    .get, "/b", query: [.init("list-type", "2"), .init("prefix", "data/")], as: Self.altKeys
                )
                .status == 200)
            #expect(
                status(
                    try await server.raw(
                        .get, "/b", query: [.init("list-type", "2"), .init("prefix", "secret/")], as: Self.altKeys))
                    == "403 AccessDenied")
            #expect(
                status(try await server.raw(.get, "/b", query: [.init("list-type", "2")], as: Self.altKeys))
                    == "403 AccessDenied")
            // s3:ListBucket for data/ tells a missing key there from a hidden one.
            #expect(status(try await server.raw(.get, "/b/data/missing.csv", as: Self.altKeys)) == "404 NoSuchKey")
            #expect(status(try await server.raw(.get, "/b/secret/missing.csv", as: Self.altKeys)) == "403 AccessDenied")
            #expect(
                status(try await server.raw(.get, "/b", query: [.init("versioning")], as: Self.altKeys))
                    == "403 AccessDenied")
        }
    }

    /// Condition operators and keys (reference_policies_elements_condition_operators.html,
    /// amazon-s3-policy-keys.html), each seen letting a request through and refusing its twin.
    @Test func conditionsDecideWithTheRequestsValues() async throws {
        try await withBucket { (server: MockS3Server) async throws in
            try await unblock(server)
            #expect(
                try await server.raw(.put, "/b/k", headers: [("x-amz-tagging", "class=open")], body: [1]).status == 200)
            #expect(
                try await server.raw(.put, "/b/hidden", headers: [("x-amz-tagging", "class=closed")], body: [1]).status
                    == 200)
            let allowAlt = { (action: String, resource: String, condition: String) in
                #"{"Effect":"Allow","Principal":{"AWS":"\#(Self.alt.number)"},"Action":"\#(action)","Resource":"\#(resource)","Condition":\#(condition)}"#
            }
            let tomorrow = UTCDate(Date().addingTimeInterval(86_400)).s3Timestamp
            let yesterday = UTCDate(Date().addingTimeInterval(-86_400)).s3Timestamp
            let policy = Self.policy(
                allowAlt(
                    "s3:GetObject", "arn:aws:s3:::b/*", #"{"StringEquals":{"s3:ExistingObjectTag/class":"open"}}"#),
                allowAlt(
                    "s3:PutObject", "arn:aws:s3:::b/tagged/*", #"{"StringEquals":{"s3:RequestObjectTag/class":"open"}}"#
                ),
                allowAlt(
                    "s3:PutObject", "arn:aws:s3:::b/from-here/*", #"{"IpAddress":{"aws:SourceIp":"127.0.0.0/8"}}"#),
                allowAlt(
                    "s3:PutObject", "arn:aws:s3:::b/from-there/*", #"{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}"#),
                allowAlt(
                    "s3:PutObject", "arn:aws:s3:::b/until-tomorrow/*",
                    #"{"DateLessThan":{"aws:CurrentTime":"\#(tomorrow)"}}"#),
                allowAlt(
                    "s3:PutObject", "arn:aws:s3:::b/until-yesterday/*",
                    #"{"DateLessThan":{"aws:CurrentTime":"\#(yesterday)"}}"#),
                allowAlt("s3:ListBucket", "arn:aws:s3:::b", #"{"NumericLessThanEquals":{"s3:max-keys":"10"}}"#),
                allowAlt(
                    "s3:PutObject", "arn:aws:s3:::b/acl/*",
                    #"{"StringEqualsIfExists":{"s3:x-amz-acl":"bucket-owner-full-control"}}"#),
                #"{"Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::b/*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}"#,
                // A negated operator holds when the key is absent: no ACL is not bucket-owner-full-control.
                allowAlt("s3:PutObject*", "arn:aws:s3:::b/owner-control/*", "{}"),
                #"{"Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::b/owner-control/*","Condition":{"StringNotEquals":{"s3:x-amz-acl":"bucket-owner-full-control"}}}"#,
                allowAlt(
                    "s3:PutObject", "arn:aws:s3:::b/keys/*",
                    #"{"ForAllValues:StringEquals":{"s3:RequestObjectTagKeys":["class","team"]}}"#),
                allowAlt(
                    "s3:PutObject", "arn:aws:s3:::b/any-key/*",
                    #"{"ForAnyValue:StringLike":{"s3:RequestObjectTagKeys":"team*"}}"#)
            )
            #expect(try await putPolicy(server, policy).status == 204)
            let alt = {
                (method: RequestMethod, path: String, query: [RequestTarget.QueryItem], headers: [(String, String)])
                    async throws -> String in
                try await status(
                    server.raw(
                        method, path, query: query, headers: headers, body: method == .put ? [1] : [], as: Self.altKeys)
                )
            }
            #expect(try await alt(.get, "/b/k", [], []) == "200")
            #expect(try await alt(.get, "/b/hidden", [], []) == "403 AccessDenied")
            #expect(try await alt(.put, "/b/tagged/a", [], [("x-amz-tagging", "class=open")]) == "200")
            #expect(try await alt(.put, "/b/tagged/b", [], [("x-amz-tagging", "class=shut")]) == "403 AccessDenied")
            #expect(try await alt(.put, "/b/from-here/a", [], []) == "200")
            #expect(try await alt(.put, "/b/from-there/a", [], []) == "403 AccessDenied")
            #expect(try await alt(.put, "/b/until-tomorrow/a", [], []) == "200")
            #expect(try await alt(.put, "/b/until-yesterday/a", [], []) == "403 AccessDenied")
            #expect(try await alt(.get, "/b", [.init("max-keys", "5")], []) == "200")
            #expect(try await alt(.get, "/b", [.init("max-keys", "50")], []) == "403 AccessDenied")
            #expect(
                try await alt(.get, "/b", [], []) == "403 AccessDenied",
                "NumericLessThanEquals on an absent key is false")
            #expect(try await alt(.put, "/b/acl/a", [], []) == "200", "IfExists: no ACL asked is no condition")
            #expect(try await alt(.put, "/b/acl/b", [], [("x-amz-acl", "public-read")]) == "403 AccessDenied")
            #expect(try await alt(.put, "/b/owner-control/a", [], []) == "403 AccessDenied")
            #expect(
                try await alt(.put, "/b/owner-control/b", [], [("x-amz-acl", "bucket-owner-full-control")]) == "200")
            #expect(try await alt(.put, "/b/keys/a", [], [("x-amz-tagging", "class=x&team=y")]) == "200")
            #expect(try await alt(.put, "/b/keys/b", [], [("x-amz-tagging", "class=x&other=y")]) == "403 AccessDenied")
            #expect(try await alt(.put, "/b/keys/c", [], []) == "200", "ForAllValues over no values holds")
            #expect(try await alt(.put, "/b/any-key/a", [], [("x-amz-tagging", "other=1&team-a=2")]) == "200")
            #expect(
                try await alt(.put, "/b/any-key/b", [], []) == "403 AccessDenied", "ForAnyValue over no values fails")
        }
    }

    /// BlockPublicAcls refuses public ACLs, IgnorePublicAcls sets them aside (block-public-access.html).
    @Test func publicACLsAreBlockedOrIgnored() async throws {
        try await withMock(
            {
                $0.buckets = ["acl"]
                $0.defaultOwnership = .objectWriter
                $0.credentials.append(
                    MockCredential(
                        accessKeyId: Self.altKeys.accessKeyId, secretAccessKey: Self.altKeys.secretAccessKey,
                        account: Self.alt))
            }
        ) { (server: MockS3Server) async throws in
            let setBlock = { (acls: Bool, ignore: Bool) async throws in
                let xml =
                    "<PublicAccessBlockConfiguration><BlockPublicAcls>\(acls)</BlockPublicAcls><IgnorePublicAcls>\(ignore)</IgnorePublicAcls></PublicAccessBlockConfiguration>"
                #expect(
                    try await server.raw(.put, "/acl", query: [.init("publicAccessBlock")], body: Array(xml.utf8))
                        .status == 200)
            }
            #expect(
                status(try await server.raw(.get, "/acl", query: [.init("publicAccessBlock")]))
                    == "404 NoSuchPublicAccessBlockConfiguration")
            #expect(
                try await server.raw(.put, "/acl/open", headers: [("x-amz-acl", "public-read")], body: [1]).status
                    == 200)
            #expect(try await server.raw(.get, "/acl/open", as: Self.altKeys).status == 200)
            try await setBlock(true, false)
            #expect(
                status(try await server.raw(.put, "/acl/more", headers: [("x-amz-acl", "public-read")], body: [1]))
                    == "403 AccessDenied")
            #expect(
                status(
                    try await server.raw(
                        .put, "/acl", query: [.init("acl")], headers: [("x-amz-acl", "authenticated-read")]))
                    == "403 AccessDenied")
            #expect(
                try await server.raw(.put, "/acl/private", headers: [("x-amz-acl", "private")], body: [1]).status == 200
            )
            #expect(
                try await server.raw(.get, "/acl/open", as: Self.altKeys).status == 200,
                "existing public ACLs still apply")
            try await setBlock(false, true)
            #expect(status(try await server.raw(.get, "/acl/open", as: Self.altKeys)) == "403 AccessDenied")
            #expect(try await server.raw(.get, "/acl/open").status == 200, "the owner keeps its own grant")
        }
    }
}
