import Foundation
import RaceDataTesting
import MockS3Server
import RaceData
import S3Kit
import S3Wire

/// 1. Upload preserves directory structure.
struct UploadPreservesStructure: RaceProperty {
    let number = 1
    let title = "upload preserves directory structure"

    func check(seed: UInt64, context: PropertyContext) async throws {
        let tree = TreeCase(seed: seed)
        let folder = try context.caseFolder(number, seed)
        defer { try? FileManager.default.removeItem(at: folder) }
        try tree.write(to: folder)
        let prefix = context.casePrefix(number, seed)
        let description = "files \(tree.files.map(\.path)), junk \(tree.junk), empty folders \(tree.emptyFolders)"
        var options = Uploader.Options()
        options.prefix = prefix
        options.acl = nil
        options.concurrency = 4
        let report = try await Uploader(client: context.client, bucket: context.bucket, options: options).upload(directory: folder)
        try require(report.succeeded, "upload failed: \(report.failed)", case: description)
        let keys = try await context.client.listAll(bucket: context.bucket, prefix: prefix).objects.map(\.key)
        let expected = Set(tree.files.map { prefix + $0.path })
        try require(Set(keys) == expected && keys.count == expected.count,
                    "the bucket holds \(Set(keys).subtracting(expected)) beyond and lacks \(expected.subtracting(keys))", case: description)
        for key in keys {
            let relative = String(key.dropFirst(prefix.count))
            try require(!relative.contains("..") && !relative.contains("//") && !relative.hasPrefix("/"), "bad key \(key)", case: description)
        }
        for (path, bytes) in tree.files {
            let stored = try await context.client.getObjectBytes(bucket: context.bucket, key: prefix + path)
            try require(stored == bytes, "\(path) differs in the bucket", case: description)
        }
        // Junk is reported: each file, or the __MACOSX folder that holds it.
        let expectedJunk = Set(tree.junk.map { path in
            path.range(of: "__MACOSX").map { String(path[..<$0.upperBound]) } ?? path
        })
        try require(Set(report.junk) == expectedJunk, "junk reported \(report.junk), expected \(expectedJunk.sorted())", case: description)
        try await context.clean(prefix)
    }
}

/// 2. Configuration determines the data source.
struct ConfigurationChoosesSource: RaceProperty {
    let number = 2
    let title = "configuration determines the data source"
    var readOnlyCapable: Bool { true }

    static let trueValues = ["true", "TRUE", "True", "1", "yes", "YES", "on", "On"]
    static let falseValues = ["false", "FALSE", "0", "no", "No", "off", "OFF", ""]
    static let garbage = ["maybe", "2", "tru", "yes please", "enable", "t", "y", "nope", "-1", "1.0", "ja"]

    func check(seed: UInt64, context: PropertyContext) async throws {
        var random = SeededGenerator(seed: seed)
        var environment: [String: String] = ["AWS_ACCESS_KEY_ID": "AKIAPROPERTY0000002", "AWS_SECRET_ACCESS_KEY": "property-secret"]
        let kind = random.int(0...3)
        var raw: String?
        if kind == 0 { raw = nil } else {
            raw = random.pick(kind == 1 ? Self.trueValues : kind == 2 ? Self.falseValues : Self.garbage)
            let pad = [" ", "\t", "", "  "]
            raw = random.pick(pad) + raw! + random.pick(pad)
            environment["USE_S3_DATA"] = raw
        }
        let bucket = random.chance(0.6) ? "bucket-\(random.int(0...99))" : nil
        if let bucket { environment["S3_BUCKET_NAME"] = random.chance(0.2) ? " \(bucket) " : bucket }
        if random.chance(0.3) { environment["DATA_DIR"] = "/srv/race \(random.int(0...9))" }
        let description = "USE_S3_DATA=\(raw.map { "\"\($0)\"" } ?? "unset"), S3_BUCKET_NAME=\(bucket ?? "unset"), DATA_DIR=\(environment["DATA_DIR"] ?? "unset")"
        // The oracle: SPEC.md's table, written out independently of DataConfiguration.
        let trimmed = raw?.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        enum Expected: Equatable { case local, s3, error }
        let expected: Expected = switch trimmed {
        case nil, "false"?, "0"?, "no"?, "off"?, ""?: .local
        case "true"?, "1"?, "yes"?, "on"?: bucket == nil ? .error : .s3
        default: .error
        }
        var outcome: Expected
        var message = ""
        do {
            let configuration = try DataConfiguration.fromEnvironment(environment)
            switch configuration.choice {
            case .local(let root):
                outcome = .local
                try require(root == (environment["DATA_DIR"] ?? "./data"), "local root \(root)", case: description)
            case .s3(let b, let prefix):
                outcome = .s3
                try require(b == bucket && prefix == "data/", "bucket \(b), prefix \(prefix)", case: description)
            }
        } catch let error as DataError {
            outcome = .error
            message = "\(error)"
        }
        try require(outcome == expected, "chose \(outcome), SPEC.md says \(expected)", case: description)
        if outcome == .error {
            let named = message.contains("S3_BUCKET_NAME") || message.contains("true, 1, yes or on")
            try require(named, "the error does not say what to set: \(message)", case: description)
        }
    }
}

