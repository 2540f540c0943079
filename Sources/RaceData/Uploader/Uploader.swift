import Foundation
import Logging
import S3Kit
import S3Wire

/// Uploads a local data tree to `{prefix}{track}/{path inside it}`: junk skipped and reported,
/// symbolic links not followed, files in parallel, large ones as multipart uploads read straight
/// from the file, unchanged objects skipped, every failure reported with its reason.
public struct Uploader: Sendable {
    public struct Options: Sendable {
        public var prefix = "data/"
        public var concurrency = 8
        /// Files from this size go multipart.
        public var multipartThreshold: UInt64 = 64 << 20
        public var partSize: UInt64 = 16 << 20
        /// Parts of one file in flight at once (memory stays bounded by these, not by the file).
        public var partConcurrency = 4
        /// A canned ACL for every object; nil sends none. A bucket with ACLs disabled gets one
        /// warning and the upload goes on without it.
        public var acl: String? = "public-read"
        /// Upload even what is already there unchanged.
        public var force = false
        /// Remembers local files' content tags between runs (nil: every re-run hashes what it compares).
        public var tagCache: ContentTagCache?
        public init() {}
    }

    public struct PlannedFile: Sendable, Equatable {
        public var path: String
        public var key: String
        public var size: UInt64
        public var modified: Date
    }

    public struct Plan: Sendable {
        public var files: [PlannedFile] = []
        public var junk: [String] = []
        public var problems: [(path: String, reason: String)] = []
        public var bytes: UInt64 { files.reduce(0) { $0 + $1.size } }
    }

    public struct Report: Sendable {
        public var uploaded: [String] = []
        public var unchanged: [String] = []
        public var junk: [String] = []
        public var failed: [(path: String, reason: String)] = []
        public var bytesUploaded: UInt64 = 0
        /// Files read to compare them with what S3 holds (the others' tags came from the cache).
        public var filesHashed = 0
        public var seconds: TimeInterval = 0
        public var warnings: [String] = []
        public var succeeded: Bool { failed.isEmpty }
    }

    public struct Progress: Sendable {
        public var filesDone: Int
        public var filesTotal: Int
        public var bytesDone: UInt64
        public var bytesTotal: UInt64
    }

    public let client: S3Client
    public let bucket: String
    public let options: Options

    public init(client: S3Client, bucket: String, options: Options = Options()) {
        self.client = client
        self.bucket = bucket
        self.options = options
    }

    var prefix: String {
        options.prefix.isEmpty || options.prefix.hasSuffix("/") ? options.prefix : options.prefix + "/"
    }

