import ArgumentParser
import CommandSupport
import Foundation
import MockS3Server

@main
struct MockS3Command: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mock-s3",
        abstract: "An S3-compatible server for tests: the AWS CLI, boto3 or another service's test suite.",
        discussion: """
            Prints the endpoint and the environment to export, then serves until interrupted. On SIGUSR1 it prints how many requests of each operation it has answered (one line, to standard error). 
            """)

    @Option(help: "The address to listen on.") var host = "127.0.0.1"
    @Option(help: "The port to listen on (0: any free port).") var port = 9000
    @Option(help: "The region the server signs for.") var region = "us-east-1"
    @Option(name: .customLong("access-key"), help: "An access key id it accepts (repeatable; pairs with --secret-key).")
    var accessKeys: [String] = []
    @Option(name: .customLong("secret-key"), help: "The secret of the --access-key at the same position.")
    var secretKeys: [String] = []
    @Option(
        name: .customLong("account"),
        help: ArgumentHelp(
            "The account an --access-key acts for, as KEY:CANONICAL_ID:DISPLAY_NAME[:EMAIL] (repeatable). Keys without one share the server's own account; keys of different accounts see each other's buckets only as ACLs allow.",
            valueName: "key:id:name[:email]"))
    var accounts: [String] = []
    @Option(
        name: .customLong("user"),
        help: ArgumentHelp(
            "Makes an --access-key an IAM user of its account, allowed what the identity policy in FILE allows (IAM's JSON, as in the AWS console); repeatable. Keys without one are their account's root.",
            valueName: "key:name:file"))
    var users: [String] = []
    @Option(
        name: .customLong("location-constraint"),
        help:
            "A location constraint CreateBucket takes besides the region's own (repeatable), as a multi-zone deployment such as Ceph names its zone groups."
    )
    var locationConstraints: [String] = []
    @Option(name: .customLong("data-dir"), help: "Keep object bytes in files here instead of memory.")
    var dataDirectory: String?
    @Option(name: .customLong("bucket"), help: "A bucket that exists from the start (repeatable).") var buckets:
        [String] = []
    @Option(
        name: .customLong("object-ownership"),
        help:
            "Object Ownership of new buckets: BucketOwnerEnforced (S3's default), ObjectWriter or BucketOwnerPreferred.",
        transform: { text in
            guard let ownership = ObjectOwnership(rawValue: text) else {
                throw ValidationError(
                    "--object-ownership \(text) is not one of BucketOwnerEnforced, ObjectWriter, BucketOwnerPreferred")
            }
            return ownership
        })
    var objectOwnership: ObjectOwnership = .bucketOwnerEnforced
    @Option(help: "Seeds the fault decisions: the same seed and requests give the same faults.") var seed: UInt64 = 1
    @Option(name: .customLong("slowdown-rate"), help: "The share of requests answered 503 SlowDown, from 0 to 1.")
    var slowDownRate = 0.0
    @Option(
        name: .customLong("drop-rate"),
        help: "The share of requests whose connection is cut halfway through the body, from 0 to 1.")
    var dropRate = 0.0
    @Flag(name: .customLong("list-denied"), help: "Refuse listings and HeadBucket (a GET-only policy).")
    var listDenied = false
    @Flag(
        name: .customLong("accept-any-credentials"),
        help:
            "Accept any access key id, with the key id itself as its secret (testing/testing works); signatures are still verified."
    )
    var acceptAnyCredentials = false
    @Flag(help: "Serve the control API at /_mock/ (reset, journal, faults, counters) to anyone who can reach the port.")
    var admin = false
    @Option(
        name: .customLong("admin-token"),
        help: "Serve the control API only to requests carrying this token (Authorization: Bearer TOKEN).")
    var adminToken: String?

    static func main() async { await parseAndRun() }

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port \(port) is not a port number (0-65535)") }
        guard accessKeys.count == secretKeys.count else {
            throw ValidationError(
                "give --access-key and --secret-key in pairs (\(accessKeys.count) keys, \(secretKeys.count) secrets)")
        }
        for account in accounts {
            let parts = account.split(separator: ":", omittingEmptySubsequences: false)
            guard (3...4).contains(parts.count), !parts[1].isEmpty, !parts[2].isEmpty else {
                throw ValidationError("--account \(account) is not KEY:CANONICAL_ID:DISPLAY_NAME[:EMAIL]")
            }
            guard accessKeys.contains(String(parts[0])) else {
                throw ValidationError("--account \(account) names the key \(parts[0]), which no --access-key gives")
            }
        }
        for user in users {
            let parts = user.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3, !parts[1].isEmpty, !parts[2].isEmpty else {
                throw ValidationError("--user \(user) is not KEY:NAME:POLICY_FILE")
            }
            guard accessKeys.contains(String(parts[0])) else {
                throw ValidationError("--user \(user) names the key \(parts[0]), which no --access-key gives")
            }
        }
        if adminToken?.isEmpty == true { throw ValidationError("--admin-token needs a token that is not empty") }
        for (flag, rate) in [("--slowdown-rate", slowDownRate), ("--drop-rate", dropRate)] where !(0...1).contains(rate)
        {
            throw ValidationError("\(flag) \(rate) is not a share between 0 and 1")
        }
    }

    /// The users --user names, their policies read and checked.
    func loadUsers() throws -> [String: IAMUser] {
        var loaded: [String: IAMUser] = [:]
        for text in users {
            let parts = text.split(separator: ":", maxSplits: 2).map(String.init)
            let document: String
            do { document = try String(contentsOfFile: parts[2], encoding: .utf8) } catch {
                throw ValidationError("--user \(text): cannot read \(parts[2]) (\(error.localizedDescription))")
            }
            do {
                loaded[parts[0]] = IAMUser(
                    name: parts[1], policy: try PolicyDocument(parsing: document, kind: .identity))
            } catch {
                throw ValidationError("--user \(text): \(parts[2]) is not a policy mock-s3 can enforce: \(error)")
            }
        }
        return loaded
    }

    func serverConfiguration(users loaded: [String: IAMUser] = [:]) -> MockS3Server.Configuration {
        var configuration = MockS3Server.Configuration()
        configuration.host = host
        configuration.port = port
        configuration.region = region
        configuration.dataDirectory = dataDirectory
        configuration.buckets = buckets
        configuration.defaultOwnership = objectOwnership
        configuration.extraLocationConstraints = locationConstraints
        configuration.seed = seed
        if slowDownRate > 0 { configuration.faults.slowDownRate["*"] = slowDownRate }
        if dropRate > 0 { configuration.faults.dropMidBodyRate["*"] = dropRate }
        configuration.faults.listBucketDenied = listDenied
        configuration.acceptAnyCredentials = acceptAnyCredentials
        configuration.control = adminToken.map(ControlAccess.token) ?? (admin ? .open : .off)
        if !accessKeys.isEmpty {
            var owners: [String: Account] = [:]
            for text in accounts {
                let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
                owners[parts[0]] = Account(id: parts[1], displayName: parts[2], email: parts.count > 3 ? parts[3] : nil)
            }
            configuration.credentials = zip(accessKeys, secretKeys).map {
                MockCredential(accessKeyId: $0, secretAccessKey: $1, account: owners[$0] ?? .mock, user: loaded[$0])
            }
        }
        return configuration
    }

    func run() async throws {
        let configuration = serverConfiguration(users: try loadUsers())
        let server: MockS3Server
        do {
            server = try await MockS3Server(configuration: configuration)
        } catch {
            throw CommandFailure("could not listen on \(host):\(port): \(error)", exitCode: 1)
        }
        // The mock's keys are test fixtures, not secrets: the whole environment a client needs is printed.
        let first = configuration.credentials[0]
        let control =
            switch configuration.control {
            case .off: "off (--admin or --admin-token to serve it)"
            case .open: "\(server.endpoint)/_mock/"
            case .token: "\(server.endpoint)/_mock/ (with the --admin-token)"
            }
        FileHandle.standardOutput.write(
            Data(
                """
                mock-s3 listening on \(server.endpoint) (region \(configuration.region))\(acceptAnyCredentials ? ", any key id accepted with itself as its secret" : "")
                control API: \(control)
                export AWS_ENDPOINT_URL_S3=\(server.endpoint) AWS_ACCESS_KEY_ID=\(first.accessKeyId) AWS_SECRET_ACCESS_KEY='\(first.secretAccessKey)' AWS_REGION=\(configuration.region)

                """.utf8))
        let usr1 = DispatchSource.makeSignalSource(signal: SIGUSR1)
        signal(SIGUSR1, SIG_IGN)
        usr1.setEventHandler { @Sendable [server] in
            let counts = Dictionary(grouping: server.journal.entries, by: \.operation).mapValues(\.count)
            let line = counts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            FileHandle.standardError.write(Data("mock-s3 requests: \(line)\n".utf8))
        }
        usr1.resume()
        await Termination.wait()
        usr1.cancel()
        try await server.stop()
    }
}
