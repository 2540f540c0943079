import Foundation
import S3Kit
import S3Wire

/// The data tree in a bucket: `{prefix}{track}/…/{file}.csv`. One LIST of a track (cached) finds
/// every file; when LIST is denied (a GET-only policy, anonymous public-read access), loads probe
/// the conventions' candidate keys (one-byte GETs), several at once, and take the first that exists in
/// `FileNaming.candidates` order.
public struct S3DataSource: DataSource {
    public let client: S3Client
    public let bucket: String
    public let prefix: String
    private let cache: ListingCache
    public var limits: LoadLimits
    public var name: String { "s3://\(bucket)/\(prefix)" }

    /// `ttl`: how long a track's listing is trusted before it is listed again.
    public init(
        client: S3Client, bucket: String, prefix: String = "data/", ttl: TimeInterval = 300,
        limits: LoadLimits = .standard
    ) {
        self.client = client
        self.limits = limits
        self.bucket = bucket
        self.prefix = prefix.isEmpty || prefix.hasSuffix("/") ? prefix : prefix + "/"
        cache = ListingCache(ttl: ttl)
    }

    /// Forgets cached listings (after an upload, say).
    public func invalidate() async { await cache.clear() }

    public func trackListing() async throws(DataError) -> TrackListing {
        do {
            let listing = try await client.listAll(bucket: bucket, prefix: prefix, delimiter: "/")
            return TrackListing(
                names: listing.commonPrefixes.map { String($0.dropFirst(prefix.count).dropLast()) }.filter {
                    !$0.isEmpty
                })
        } catch {
            loaderLog.debug("listing tracks in \(name) failed: \(error)")
            throw .storage(error)
        }
    }

    /// A track's keys relative to it, or the refusal to list them.
    private enum TrackKeys {
        case keys([String])
        case denied(S3Error)
    }

    /// From the cache or one listing; a denied LIST is an answer, not an error, for loads.
    private func files(track: String) async throws(DataError) -> TrackKeys {
        try FileNaming.validateTrack(track)
        if let cached = await cache.get(track) { return .keys(cached) }
        let base = "\(prefix)\(track)/"
        do {
            let keys = try await client.listAll(bucket: bucket, prefix: base).objects.map {
                String($0.key.dropFirst(base.count))
            }
            await cache.put(track, keys)
            return .keys(keys)
        } catch let error where error.code == "AccessDenied" {
            loaderLog.notice("listing \(base) is denied; loads will try the known naming conventions with GETs")
            return .denied(error)
        } catch {
            loaderLog.debug("listing \(base) failed: \(error)")
            throw .storage(error)
        }
    }

    /// Session discovery needs LIST: when it is denied, that is the answer (never "no sessions").
    public func sessions(track: String) async throws(DataError) -> [Session]? {
        switch try await files(track: track) {
        case .keys(let files): return files.isEmpty ? nil : FileNaming.sessions(files)
        case .denied(let error): throw .storage(error)
        }
    }

    /// The file a load would read. With LIST denied that is not a listing's answer but the first
    /// candidate key that exists, nil when none does.
    public func locate(track: String, session: Session, kind: TableKind) async throws(DataError) -> String? {
        if case .keys(let files) = try await files(track: track) {
            return FileNaming.choose(files, session: session, kind: kind)
        }
        let candidates = FileNaming.candidates(track: track, session: session, kind: kind)
        return try await firstExisting(candidates, from: 0, track: track).map { candidates[$0] }
    }

    /// Probes in flight at once, at most, while candidates are tried: hundreds of keys asked one by one
    /// would cost a round trip each.
    static let probeConcurrency = 8

