import Foundation
import MockS3Server
import RaceData
import RaceDataTesting
import S3Kit
import S3Wire
import TestSupport
import Testing

@Suite("Uploader against the mock server", .quietLogs)
struct UploaderTests {
    func tree() throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("up-\(UUID())")
        try DatasetGenerator(seed: 21).write(to: root)
        return root
    }

    @Test func uploadsEveryDataFileWithItsKeyAndSkipsJunk() async throws {
        let root = try tree()
        defer { try? FileManager.default.removeItem(at: root) }
        let outside = FileManager.default.temporaryDirectory.appendingPathComponent("secret-\(UUID()).csv")
        try Data("secret".utf8).write(to: outside)
        defer { try? FileManager.default.removeItem(at: outside) }
        try FileManager.default.createSymbolicLink(
            at: root.appendingPathComponent("COTA/link.csv"), withDestinationURL: outside)
        try await withMock { server in
            let client = try server.client()
            try server.store.createBucket("race-data")
            try server.store.setOwnership("race-data", .objectWriter)
            let report = try await Uploader(client: client, bucket: "race-data").upload(directory: root)
            let paths: [String] = DatasetGenerator(seed: 21).files().map(\.path).filter { !FileNaming.isJunk($0) }
            let expected: [String] = paths.map { "data/" + $0 }.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            #expect(report.succeeded, "\(report.failed)")
            #expect(report.uploaded == expected)
            let junk = 7 * 2 + 7 + 1  // AppleDouble per session, .DS_Store per track, __MACOSX
            #expect(report.junk.count == junk)
            #expect(report.warnings.contains { $0.contains("link.csv") })
            let listed = try await client.listAll(bucket: "race-data").objects
            #expect(listed.map(\.key).sorted() == report.uploaded.sorted())
            for key in [
                "data/COTA/Race 1/99_Best 10 Laps By Driver_Race 1_Anonymized.CSV",
                "data/road-america/Road America/Race 2/road_america_lap_time_R2.csv",
            ] {
                let local = try [UInt8](Data(contentsOf: root.appendingPathComponent(String(key.dropFirst(5)))))
                #expect(try await client.getObjectBytes(bucket: "race-data", key: key) == local)
            }
            #expect(
                try await client.headObject(bucket: "race-data", key: "data/COTA/Race 1/COTA_lap_time_R1.csv")?
                    .contentType == "text/csv")

            // A re-run finds everything unchanged and uploads nothing.
            server.journal.clear()
            let again = try await Uploader(client: client, bucket: "race-data").upload(directory: root)
            #expect(again.uploaded.isEmpty && again.unchanged.count == report.uploaded.count)
            #expect(!server.journal.entries.contains { $0.operation == "PutObject" })
            var force = Uploader.Options()
            force.force = true
            let forced = try await Uploader(client: client, bucket: "race-data", options: force).upload(directory: root)
            #expect(forced.uploaded.count == report.uploaded.count)
        }
    }

    @Test func aclsDisabledGetOneWarningAndTheUploadGoesOn() async throws {
        let root = try tree()
        defer { try? FileManager.default.removeItem(at: root) }
        try await withMock { server in
            let client = try server.client()
            try await client.createBucket("enforced")
            let report = try await Uploader(client: client, bucket: "enforced").upload(directory: root)
            #expect(report.succeeded)
            #expect(report.warnings.filter { $0.contains("ACLs disabled") }.count == 1)
            let dataFiles = DatasetGenerator(seed: 21).files().filter { !FileNaming.isJunk($0.path) }.count
            #expect(report.uploaded.count == dataFiles)
        }
    }

    @Test func badCredentialsUploadNothing() async throws {
        let root = try tree()
        defer { try? FileManager.default.removeItem(at: root) }
        try await withMock { server in
            try server.store.createBucket("race-data")
            let bad = S3Client(
                configuration: S3Configuration(
                    region: "us-east-1", endpoint: try .custom(server.endpoint),
                    credentials: Credentials(accessKeyId: "AKIAWRONGKEY00000000", secretAccessKey: "nope")))
            let error = await #expect(throws: S3Error.self) {
                _ = try await Uploader(client: bad, bucket: "race-data").upload(directory: root)
            }
            #expect(error?.code == "InvalidAccessKeyId")
            #expect(server.journal.entries.map(\.operation) == ["HeadBucket", "ListObjectsV2"])
            #expect(
                try server.store.list("race-data", prefix: "", delimiter: nil, after: nil, maxKeys: 10).objects.isEmpty)
            let missing = await #expect(throws: S3Error.self) {
                _ = try await Uploader(client: try server.client(), bucket: "no-such-bucket").upload(directory: root)
            }
            #expect(missing?.code == "NoSuchBucket")
        }
    }

    @Test func aRunThatFailedHalfwayIsResumed() async throws {
        let root = try tree()
        defer { try? FileManager.default.removeItem(at: root) }
        try await withMock { server in
            let client = try server.client(retry: .none)
            try server.store.createBucket("race-data")
            var plan = FaultPlan()
            plan.internalErrorRate["PutObject"] = 0.5
            server.setFaults(plan, seed: 3)
            var options = Uploader.Options()
            options.acl = nil
            let first = try await Uploader(client: client, bucket: "race-data", options: options).upload(
                directory: root)
            #expect(!first.succeeded && !first.uploaded.isEmpty)
            #expect(first.failed.allSatisfy { $0.reason.contains("InternalError") })
            server.setFaults(FaultPlan())
            server.journal.clear()
            let second = try await Uploader(client: client, bucket: "race-data", options: options).upload(
                directory: root)
            #expect(second.succeeded)
            #expect(Set(second.unchanged) == Set(first.uploaded))
            #expect(second.uploaded.count == first.failed.count)
            #expect(server.journal.entries(operation: "PutObject").count == first.failed.count)
        }
    }

    @Test func largeFilesGoMultipartAndFaultsAreSurvived() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("big-\(UUID())")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(
            at: root.appendingPathComponent("COTA/Race 1"), withIntermediateDirectories: true)
        let big = bytes(12 << 20, seed: 5)
        try Data(big).write(to: root.appendingPathComponent("COTA/Race 1/R1_cota_telemetry_data.csv"))
        for i in 0..<20 {
            try Data("a,b\n\(i),2\n".utf8).write(to: root.appendingPathComponent("COTA/Race 1/small \(i).csv"))
        }
        try await withMock { server in
            // Eight attempts against these rates: every request gets through, in any order of requests.
            let client = try server.client(retry: RetryPolicy(maxAttempts: 8, baseDelay: 0.001, maxDelay: 0.01))
            try server.store.createBucket("race-data")
            var plan = FaultPlan()
            plan.slowDownRate["*"] = 0.2
            plan.dropMidBodyRate["UploadPart"] = 0.3
            server.setFaults(plan, seed: 99)
            var options = Uploader.Options()
            options.multipartThreshold = 5 << 20
            options.partSize = 5 << 20
            options.acl = nil
            let report = try await Uploader(client: client, bucket: "race-data", options: options).upload(
                directory: root)
            #expect(report.succeeded, "\(report.failed)")
            server.setFaults(FaultPlan())
            #expect(
                try await client.getObjectBytes(bucket: "race-data", key: "data/COTA/Race 1/R1_cota_telemetry_data.csv")
                    == big)
            #expect(server.journal.entries(operation: "CompleteMultipartUpload").contains { $0.status == 200 })
            #expect(server.journal.entries.contains { $0.fault != nil })
            #expect(try await client.listMultipartUploads(bucket: "race-data").isEmpty)
            #expect(try await client.listAll(bucket: "race-data").objects.count == 21)
            // The multipart object's ETag (MD5 of the part MD5s) is the file's content tag: a re-run sends nothing.
            let etag = try await client.headObject(
                bucket: "race-data", key: "data/COTA/Race 1/R1_cota_telemetry_data.csv")?.etag
            #expect(
                etag
                    == (try ContentTag.of(
                        path: root.appendingPathComponent("COTA/Race 1/R1_cota_telemetry_data.csv").path,
                        size: UInt64(big.count), multipartThreshold: 5 << 20, partSize: 5 << 20)))
            #expect(etag?.hasSuffix("-3") == true)
            server.journal.clear()
            let again = try await Uploader(client: client, bucket: "race-data", options: options).upload(
                directory: root)
            #expect(again.unchanged.count == 21 && again.uploaded.isEmpty)
            #expect(!server.journal.entries.contains { $0.method == "PUT" || $0.method == "POST" })
        }
    }

    /// Unchanged means the same bytes: a touched file is still unchanged, an edited one of the same size
    /// and modification time is not (without a cache, where the stat decides nothing).
    @Test func unchangedMeansSameContentNotSameStat() async throws {
        let root = try tree()
        defer { try? FileManager.default.removeItem(at: root) }
        let file = root.appendingPathComponent("COTA/Race 1/COTA_lap_time_R1.csv")
        let touched = root.appendingPathComponent("COTA/Race 2/COTA_lap_time_R2.csv")
        try await withMock { server in
            let client = try server.client()
            try server.store.createBucket("race-data")
            var options = Uploader.Options()
            options.acl = nil
            _ = try await Uploader(client: client, bucket: "race-data", options: options).upload(directory: root)

            let modified = try FileManager.default.attributesOfItem(atPath: file.path)[.modificationDate] as! Date
            var content = try [UInt8](Data(contentsOf: file))
            content[content.count - 2] =
                content[content.count - 2] == UInt8(ascii: "1") ? UInt8(ascii: "2") : UInt8(ascii: "1")
            try Data(content).write(to: file)
            try FileManager.default.setAttributes([.modificationDate: modified], ofItemAtPath: file.path)
            try FileManager.default.setAttributes(
                [.modificationDate: Date().addingTimeInterval(3600)], ofItemAtPath: touched.path)

            let again = try await Uploader(client: client, bucket: "race-data", options: options).upload(
                directory: root)
            #expect(again.uploaded == ["data/COTA/Race 1/COTA_lap_time_R1.csv"])
            #expect(again.unchanged.contains("data/COTA/Race 2/COTA_lap_time_R2.csv"))
            #expect(
                try await client.getObjectBytes(bucket: "race-data", key: "data/COTA/Race 1/COTA_lap_time_R1.csv")
                    == content)
        }
    }

    /// Options without an ACL, remembering content tags in `cacheURL`.
    static func cachedOptions(_ cacheURL: URL) -> Uploader.Options {
        var options = Uploader.Options()
        options.acl = nil
        options.tagCache = ContentTagCache(url: cacheURL)
        return options
    }

    /// One digit of a CSV's last line changed: the same size, other bytes.
    static func changeLastDigit(_ bytes: inout [UInt8]) {
        bytes[bytes.count - 2] = bytes[bytes.count - 2] == UInt8(ascii: "1") ? UInt8(ascii: "2") : UInt8(ascii: "1")
    }

    /// With a cache, an unchanged re-run reads no file; an edited file (new mtime) is hashed and sent.
    @Test func theTagCacheSparesReadingUnchangedFiles() async throws {
        let root = try tree()
        defer { try? FileManager.default.removeItem(at: root) }
        let cacheURL = FileManager.default.temporaryDirectory.appendingPathComponent("tags-\(UUID()).json")
        defer { try? FileManager.default.removeItem(at: cacheURL) }
        try await withMock { server in
            let client = try server.client()
            try server.store.createBucket("race-data")
            var options = Self.cachedOptions(cacheURL)
            let first = try await Uploader(client: client, bucket: "race-data", options: options).upload(
                directory: root)
            #expect(first.succeeded && first.warnings.isEmpty)

            // Every remembered tag is the ETag S3 holds for that file.
            let stored = try JSONSerialization.jsonObject(with: Data(contentsOf: cacheURL)) as? [String: Any]
            let entries = stored?["entries"] as? [String: [String: Any]] ?? [:]
            #expect(entries.count == first.uploaded.count)
            for key in first.uploaded.prefix(10) {
                let path = root.appendingPathComponent(String(key.dropFirst("data/".count))).path
                #expect(
                    entries[path]?["tag"] as? String
                        == (try await client.headObject(bucket: "race-data", key: key))?.etag)
            }

            // A second run compares every file through the cache: none is read.
            options.tagCache = ContentTagCache(url: cacheURL)
            let cached = try await Uploader(client: client, bucket: "race-data", options: options).upload(
                directory: root)
            #expect(cached.unchanged.count == first.uploaded.count && cached.filesHashed == 0)
            options.tagCache = nil
            let uncached = try await Uploader(client: client, bucket: "race-data", options: options).upload(
                directory: root)
            #expect(uncached.unchanged.count == first.uploaded.count && uncached.filesHashed == first.uploaded.count)
            options.tagCache = ContentTagCache(url: cacheURL)

            let edited = root.appendingPathComponent("COTA/Race 1/COTA_lap_time_R1.csv")
            var bytes = try [UInt8](Data(contentsOf: edited))  // same size, one digit different, a new mtime
            Self.changeLastDigit(&bytes)
            try Data(bytes).write(to: edited)
            try FileManager.default.setAttributes(
                [.modificationDate: Date().addingTimeInterval(60)], ofItemAtPath: edited.path)
            let again = try await Uploader(client: client, bucket: "race-data", options: options).upload(
                directory: root)
            #expect(again.uploaded == ["data/COTA/Race 1/COTA_lap_time_R1.csv"])
            #expect(again.unchanged.count == first.uploaded.count - 1 && again.filesHashed == 1)
        }
    }

    /// A file rewritten in place (same inode) at the same size within the same second as the upload
    /// that cached its tag: the nanoseconds of its modification time differ, and that is enough for it to
    /// be read again and uploaded. (A tool that restores the old time to the nanosecond hides a change
    /// from any size-and-time check, `aws s3 sync`'s included.)
    @Test(arguments: [1, 999_999_999, 500_000_000])
    func aRewriteWithinTheSameSecondAtTheSameSizeIsUploaded(nanosecondsLater: Int) async throws {
        let root = try tree()
        defer { try? FileManager.default.removeItem(at: root) }
        let cacheURL = FileManager.default.temporaryDirectory.appendingPathComponent("tags-\(UUID()).json")
        defer { try? FileManager.default.removeItem(at: cacheURL) }
        let edited = root.appendingPathComponent("COTA/Race 1/COTA_lap_time_R1.csv")
        // The file's time before the first upload: a whole second, so "later" stays inside it.
        let second = time(nil) - 10
        func setTime(nanoseconds: Int) {
            var times = [
                timespec(tv_sec: second, tv_nsec: nanoseconds), timespec(tv_sec: second, tv_nsec: nanoseconds),
            ]
            #expect(utimensat(AT_FDCWD, edited.path, &times, 0) == 0)
        }
        setTime(nanoseconds: 0)
        try await withMock { server in
            let client = try server.client()
            try server.store.createBucket("race-data")
            var options = Self.cachedOptions(cacheURL)
            let first = try await Uploader(client: client, bucket: "race-data", options: options).upload(
                directory: root)
            #expect(first.succeeded)
            var bytes = try [UInt8](Data(contentsOf: edited))
            let inode = try FileManager.default.attributesOfItem(atPath: edited.path)[.systemFileNumber] as? UInt64
            Self.changeLastDigit(&bytes)
            let handle = try FileHandle(forWritingTo: edited)  // in place: same inode, same size
            try handle.write(contentsOf: Data(bytes))
            try handle.close()
            setTime(nanoseconds: nanosecondsLater)
            #expect(
                try FileManager.default.attributesOfItem(atPath: edited.path)[.systemFileNumber] as? UInt64 == inode)
            options.tagCache = ContentTagCache(url: cacheURL)
            let again = try await Uploader(client: client, bucket: "race-data", options: options).upload(
                directory: root)
            #expect(again.uploaded == ["data/COTA/Race 1/COTA_lap_time_R1.csv"], "\(again.unchanged.count) unchanged")
            #expect(
                try await client.getObjectBytes(bucket: "race-data", key: "data/COTA/Race 1/COTA_lap_time_R1.csv")
                    == bytes)
        }
    }
}