/// 3. Not found is nil (and nothing else is).
struct NotFoundIsNil: RaceProperty {
    let number = 3
    let title = "not found is nil"
    var readOnlyCapable: Bool { true }

    func check(seed: UInt64, context: PropertyContext) async throws {
        var random = SeededGenerator(seed: seed)
        let prefix = context.readOnly ? context.dataPrefix ?? "data/" : context.prefix + "p3-dataset/"
        let source = S3DataSource(client: context.client, bucket: context.bucket, prefix: prefix)
        if !context.readOnly, try await context.client.listObjectsV2(bucket: context.bucket, prefix: prefix, maxKeys: 1).objects.isEmpty {
            try await uploadGenerated(seed: 3, layouts: 2, context: context, prefix: prefix)
        }
        let tracks = try await source.tracks()
        guard !tracks.isEmpty else { throw PropertyFailure("no tracks under \(prefix) to test against", case: "seed \(seed)") }
        let missingTrack = "no track \(random.namePart()) \(random.int(0...9999))"
        let track = random.pick(tracks)
        let missingSession = Session("R\(random.int(13...99))")!
        let kind = random.pick([TableKind.lap(.lapStart), .lap(.lapEnd), .lap(.lapTime), .telemetry])
        let key = prefix + track + "/missing \(random.namePart()) \(seed).csv"
        let description = "missing track \"\(missingTrack)\", \(track) \(missingSession) \(kind), key \(key)"
        try require(try await source.sessions(track: missingTrack) == nil, "sessions of a missing track", case: description)
        try require(try await source.load(track: missingTrack, session: Session("R1")!, kind: kind, filter: .all) == nil, "load of a missing track", case: description)
        try require(try await source.load(track: track, session: missingSession, kind: kind, filter: .all) == nil, "load of a missing session", case: description)
        try require(try await context.client.getObject(bucket: context.bucket, key: key) == nil, "GET of a missing key", case: description)
        try require(try await context.client.headObject(bucket: context.bucket, key: key) == nil, "HEAD of a missing key", case: description)
        guard let mock = context.mock else { return }
        // With LIST denied every candidate is tried before the answer is nil.
        var plan = FaultPlan()
        plan.listBucketDenied = true
        mock.setFaults(plan)
        defer { mock.setFaults(FaultPlan()) }
        let getOnly = S3DataSource(client: context.client, bucket: context.bucket, prefix: prefix)
        let before = mock.journal.entries(operation: "GetObject").count
        try require(try await getOnly.load(track: track, session: missingSession, kind: kind, filter: .all) == nil,
                    "load with LIST denied", case: description)
        let tried = mock.journal.entries(operation: "GetObject").count - before
        let candidates = FileNaming.candidates(track: track, session: missingSession, kind: kind).count
        try require(tried == candidates, "\(tried) GETs for \(candidates) candidates", case: description)
        // Any other failure is an error, not nil.
        plan = FaultPlan()
        plan.rejectAllCredentials = true
        mock.setFaults(plan)
        let rejected = S3DataSource(client: context.client, bucket: context.bucket, prefix: prefix)
        do {
            _ = try await rejected.load(track: track, session: missingSession, kind: kind, filter: .all)
            throw PropertyFailure("rejected credentials gave nil instead of an error", case: description)
        } catch is DataError {}
    }
}

/// 4. Alternative patterns are tried.
struct AlternativePatterns: RaceProperty {
    let number = 4
    let title = "alternative patterns are tried"
    var readOnlyCapable: Bool { true }

