import RaceDataTesting

/// Keys S3 allows and servers get wrong: separators, spaces, non-ASCII, characters URLs and XML treat
/// specially, case, and control characters (which XML 1.0 listings must escape).
public enum KeyPool {
    public static let keys: [String] = [
        "a", "a/b", "a/b/c", "a/c", "ab", "b/", "data/COTA/Race 1/R1_lap_time.csv", "space key", "ü/ñ.csv",
        "x+y=z", "100%", "%41", "a//b", "q?x=1", "hash#tag", "amp&lt;", "tilde~star*", "flag🏁", "Case", "case",
        "quote\"'", "tab\tkey", "cr\rkey", "lf\nkey", "<tag>",
    ]
    public static let prefixes: [String?] = [nil, "", "a", "a/", "data/", "ü", "c", "x+", "%"]
    public static let delimiters: [String?] = [nil, "/", "a", "+", "/b"]
    public static let maxKeys: [Int?] = [nil, 0, 1, 2, 3, 1000]
}

/// Sequences of S3 requests drawn from a seed: the same seed gives the same sequence on every machine.
public struct SequenceGenerator: Sendable {
    public var seed: UInt64
    public var length: Int

    public init(seed: UInt64, length: Int) {
        self.seed = seed
        self.length = length
    }

    public func steps() -> [Step] {
        var random = SeededGenerator(seed: seed &* 0x2545_F491_4F6C_DD1D)
        func pick(_ n: Int) -> Int { Int(random.next() % UInt64(max(n, 1))) }
        func chance(_ percent: Int) -> Bool { pick(100) < percent }
        func element<T>(_ list: [T]) -> T { list[pick(list.count)] }
        func key() -> Int { pick(KeyPool.keys.count) }
        // Mostly the first bucket, so steps meet the objects earlier steps made.
        func bucket() -> Int { chance(85) ? 0 : 1 }
        func pairs(_ names: [String], _ count: Int) -> [Step.Pair] {
            var seen = Set<String>()
            return (0..<count).compactMap { _ in
                let name = element(names)
                guard seen.insert(name).inserted else { return nil }
                return Step.Pair(name: name, value: element(["1", "blue", "ü ñ", "a=b", ""]))
            }
        }
        func listing() -> Step.Listing {
            Step.Listing(
                prefix: element(KeyPool.prefixes), delimiter: element(KeyPool.delimiters),
                maxKeys: element(KeyPool.maxKeys), after: chance(20) ? key() : nil, urlEncoding: chance(70))
        }
        func condition() -> Step.Condition? {
            switch pick(8) {
            case 0: .ifMatch(current: chance(60))
            case 1: .ifNoneMatch(current: chance(60))
            case 2: .ifModifiedSince(hoursFromNow: element([-48, 48]))
            case 3: .ifUnmodifiedSince(hoursFromNow: element([-48, 48]))
            default: nil
            }
        }
        func version() -> Int? { chance(25) ? pick(4) : nil }

        var steps: [Step] = [.createBucket(0, location: nil)]
        var uploads = 0
        while steps.count < length {
            let roll = pick(100)
            let step: Step
            switch roll {
            case 0..<22:
                step = .putObject(
                    bucket(), key: key(),
                    body: Step.Body(size: element([0, 1, 100, 1000, 70_000]), seed: random.next()),
                    metadata: chance(40) ? pairs(["color", "x-y", "Mixed-Case", "n"], 1 + pick(3)) : [],
                    contentType: chance(30) ? element(["text/csv", "application/json; charset=utf-8"]) : nil,
                    ifNoneMatch: chance(10))
            case 22..<32:
                step = .getObject(
                    bucket(), key: key(),
                    range: chance(35)
                        ? element(["bytes=0-0", "bytes=1-10", "bytes=-5", "bytes=50-", "bytes=999999-"]) : nil,
                    condition: condition(), version: version())
            case 32..<37: step = .headObject(bucket(), key: key(), condition: condition(), version: version())
            case 37..<41:
                step = .copyObject(
                    bucket(), from: key(), to: key(), replacing: chance(40) ? pairs(["k", "n"], 1) : nil)
            case 41..<47: step = .deleteObject(bucket(), key: key(), version: version())
            case 47..<50:
                step = .deleteObjects(bucket(), keys: (0..<(1 + pick(4))).map { _ in key() }, quiet: chance(30))
            case 50..<56: step = .listV1(bucket(), listing())
            case 56..<64: step = .listV2(bucket(), listing(), continueLast: chance(30))
            case 64..<67:
                step = .listVersions(bucket(), prefix: element(KeyPool.prefixes), maxKeys: element(KeyPool.maxKeys))
            case 67..<69: step = .putVersioning(bucket(), enabled: chance(70))
            case 69..<73:
                step = .createUpload(bucket(), key: key())
                uploads += 1
            case 73..<79:
                // Parts of 5 MiB are rare (every byte goes to both servers); small ones make EntityTooSmall.
                step = .uploadPart(
                    upload: pick(uploads + 1), part: 1 + pick(3), size: chance(15) ? 5 << 20 : element([0, 10, 1000]))
            case 79..<81: step = .listParts(upload: pick(uploads + 1))
            case 81..<83: step = .listUploads(bucket(), prefix: element(KeyPool.prefixes))
            case 83..<87:
                step = .completeUpload(
                    upload: pick(uploads + 1),
                    element([.asUploaded, .asUploaded, .wrongETag, .reversed, .missingPart, .noParts]))
            case 87..<89: step = .abortUpload(upload: pick(uploads + 1))
            case 89..<92: step = .putTagging(bucket(), key: key(), tags: pairs(["team", "lap", "Ω"], pick(3)))
            case 92..<94: step = .getTagging(bucket(), key: key())
            case 94..<95: step = .deleteTagging(bucket(), key: key())
            case 95..<97:
                step = .putACL(bucket(), key: key(), canned: element(["private", "public-read", "bogus-acl"]))
            case 97..<98: step = .getACL(bucket(), key: key())
            case 98:
                step = chance(50) ? .createBucket(1, location: element([nil, "us-east-1"])) : .headBucket(bucket())
            default: step = chance(30) ? .deleteBucket(1) : .headBucket(bucket())
            }
            steps.append(step)
        }
        return steps
    }
}