    /// Walks the tree: what would be uploaded, what is junk, what cannot be read.
    public func plan(directory: URL) -> Plan {
        var plan = Plan()
        let root = directory.standardizedFileURL
        FileTree.walk(
            root, unreadable: { plan.problems.append(($0.isEmpty ? root.path : $0, "folder cannot be read")) }
        ) { entry in
            guard let type = entry.type else {
                plan.problems.append((entry.path, "cannot be read"))
                return false
            }
            if FileNaming.isJunk(entry.path) {
                plan.junk.append(entry.path)
                return false
            }
            switch type {
            case .typeDirectory: return true
            case .typeRegular:
                guard access(entry.url.path, R_OK) == 0 else {
                    plan.problems.append((entry.path, "not readable (permissions)"))
                    return false
                }
                plan.files.append(
                    PlannedFile(
                        path: entry.url.path, key: prefix + entry.path,
                        size: entry.size, modified: entry.modified))
            case .typeSymbolicLink: plan.problems.append((entry.path, "symbolic link, not followed"))
            default: plan.problems.append((entry.path, "not a regular file"))
            }
            return false
        }
        plan.files.sort { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        return plan
    }

    /// Checks credentials and the bucket before anything is sent; the error says what to fix.
    public func preflight() async throws(S3Error) {
        try await client.headBucket(bucket)
    }

    public func upload(directory: URL, progress: (@Sendable (Progress) -> Void)? = nil) async throws(S3Error) -> Report
    {
        let started = Date()
        try await preflight()
        let plan = plan(directory: directory)
        var report = Report()
        report.junk = plan.junk
        report.failed = plan.problems.filter { !$0.reason.hasPrefix("symbolic link") }
        report.warnings = plan.problems.filter { $0.reason.hasPrefix("symbolic link") }.map {
            "\($0.path): \($0.reason)"
        }
        let state = UploadState(acl: options.acl, total: plan.files.count, bytes: plan.bytes, progress: progress)
        let remote = options.force ? nil : await remoteObjects(plan)
        await withTaskGroup(of: Void.self) { group in
            var next = 0
            func start() {
                guard next < plan.files.count else { return }
                let file = plan.files[next]
                next += 1
                group.addTask { await self.uploadOne(file, remote: remote, state: state) }
            }
            for _ in 0..<max(1, options.concurrency) { start() }
            while await group.next() != nil { start() }
        }
        let outcome = await state.outcome
        if let problem = options.tagCache?.save() {
            report.warnings.append("content tag cache: \(problem) (the next run hashes files again)")
        }
        report.uploaded = outcome.uploaded.sorted()
        report.unchanged = outcome.unchanged.sorted()
        report.failed += outcome.failed.sorted { $0.path < $1.path }
        report.bytesUploaded = outcome.bytes
        report.filesHashed = await state.filesHashed
        report.warnings += outcome.warnings
        report.seconds = Date().timeIntervalSince(started)
        return report
    }

    /// What the bucket holds of the planned keys (size and ETag), from one listing of the prefix as
    /// `aws s3 sync` does: a page per thousand keys instead of a HEAD per file. Nil when the listing
    /// fails (an uploader allowed PutObject but not s3:ListBucket): each file is then asked with a HEAD.
    private func remoteObjects(_ plan: Plan) async -> [String: (size: UInt64, etag: String)]? {
        guard !plan.files.isEmpty else { return [:] }
        let keys = Set(plan.files.map(\.key))
        do {
            let listing = try await client.listAll(bucket: bucket, prefix: prefix) { keys.contains($0.key) }
            return Dictionary(listing.objects.map { ($0.key, ($0.size, $0.etag)) }, uniquingKeysWith: { $1 })
        } catch {
            uploaderLog.debug("listing s3://\(bucket)/\(prefix) failed (\(error)); asking each key with HEAD")
            return nil
        }
    }

    /// An object is unchanged when its size and ETag match the local file's content tag: taken from the
    /// cache while the file's stat is the same, hashed from the file otherwise.
    private func isUnchanged(_ file: PlannedFile, remote: (size: UInt64, etag: String), state: UploadState) async
        -> Bool
    {
        guard remote.size == file.size, ContentTag.isMD5Shaped(remote.etag) else { return false }
        let threshold = options.multipartThreshold
        let partSize = options.partSize
        if let cached = options.tagCache?.tag(path: file.path, multipartThreshold: threshold, partSize: partSize) {
            return cached == remote.etag
        }
        await state.hashed()
        // Hashing a file (gigabytes, for telemetry) blocks: it runs on a dispatch thread, not on one of
        // the few threads every async task of the process shares.
        let local: String? = await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                continuation.resume(
                    returning: try? ContentTag.of(
                        path: file.path, size: file.size,
                        multipartThreshold: threshold, partSize: partSize))
            }
        }
        guard let local else { return false }
        options.tagCache?.remember(path: file.path, multipartThreshold: threshold, partSize: partSize, tag: local)
        return local == remote.etag
    }

    private func uploadOne(_ file: PlannedFile, remote: [String: (size: UInt64, etag: String)]?, state: UploadState)
        async
    {
        do {
            if !options.force, let existing = try await existing(file, remote: remote),
                await isUnchanged(file, remote: existing, state: state)
            {
                await state.finish(file, unchanged: true)
                return
            }
            let etag = try await put(file, state: state)
            // The body went with Content-MD5 or chunk signatures, so S3's ETag is the MD5 tag of exactly
            // the bytes read from the file: the next run can compare against it without reading them again.
            if ContentTag.isMD5Shaped(etag) {
                options.tagCache?.remember(
                    path: file.path, multipartThreshold: options.multipartThreshold,
                    partSize: options.partSize, tag: etag)
            }
            await state.finish(file, unchanged: false)
        } catch {
            await state.fail(file, "\(error)")
        }
    }

    /// The object at the file's key, from the listing when there is one.
    private func existing(_ file: PlannedFile, remote: [String: (size: UInt64, etag: String)]?) async throws(S3Error)
        -> (size: UInt64, etag: String)?
    {
        if let remote { return remote[file.key] }
        return try await client.headObject(bucket: bucket, key: file.key).map { ($0.size, $0.etag) }
    }

    private func put(_ file: PlannedFile, state: UploadState) async throws(S3Error) -> String {
        var acl = await state.acl
        while true {
            let put = PutOptions(
                contentType: file.key.lowercased().hasSuffix(".csv") ? "text/csv" : "application/octet-stream", acl: acl
            )
            do {
                if file.size >= options.multipartThreshold {
                    return try await multipart(file, put)
                }
                return try await client.putObject(
                    bucket: bucket, key: file.key, body: .file(path: file.path, offset: 0, length: file.size),
                    options: put
                ).etag
            } catch let error where error.code == "AccessControlListNotSupported" && acl != nil {
                await state.disableACL(bucket: bucket, acl: acl!)
                acl = nil
            }
        }
    }

    private func multipart(_ file: PlannedFile, _ put: PutOptions) async throws(S3Error) -> String {
        let id = try await client.createMultipartUpload(bucket: bucket, key: file.key, options: put)
        let ranges = stride(from: UInt64(0), to: file.size, by: Int(options.partSize)).enumerated().map {
            index, offset in
            (number: index + 1, offset: offset, length: min(options.partSize, file.size - offset))
        }
        do {
            let parts = try await withThrowingTaskGroup(of: CompletedPart.self) { group in
                var next = 0
                func start() {
                    guard next < ranges.count else { return }
                    let part = ranges[next]
                    next += 1
                    group.addTask {
                        try await client.uploadPart(
                            bucket: bucket, key: file.key, uploadId: id, partNumber: part.number,
                            body: .file(path: file.path, offset: part.offset, length: part.length))
                    }
                }
                for _ in 0..<max(1, options.partConcurrency) { start() }
                var done: [CompletedPart] = []
                while let part = try await group.next() {
                    done.append(part)
                    start()
                }
                return done
            }
            return try await client.completeMultipartUpload(bucket: bucket, key: file.key, uploadId: id, parts: parts)
                .etag
        } catch {
            // Leave no orphaned parts behind (they cost storage until aborted).
            try? await client.abortMultipartUpload(bucket: bucket, key: file.key, uploadId: id)
            throw (error as? S3Error)
                ?? .transport(
                    TransportError(.other, endpoint: client.configuration.endpoint.host, detail: "\(error)"),
                    operation: .uploadPart, attempts: 1)
        }
    }
}