    func check(seed: UInt64, context: PropertyContext) async throws {
        if context.readOnly {
            // Whatever convention a deployed track uses, each of its sessions has all four tables,
            // and the file chosen names that session and table (the rule checked a second way).
            let (source, track) = try await context.deployedTrack(seed: seed)
            for session in try await source.sessions(track: track) ?? [] {
                for (kind, words) in [(TableKind.lap(.lapStart), ["lap", "start"]), (.lap(.lapEnd), ["lap", "end"]), (.lap(.lapTime), ["lap", "time"])] {
                    guard let path = try await source.locate(track: track, session: session, kind: kind) else {
                        throw PropertyFailure("no \(kind) file found", case: "deployed track \(track) \(session)")
                    }
                    try require(SessionDiscovery.oracle([path], words: words) == [session.number],
                                "\(path) was chosen for \(kind) of \(session)", case: "deployed track \(track)")
                }
            }
            return
        }
        let convention = Convention.make(seed: seed)
        let prefix = context.casePrefix(number, seed)
        let kinds: [TableKind] = [.lap(.lapStart), .lap(.lapEnd), .lap(.lapTime), .telemetry]
        var contents: [TableKind: [UInt8]] = [:]
        for (i, kind) in kinds.enumerated() {
            let bytes = sampleCSV(kind, rows: 2 + i, seed: seed &+ UInt64(i))
            contents[kind] = bytes
            _ = try await context.client.putObject(bucket: context.bucket, key: prefix + convention.track + "/" + convention.path(kind, session: 1),
                                                   body: .bytes(bytes))
        }
        // A distractor: junk with the same name must never be chosen.
        _ = try await context.client.putObject(bucket: context.bucket, key: prefix + convention.track + "/" + convention.folder(1) + "._" + convention.fileName(.lap(.lapTime), session: 1),
                                               body: .bytes([0, 5, 22, 7]))
        let description = convention.description
        let source = S3DataSource(client: context.client, bucket: context.bucket, prefix: prefix)
        let journalBefore = context.mock?.journal.entries.count ?? 0
        for kind in kinds {
            let loaded = try await source.load(track: convention.track, session: Session("R1")!, kind: kind, filter: .all)
            try require(loaded?.location == "\(convention.track)/\(convention.path(kind, session: 1))",
                        "\(kind) found at \(loaded?.location ?? "nothing")", case: description)
            try require(loaded?.table.rowCount == 2 + kinds.firstIndex(of: kind)!, "\(kind) has the wrong rows", case: description)
        }
        if let mock = context.mock {
            let operations = mock.journal.entries.dropFirst(journalBefore).map(\.operation)
            try require(operations.filter { $0 == "ListObjectsV2" }.count == 1 && operations.filter { $0 == "GetObject" }.count == kinds.count,
                        "loads cost \(operations), not one LIST plus one GET each", case: description)
            if convention.derivable {
                var plan = FaultPlan()
                plan.listBucketDenied = true
                mock.setFaults(plan)
                defer { mock.setFaults(FaultPlan()) }
                let getOnly = S3DataSource(client: context.client, bucket: context.bucket, prefix: prefix)
                for kind in kinds {
                    let loaded = try await getOnly.load(track: convention.track, session: Session("R1")!, kind: kind, filter: .all)
                    try require(loaded?.location == "\(convention.track)/\(convention.path(kind, session: 1))",
                                "with LIST denied \(kind) found at \(loaded?.location ?? "nothing")", case: description)
                }
            }
        }
        try await context.clean(prefix)
    }
}

/// 5. Track discovery lists all subdirectories.
struct TrackDiscovery: RaceProperty {
    let number = 5
    let title = "track discovery lists all subdirectories"
    var readOnlyCapable: Bool { true }

