import Foundation
import MockS3Server
import S3Kit
import S3Wire
import TestSupport
import Testing

/// Versioning as S3 does it (Ceph's s3-tests check the same through boto3): versions newest first,
/// delete markers, the `null` version of suspended buckets, and every version kept across a restart.
@Suite("Mock S3: versioning", .quietLogs)
struct VersioningTests {
    private func setVersioning(_ server: MockS3Server, _ status: String) async throws {
        let body = Array("<VersioningConfiguration><Status>\(status)</Status></VersioningConfiguration>".utf8)
        let response = try await server.raw(.put, "/b", query: [.init("versioning", "")], body: body)
        #expect(response.status == 200, "\(String(decoding: response.body, as: UTF8.self))")
    }

    private func put(_ server: MockS3Server, _ key: String, _ body: String) async throws -> String? {
        let response = try await server.raw(.put, "/b/\(key)", body: Array(body.utf8))
        #expect(response.status == 200)
        return response.head.headers["x-amz-version-id"]
    }

    private func get(_ server: MockS3Server, _ key: String, version: String? = nil) async throws -> (
        Int, String, HTTPResponse
    ) {
        let response = try await server.raw(.get, "/b/\(key)", query: version.map { [.init("versionId", $0)] } ?? [])
        return (response.status, String(decoding: response.body, as: UTF8.self), response)
    }

    /// (key, version id, is latest, is a delete marker) in the order ListObjectVersions gives them.
    private func versions(_ server: MockS3Server, _ query: [RequestTarget.QueryItem] = []) async throws -> [(
        String, String, Bool, Bool
    )] {
        let response = try await server.raw(.get, "/b", query: [.init("versions", "")] + query)
        let root = try XML.parse(response.body)
        return root.children.compactMap { entry in
            guard entry.name == "Version" || entry.name == "DeleteMarker" else { return nil }
            return (
                entry.value("Key") ?? "", entry.value("VersionId") ?? "", entry.value("IsLatest") == "true",
                entry.name == "DeleteMarker"
            )
        }
    }

    @Test func versionsDeleteMarkersAndTheirRemoval() async throws {
        try await withMock({ $0.buckets = ["b"] }) { server in
            #expect(try await put(server, "k", "zero") == nil, "an unversioned bucket gives no version id")
            try await setVersioning(server, "Enabled")
            let status = try XML.parse(try await server.raw(.get, "/b", query: [.init("versioning", "")]).body)
            #expect(status.value("Status") == "Enabled")
            let v1 = try #require(try await put(server, "k", "one"))
            let v2 = try #require(try await put(server, "k", "two"))
            #expect(v1 != v2 && v1 != "null")
            #expect(try await get(server, "k").1 == "two")
            #expect(try await get(server, "k", version: v1).1 == "one")
            #expect(
                try await get(server, "k", version: "null").1 == "zero",
                "the object from before versioning is the null version")
            #expect(
                try await versions(server).map { "\($0.1):\($0.2)" } == ["\(v2):true", "\(v1):false", "null:false"])

