import Foundation
import MockS3Server
import RaceData
import RaceDataTesting
import S3Kit
import S3Wire

/// 1. Upload preserves directory structure.
public struct UploadPreservesStructure: RaceProperty {
    public let number = 1
    public let title = "upload preserves directory structure"
    public let statement = "an upload keeps every data file at prefix + relative path, byte for byte, and nothing else"
    public let onMoto: MotoSupport = .runs
    /// Runs between the upload and the checks, with the case's key prefix: a test-only hook, where
    /// the shrinking test plants a bug to see what case the report gives.
    var afterUpload: (@Sendable (PropertyContext, String) async throws -> Void)?

    public init(afterUpload: (@Sendable (PropertyContext, String) async throws -> Void)? = nil) {
        self.afterUpload = afterUpload
    }

    public func check(seed: UInt64, context: PropertyContext) async throws {
        let tree = TreeCase(seed: seed, budget: context.budget)
        let folder = try context.caseFolder(number, seed)
        defer { try? FileManager.default.removeItem(at: folder) }
        try tree.write(to: folder)
        let prefix = context.casePrefix(number, seed)
        let description =
            "\(tree.files.count) files \(tree.files.map { "\($0.path) (\($0.bytes.count) B)" }), junk \(tree.junk), empty folders \(tree.emptyFolders)"
        var options = Uploader.Options()
        options.prefix = prefix
        options.acl = nil
        options.concurrency = 4
        let report = try await Uploader(client: context.client, bucket: context.bucket, options: options).upload(
            directory: folder)
        try require(report.succeeded, "upload failed: \(report.failed)", case: description)
        try await afterUpload?(context, prefix)
        let keys = try await context.client.listAll(bucket: context.bucket, prefix: prefix).objects.map(\.key)
        let expected = Set(tree.files.map { prefix + $0.path })
        try require(
            Set(keys) == expected && keys.count == expected.count,
            "the bucket holds \(Set(keys).subtracting(expected)) beyond and lacks \(expected.subtracting(keys))",
            case: description)
        for key in keys {
            let relative = String(key.dropFirst(prefix.count))
            try require(
                !relative.contains("..") && !relative.contains("//") && !relative.hasPrefix("/"), "bad key \(key)",
                case: description)
        }
        for (path, bytes) in tree.files {
            let stored = try await context.client.getObjectBytes(bucket: context.bucket, key: prefix + path)
            try require(stored == bytes, "\(path) differs in the bucket", case: description)
        }
        // Junk is reported: each file, or the __MACOSX folder that holds it.
        let expectedJunk = Set(
            tree.junk.map { path in
                path.range(of: "__MACOSX").map { String(path[..<$0.upperBound]) } ?? path
            })
        try require(
            Set(report.junk) == expectedJunk, "junk reported \(report.junk), expected \(expectedJunk.sorted())",
            case: description)
        try await context.clean(prefix)
    }

    public func canCheck(_ dataset: Dataset, readOnly: Bool) -> Bool { dataset.local != nil }
    public var datasetFormIsSeeded: Bool { false }

    /// The bucket holds exactly the local copy's data files, at the same paths under the prefix,
    /// with the same bytes. The oracle walks the tree and names junk on its own, not through the uploader.
    public func check(dataset: Dataset, seed: UInt64, context: PropertyContext) async throws {
        guard let local = dataset.local else { return }
        let root = local.standardizedFileURL
        var expected: [String: URL] = [:]
        let walk = FileManager.default.enumerator(
            at: root, includingPropertiesForKeys: [.isRegularFileKey], options: [])
        while let url = walk?.nextObject() as? URL {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true else { continue }
            let relative = String(url.standardizedFileURL.path.dropFirst(root.path.count + 1))
            let name = url.lastPathComponent
            let junk =
                name.hasPrefix("._") || [".DS_Store", "Thumbs.db", "desktop.ini"].contains(name)
                || relative.split(separator: "/").contains("__MACOSX")
            if !junk { expected[dataset.prefix + relative] = url }
        }
        let description = "\(expected.count) files under \(root.path)"
        let keys = try await context.client.listAll(bucket: context.bucket, prefix: dataset.prefix).objects.map(\.key)
        try require(
            Set(keys) == Set(expected.keys) && keys.count == expected.count,
            "the bucket holds \(Set(keys).subtracting(expected.keys).sorted().prefix(3)) beyond and lacks \(Set(expected.keys).subtracting(keys).sorted().prefix(3))",
            case: description)
        for (key, url) in expected {
            let stored = try await context.client.getObjectBytes(bucket: context.bucket, key: key)
            try require(
                stored == [UInt8](try Data(contentsOf: url)), "\(key) differs from \(url.path)", case: description)
        }
    }
}