    func check(seed: UInt64, context: PropertyContext) async throws {
        if context.readOnly { return try await checkDeployed(seed: seed, context: context) }
        var random = SeededGenerator(seed: seed)
        let count = random.chance(0.05) ? random.int(1001...1100) : random.int(0...30)
        var tracks: Set<String> = []
        while tracks.count < count {
            tracks.insert("\(random.namePart()) \(random.int(0...99999))")
        }
        let prefix = context.casePrefix(number, seed)
        let list = Array(tracks)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for start in stride(from: 0, to: list.count, by: 100) {
                let part = list[start..<min(start + 100, list.count)]
                group.addTask {
                    for (i, track) in part.enumerated() {
                        let key = i % 3 == 0 ? "\(prefix)\(track)/Race 1/x.csv" : "\(prefix)\(track)/x.csv"
                        _ = try await context.client.putObject(bucket: context.bucket, key: key, body: .bytes([1]))
                    }
                }
            }
            try await group.waitForAll()
        }
        if random.chance(0.5) { _ = try await context.client.putObject(bucket: context.bucket, key: prefix + "loose file.csv", body: .bytes([1])) }
        let found = try await S3DataSource(client: context.client, bucket: context.bucket, prefix: prefix).tracks()
        try require(Set(found) == tracks && found.count == tracks.count,
                    "found \(found.count) tracks for \(tracks.count); extra \(Set(found).subtracting(tracks).prefix(3)), missing \(tracks.subtracting(found).prefix(3))",
                    case: "\(tracks.count) tracks, e.g. \(Array(tracks.prefix(3)))")
        try await context.clean(prefix)
    }
}

extension TrackDiscovery {
    /// On a deployment: the tracks equal the first-level folders of a full listing (no delimiter),
    /// worked out here independently of the loader. The answer is the same for every seed, so one
    /// case does the work.
    func checkDeployed(seed: UInt64, context: PropertyContext) async throws {
        let prefix = context.dataPrefix ?? "data/"
        let keys = try await context.client.listAll(bucket: context.bucket, prefix: prefix).objects.map(\.key)
        var folders: Set<String> = []
        for key in keys {
            let rest = key.dropFirst(prefix.count)
            if let slash = rest.firstIndex(of: "/"), slash != rest.startIndex { folders.insert(String(rest[..<slash])) }
        }
        let found = try await S3DataSource(client: context.client, bucket: context.bucket, prefix: prefix).tracks()
        try require(Set(found) == folders && found.count == folders.count, "tracks \(found) but folders \(folders.sorted())",
                    case: "the deployed bucket under \(prefix)")
    }
}

/// 6. Session discovery extracts sessions from file names.
struct SessionDiscovery: RaceProperty {
    let number = 6
    let title = "session discovery extracts from file names"
    var readOnlyCapable: Bool { true }

    /// The rule written a second way, for deployed data: a CSV whose name starts or ends with the
    /// session word and has "lap start" (or "lap time") as words; junk excluded.
    static func oracle(_ keys: [String], words kind: [String]) -> [Int] {
        var sessions: Set<Int> = []
        for key in keys {
            let name = key.split(separator: "/").last.map(String.init) ?? ""
            guard name.lowercased().hasSuffix(".csv"), !name.hasPrefix("._"), !key.contains("__MACOSX/") else { continue }
            let words = name.dropLast(4).lowercased().components(separatedBy: CharacterSet(charactersIn: "_- ."))
                .filter { !$0.isEmpty }
            let hasKind = zip(words, words.dropFirst()).contains { [$0, $1] == kind }
            for word in [words.first, words.last].compactMap({ $0 }) where hasKind {
                if word.hasPrefix("r"), let n = Int(word.dropFirst()), n > 0, word.count <= 4 { sessions.insert(n); break }
            }
        }
        return sessions.sorted()
    }