            // DELETE leaves a marker: the key is gone to GET and listings, its versions are not.
            let deleted = try await server.raw(.delete, "/b/k")
            #expect(deleted.status == 204 && deleted.head.headers["x-amz-delete-marker"] == "true")
            let marker = try #require(deleted.head.headers["x-amz-version-id"])
            let (status404, _, missing) = try await get(server, "k")
            #expect(status404 == 404 && missing.head.headers["x-amz-delete-marker"] == "true")
            #expect(try await get(server, "k", version: marker).0 == 405, "a delete marker is never served")
            #expect(
                try XML.parse(try await server.raw(.get, "/b", query: [.init("list-type", "2")]).body).children(
                    "Contents"
                ).isEmpty)
            let listed = try await versions(server)
            #expect(listed.first.map { $0.1 == marker && $0.2 && $0.3 } == true && listed.count == 4)
            let notEmpty = try await server.raw(.delete, "/b")
            #expect(notEmpty.status == 409, "versions keep the bucket from being deleted")

            // Removing the marker brings v2 back; removing v2 by id makes v1 current.
            #expect(try await server.raw(.delete, "/b/k", query: [.init("versionId", marker)]).status == 204)
            #expect(try await get(server, "k").1 == "two")
            #expect(try await server.raw(.delete, "/b/k", query: [.init("versionId", v2)]).status == 204)
            #expect(try await get(server, "k").1 == "one")
            #expect(try await get(server, "k", version: v2).0 == 404)
            for id in [v1, "null"] { _ = try await server.raw(.delete, "/b/k", query: [.init("versionId", id)]) }
            #expect(try await versions(server).isEmpty)
            #expect(try await server.raw(.delete, "/b").status == 204)
        }
    }

    @Test func aSuspendedBucketReplacesTheNullVersionOnly() async throws {
        try await withMock({ $0.buckets = ["b"] }) { server in
            try await setVersioning(server, "Enabled")
            let v1 = try #require(try await put(server, "k", "one"))
            try await setVersioning(server, "Suspended")
            #expect(try await put(server, "k", "null-a") == nil)
            #expect(try await put(server, "k", "null-b") == nil)
            #expect(try await versions(server).map { "\($0.1):\($0.2)" } == ["null:true", "\(v1):false"])
            #expect(try await get(server, "k", version: "null").1 == "null-b")
            let deleted = try await server.raw(.delete, "/b/k")
            #expect(
                deleted.head.headers["x-amz-version-id"] == "null"
                    && deleted.head.headers["x-amz-delete-marker"] == "true")
            #expect(
                try await versions(server).map { "\($0.1):\($0.3)" } == ["null:true", "\(v1):false"],
                "the marker replaced the null version")
        }
    }

    @Test func pagesOfVersionsResumeInsideAKey() async throws {
        try await withMock({ $0.buckets = ["b"] }) { server in
            try await setVersioning(server, "Enabled")
            var ids: [String] = []
            for i in 0..<5 { ids.append(try #require(try await put(server, "a", "\(i)"))) }
            _ = try await put(server, "b", "b")
            var seen: [String] = []
            var query: [RequestTarget.QueryItem] = [.init("max-keys", "2")]
            for _ in 0..<10 {
                let response = try await server.raw(.get, "/b", query: [.init("versions", "")] + query)
                let root = try XML.parse(response.body)
                seen += root.children("Version").map { "\($0.value("Key")!):\($0.value("VersionId")!)" }
                guard root.value("IsTruncated") == "true" else { break }
                query = [
                    .init("max-keys", "2"), .init("key-marker", root.value("NextKeyMarker") ?? ""),
                    .init("version-id-marker", root.value("NextVersionIdMarker") ?? ""),
                ]
            }
            #expect(seen.count == 6 && seen.prefix(5) == ArraySlice(ids.reversed().map { "a:\($0)" }), "\(seen)")
        }
    }

    @Test func everyVersionSurvivesARestart() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("versions-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var before: [(String, String, Bool, Bool)] = []
        try await withMock({
            $0.buckets = ["b"]
            $0.dataDirectory = directory
        }) { server in
            try await setVersioning(server, "Enabled")
            _ = try await put(server, "k", "one")
            _ = try await put(server, "k", "two")
            _ = try await server.raw(.delete, "/b/k")
            before = try await versions(server)
        }
        try await withMock({
            $0.buckets = ["b"]
            $0.dataDirectory = directory
        }) { server in
            let after = try await versions(server)
            #expect(
                after.map { "\($0.0)\($0.1)\($0.2)\($0.3)" } == before.map { "\($0.0)\($0.1)\($0.2)\($0.3)" }
                    && after.count == 3)
            let status = try XML.parse(try await server.raw(.get, "/b", query: [.init("versioning", "")]).body)
            #expect(status.value("Status") == "Enabled")
            #expect(try await get(server, "k", version: before[1].1).1 == "two")
        }
    }
}