    /// The index of the first of `candidates` from `start` that exists (what asking them one by one
    /// would find, and the same errors). Asked in rounds of 1, 2, 4, then `probeConcurrency` keys at
    /// once: a key near the front (the usual case) costs few wasted probes, a long miss few round trips.
    private func firstExisting(_ candidates: [String], from start: Int, track: String) async throws(DataError) -> Int? {
        let anonymousMisses = candidates.count > 1
        var start = start
        var width = 1
        while start < candidates.endIndex {
            let window = start..<min(start + width, candidates.endIndex)
            width = min(width * 2, Self.probeConcurrency)
            let answers = await withTaskGroup(of: (Int, Result<Bool, S3Error>).self) { group in
                for index in window {
                    let key = "\(prefix)\(track)/\(candidates[index])"
                    group.addTask {
                        do throws(S3Error) {
                            return (index, .success(try await client.objectExists(bucket: bucket, key: key)))
                        } catch {
                            return (index, .failure(error))
                        }
                    }
                }
                var answers: [Int: Result<Bool, S3Error>] = [:]
                for await (index, answer) in group { answers[index] = answer }
                return answers
            }
            for index in window {
                switch answers[index]! {
                case .success(true): return index
                case .success(false): continue
                // Anonymous callers get AccessDenied for missing keys too.
                case .failure(let error) where error.code == "AccessDenied" && anonymousMisses: continue
                case .failure(let error):
                    loaderLog.debug("probing s3://\(bucket)/\(prefix)\(track)/\(candidates[index]) failed: \(error)")
                    throw .storage(error)
                }
            }
            start = window.upperBound
        }
        return nil
    }

    private func fetch(_ key: String) async throws(DataError) -> ObjectParts? {
        do { return try await client.getObjectInParts(bucket: bucket, key: key) } catch { throw .storage(error) }
    }

    public func load(track: String, session: Session, kind: TableKind, filter: TelemetryFilter) async throws(DataError)
        -> LoadedTable?
    {
        let candidates: [String]
        let listed: Bool
        if case .keys(let files) = try await files(track: track) {
            guard let chosen = FileNaming.choose(files, session: session, kind: kind) else {
                loaderLog.info("no \(kind) file for \(track) \(session) in \(name)")
                return nil
            }
            candidates = [chosen]
            listed = true
        } else {
            candidates = FileNaming.candidates(track: track, session: session, kind: kind)
            listed = false
        }
        var next = candidates.startIndex
        while next < candidates.endIndex {
            var index = next
            if !listed {
                guard let found = try await firstExisting(candidates, from: next, track: track) else { break }
                index = found
            }
            next = index + 1
            let relative = candidates[index]
            let key = "\(prefix)\(track)/\(relative)"
            let object: ObjectParts?
            do {
                object = try await client.getObjectInParts(bucket: bucket, key: key)
            } catch {
                loaderLog.debug("reading s3://\(bucket)/\(key) failed: \(error)")
                throw .storage(error)
            }
            // Gone since the listing or the probe: the next candidate, if any.
            guard let first = object else { continue }
            var reads = 0
            let table = try await TableAssembler.assemble(
                source: "s3://\(bucket)/\(key)", kind: kind, filter: filter, limits: limits,
                expectedBytes: Int(exactly: first.head.size)
            ) {
                (assembler: inout TableAssembler) throws(DataError) in
                reads += 1
                // A second read (a column turned out to be text) fetches the object again.
                guard let object = reads == 1 ? first : try await fetch(key) else {
                    throw .storage(
                        .invalidResponse(
                            operation: .getObject, detail: "s3://\(bucket)/\(key) disappeared while it was read"))
                }
                do {
                    for try await chunk in object { try assembler.feed(chunk) }
                } catch let error as DataError {
                    throw error
                } catch let error as S3Error {
                    throw .storage(error)
                } catch {
                    throw .storage(
                        .transport(
                            TransportError(.other, endpoint: client.configuration.endpoint.host, detail: "\(error)"),
                            operation: .getObject, attempts: 1))
                }
            }
            if table.names.isEmpty { loaderLog.warning("s3://\(bucket)/\(key) is empty") }
            return LoadedTable(location: "\(track)/\(relative)", table: table)
        }
        loaderLog.info("no \(kind) object for \(track) \(session) in \(name) after \(candidates.count) candidate keys")
        return nil
    }
}

/// Track listings, kept for `ttl` seconds.
actor ListingCache {
    private let ttl: TimeInterval
    private var entries: [String: (keys: [String], at: Date)] = [:]

    init(ttl: TimeInterval) { self.ttl = ttl }

    func get(_ track: String) -> [String]? {
        guard let entry = entries[track], Date().timeIntervalSince(entry.at) < ttl else { return nil }
        return entry.keys
    }

    func put(_ track: String, _ keys: [String]) { entries[track] = (keys, Date()) }
    func clear() { entries.removeAll() }
}