    func check(seed: UInt64, context: PropertyContext) async throws {
        if context.readOnly {
            // A track chosen by the seed; its sessions against the rule written a second way.
            let (source, track) = try await context.deployedTrack(seed: seed)
            let keys = try await context.client.listAll(bucket: context.bucket, prefix: "\(source.prefix)\(track)/").objects.map(\.key)
            let starts = Self.oracle(keys, words: ["lap", "start"])
            let expected = (starts.isEmpty ? Self.oracle(keys, words: ["lap", "time"]) : starts).map { Session("R\($0)")! }
            let found = try await source.sessions(track: track) ?? []
            try require(found == expected, "sessions \(found.map(\.token)), the rule says \(expected.map(\.token))", case: "deployed track \(track)")
            return
        }
        var random = SeededGenerator(seed: seed)
        let sessions = (1...12).filter { _ in random.chance(0.4) }.ifEmpty([random.int(1...12)])
        let withStarts = random.chance(0.7)
        let prefix = context.casePrefix(number, seed)
        let folder = try context.caseFolder(number, seed)
        defer { try? FileManager.default.removeItem(at: folder) }
        var track = ""
        var paths: [String] = []
        for n in sessions {
            let convention = Convention.make(seed: seed &+ UInt64(n))
            track = track.isEmpty ? convention.track : track
            paths.append(convention.path(.lap(.lapTime), session: n))
            if withStarts { paths.append(convention.path(.lap(.lapStart), session: n)) }
            if withStarts && random.chance(0.3) { paths.append(convention.path(.lap(.lapTime), session: n + 12)) } // lap times alone do not count
        }
        paths.append("._R99_\(track)_lap_start.csv")
        paths.append("99_Best 10 Laps By Driver_Race 1_Anonymized.CSV")
        for path in paths {
            let bytes = sampleCSV(.lap(.lapTime), rows: 1, seed: seed)
            let url = folder.appendingPathComponent(track).appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: url)
            _ = try await context.client.putObject(bucket: context.bucket, key: "\(prefix)\(track)/\(path)", body: .bytes(bytes))
        }
        let expected = sessions.map { Session("R\($0)")! }
        let description = "track \(track), sessions \(sessions), lap-start files \(withStarts), files \(paths)"
        let local = try await LocalDataSource(root: folder).sessions(track: track)
        let remote = try await S3DataSource(client: context.client, bucket: context.bucket, prefix: prefix).sessions(track: track)
        try require(local == expected, "local sessions \(local?.map(\.token) ?? [])", case: description)
        try require(remote == expected, "S3 sessions \(remote?.map(\.token) ?? [])", case: description)
        try await context.clean(prefix)
    }
}

extension Array {
    func ifEmpty(_ fallback: [Element]) -> [Element] { isEmpty ? fallback : self }
}

/// 7. Invalid credentials give clear errors.
struct InvalidCredentials: RaceProperty {
    let number = 7
    let title = "invalid credentials give clear errors"
    var readOnlyCapable: Bool { true }

    /// A temporary key pair the mock knows as expired.
    public static let expired = MockCredential(accessKeyId: "ASIAEXPIREDPROPERTY7", secretAccessKey: "expired/secret", sessionToken: "expired-token", expired: true)

    func check(seed: UInt64, context: PropertyContext) async throws {
        var random = SeededGenerator(seed: seed)
        guard let good = context.client.configuration.credentials else { return }
        // Without the mock: the failures any S3 judges, on calls that write nothing.
        let failure = context.mock == nil ? random.pick(["unknown key", "wrong secret", "skewed clock"])
            : random.pick(["unknown key", "wrong secret", "expired token", "skewed clock", "no credentials"])
        let operation = context.readOnly ? random.pick(["list", "get", "head"]) : random.pick(["list", "get", "head", "put", "upload"])
        let secret = "s3cr3t-\(random.int(100_000...999_999))/x"
        var now: @Sendable () -> Date = { Date() }
        let credentials: Credentials? = switch failure {
        case "unknown key": Credentials(accessKeyId: "AKIAUNKNOWN\(random.int(100_000_000...999_999_999))", secretAccessKey: secret)
        case "wrong secret": Credentials(accessKeyId: good.accessKeyId, secretAccessKey: secret)
        case "expired token": Credentials(accessKeyId: Self.expired.accessKeyId, secretAccessKey: Self.expired.secretAccessKey, sessionToken: Self.expired.sessionToken)
        case "skewed clock": good
        default: nil
        }
        if failure == "skewed clock" {
            let skew = Double(random.pick([-1, 1]) * random.int(16 * 60...48 * 3600))
            now = { Date().addingTimeInterval(skew) }
        }
        let client = context.client(credentials: credentials, now: now, retry: RetryPolicy(maxAttempts: 4, baseDelay: 0.001))
        let prefix = context.readOnly ? (context.dataPrefix ?? "data/") : context.casePrefix(number, seed)
        let description = "\(failure), \(operation)"
        let before = context.mock?.journal.entries.count ?? 0
        var message = ""
        do {
            switch operation {
            case "list": _ = try await client.listObjectsV2(bucket: context.bucket, prefix: prefix)
            case "get": _ = try await client.getObject(bucket: context.bucket, key: prefix + "x.csv")
            case "head": _ = try await client.headObject(bucket: context.bucket, key: prefix + "x.csv")
            case "put": _ = try await client.putObject(bucket: context.bucket, key: prefix + "x.csv", body: .bytes([1]))
            default:
                let folder = try context.caseFolder(number, seed)
                defer { try? FileManager.default.removeItem(at: folder) }
                try TreeCase(seed: seed).write(to: folder)
                var options = Uploader.Options()
                options.prefix = prefix
                _ = try await Uploader(client: client, bucket: context.bucket, options: options).upload(directory: folder)
            }
            // Anonymous HEAD/GET of a missing key answers 403, which the client may map to nil for HEAD.
            if !(failure == "no credentials" && operation == "head") {
                throw PropertyFailure("the call succeeded", case: description)
            }
        } catch let error as S3Error {
            message = "\(error)"
        }
        if let mock = context.mock {
            let requests = mock.journal.entries.dropFirst(before)
            try require(!requests.contains { $0.operation == "PutObject" && $0.status == 200 }, "something was uploaded", case: description)
            // Fails fast: the call's own request is sent once (a HEAD may be followed by one diagnostic GET).
            let primary = ["list": "ListObjectsV2", "get": "GetObject", "head": "HeadObject", "put": "PutObject", "upload": "HeadBucket"][operation]!
            let attempts = requests.filter { $0.operation == primary }.count
            try require(attempts == 1, "\(attempts) \(primary) requests: an auth failure was retried", case: description)
        }
        if failure == "no credentials" && operation == "head" { return }
        let fix: [String: String] = ["unknown key": "AWS_ACCESS_KEY_ID", "wrong secret": "AWS_SECRET_ACCESS_KEY",
                                     "expired token": "AWS_SESSION_TOKEN", "skewed clock": "clock", "no credentials": "s3:"]
        try require(message.contains(fix[failure]!), "the message does not say what to do: \(message)", case: description)
        try require(!message.contains(secret) && !message.contains(good.secretAccessKey) && !message.contains(Self.expired.secretAccessKey),
                    "a secret is in the message", case: description)
        if let id = credentials?.accessKeyId {
            try require(!message.contains(id), "the full access key id is in the message", case: description)
        }
    }
}