/// What the parallel uploads share: the outcome so far and whether ACLs still go out.
actor UploadState {
    var acl: String?
    var outcome = (
        uploaded: [String](), unchanged: [String](), failed: [(path: String, reason: String)](), bytes: UInt64(0),
        warnings: [String]()
    )
    private(set) var filesHashed = 0
    private var done = 0
    private var bytesDone: UInt64 = 0
    private let total: Int
    private let bytesTotal: UInt64
    private let progress: (@Sendable (Uploader.Progress) -> Void)?

    init(acl: String?, total: Int, bytes: UInt64, progress: (@Sendable (Uploader.Progress) -> Void)?) {
        self.acl = acl
        self.total = total
        bytesTotal = bytes
        self.progress = progress
    }

    func disableACL(bucket: String, acl: String) {
        guard self.acl != nil else { return }
        self.acl = nil
        outcome.warnings.append(
            "Bucket \(bucket) has ACLs disabled (Object Ownership: bucket owner enforced), so \(acl) was not applied; objects were uploaded without an ACL. For public read access, add a bucket policy (see AWS_SETUP_GUIDE.md)."
        )
    }

    func finish(_ file: Uploader.PlannedFile, unchanged: Bool) {
        if unchanged {
            outcome.unchanged.append(file.key)
        } else {
            outcome.uploaded.append(file.key)
            outcome.bytes += file.size
        }
        step(file.size)
    }

    func hashed() { filesHashed += 1 }

    func fail(_ file: Uploader.PlannedFile, _ reason: String) {
        outcome.failed.append((file.path, reason))
        step(file.size)
    }

    private func step(_ bytes: UInt64) {
        done += 1
        bytesDone += bytes
        progress?(Uploader.Progress(filesDone: done, filesTotal: total, bytesDone: bytesDone, bytesTotal: bytesTotal))
    }
}

/// Made for each message, as `loaderLog` is.
var uploaderLog: Logger { Logger(label: "racedata.uploader") }