/// 8. Data is the same from both sources.
struct SameDataFromBothSources: RaceProperty {
    let number = 8
    let title = "data is the same from both sources"

    func check(seed: UInt64, context: PropertyContext) async throws {
        let prefix = context.casePrefix(number, seed)
        let folder = try context.caseFolder(number, seed)
        defer { try? FileManager.default.removeItem(at: folder) }
        var random = SeededGenerator(seed: seed)
        try await uploadGenerated(seed: seed, layouts: random.int(1...3), context: context, prefix: prefix, local: folder)
        let local = LocalDataSource(root: folder)
        let remote = S3DataSource(client: context.client, bucket: context.bucket, prefix: prefix)
        let description = "generated dataset, seed \(seed)"
        let tracks = try await local.tracks()
        try require(try await remote.tracks() == tracks, "tracks differ", case: description)
        for track in tracks {
            let sessions = try await local.sessions(track: track)
            try require(try await remote.sessions(track: track) == sessions, "\(track) sessions differ", case: description)
            for session in sessions ?? [] {
                for kind in [TableKind.lap(.lapStart), .lap(.lapEnd), .lap(.lapTime), .telemetry] {
                    let a = try await local.load(track: track, session: session, kind: kind, filter: .all)
                    let b = try await remote.load(track: track, session: session, kind: kind, filter: .all)
                    try require(a != nil && a == b, "\(track) \(session) \(kind) differs", case: description)
                }
            }
        }
        try await context.clean(prefix)
    }
}

/// A generated dataset (a few of the seven layouts, small sizes) uploaded with the real uploader.
func uploadGenerated(seed: UInt64, layouts count: Int, context: PropertyContext, prefix: String, local: URL? = nil) async throws {
    var random = SeededGenerator(seed: seed)
    var generator = DatasetGenerator(seed: seed)
    generator.sessions = random.int(1...3)
    generator.cars = random.int(1...3)
    generator.laps = random.int(1...4)
    generator.telemetryRowsPerLap = random.int(1...5)
    var layouts = TrackLayout.hackTheTrack
    layouts.shuffle(using: &random)
    let folder = local ?? context.scratch.appendingPathComponent("dataset-\(seed)")
    try generator.write(to: folder, layouts: Array(layouts.prefix(count)))
    defer { if local == nil { try? FileManager.default.removeItem(at: folder) } }
    var options = Uploader.Options()
    options.prefix = prefix
    options.acl = nil
    let report = try await Uploader(client: context.client, bucket: context.bucket, options: options).upload(directory: folder)
    guard report.succeeded else { throw PropertyFailure("upload failed: \(report.failed)", case: "dataset seed \(seed)") }
}
