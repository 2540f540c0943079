import Foundation
import MockS3Server
import RaceData
import S3Kit
import S3Wire
import RaceService
import TestSupport
import Testing

/// The analytics API gives the same JSON from the local tree and from S3, and says so when S3 fails.
@Suite("The analytics service", .quietLogs)
struct ServiceTests {
    static let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Sample/data").standardized

    func get(_ port: Int, _ path: String) async throws -> (status: Int, body: String) {
        let request = HTTPRequest(method: .get, target: RequestTarget(scheme: "http", host: "127.0.0.1", port: port, path: path))
        let response = try await CurlTransport().execute(request, streamBody: false)
        return (response.status, String(decoding: response.body, as: UTF8.self))
    }

    func endpoints(tracks: [String], analytics: Analytics) async throws -> [String] {
        var paths = ["/api/analytics/tracks", "/api/analytics/track/Monaco/sessions", "/api/analytics/track/COTA/session/R9/best-lap"]
        for track in tracks {
            paths.append("/api/analytics/track/\(track)/sessions")
            for session in ["R1", "R2"] {
                let base = "/api/analytics/track/\(track)/session/\(session)"
                paths += [base + "/drivers", base + "/best-lap", base + "/driver/0/performance", base + "/driver/nobody/performance"]
                for driver in try await analytics.drivers(track: track, session: session) {
                    paths.append(base + "/driver/\(driver.vehicle_id)/performance")
                }
            }
        }
        return paths
    }

    @Test func sameJSONFromLocalAndS3AndWarmTracksCostNothing() async throws {
        try await withMock({ $0.buckets = ["race-data"] }) { server in
            var options = Uploader.Options()
            options.acl = nil
            _ = try await Uploader(client: try server.client(), bucket: "race-data", options: options).upload(directory: Self.sample)
            let s3Configuration = try DataConfiguration.fromEnvironment([
                "USE_S3_DATA": "true", "S3_BUCKET_NAME": "race-data", "AWS_ENDPOINT_URL_S3": server.endpoint,
                "AWS_ACCESS_KEY_ID": MockS3Server.defaultCredential.accessKeyId, "AWS_SECRET_ACCESS_KEY": MockS3Server.defaultCredential.secretAccessKey,
            ])
            let localConfiguration = try DataConfiguration.fromEnvironment(["USE_S3_DATA": "false", "DATA_DIR": Self.sample.path])
            let s3 = try await APIServer(analytics: Analytics(source: s3Configuration.makeSource()), description: SourceDescription(s3Configuration), port: 0)
            let local = try await APIServer(analytics: Analytics(source: localConfiguration.makeSource()), description: SourceDescription(localConfiguration), port: 0)
            defer { Task { try await s3.stop(); try await local.stop() } }

            let tracks = try await local.analytics.tracks()
            #expect(tracks.count == 7)
            let paths = try await endpoints(tracks: tracks, analytics: local.analytics)
            for path in paths {
                let (a, b) = (try await get(local.port, path), try await get(s3.port, path))
                #expect(a.status == b.status && a.body == b.body, "\(path): local \(a.status) \(a.body.prefix(120)) vs S3 \(b.status) \(b.body.prefix(120))")
            }
            #expect(try await get(s3.port, "/api/analytics/track/COTA/session/R1/best-lap").body.contains("\"lap_time\":\"1:"))
            let health = try await get(s3.port, "/health")
            #expect(health.status == 200 && health.body.contains("\"source\":\"s3\"") && health.body.contains("\"bucket\":\"race-data\""))
            // A warm /tracks answers from the cache.
            server.journal.clear()
            #expect(try await get(s3.port, "/api/analytics/tracks").status == 200)
            #expect(server.journal.entries.isEmpty)
            // Path tricks are refused.
            #expect(try await get(s3.port, "/api/analytics/track/..%2Fetc/sessions").status == 400)
            #expect(try await get(s3.port, "/api/analytics/track/COTA/session/R1%2F..%2Fx/drivers").status == 400)
        }
    }

    @Test func rejectedCredentialsAre503WithTheMessage() async throws {
        try await withMock({ $0.buckets = ["race-data"] }) { server in
            var plan = FaultPlan()
            plan.rejectAllCredentials = true
            server.setFaults(plan)
            let secret = MockS3Server.defaultCredential.secretAccessKey
            let configuration = try DataConfiguration.fromEnvironment([
                "USE_S3_DATA": "1", "S3_BUCKET_NAME": "race-data", "AWS_ENDPOINT_URL_S3": server.endpoint,
                "AWS_ACCESS_KEY_ID": MockS3Server.defaultCredential.accessKeyId, "AWS_SECRET_ACCESS_KEY": secret,
            ])
            let api = try await APIServer(analytics: Analytics(source: configuration.makeSource()), description: SourceDescription(configuration), port: 0)
            defer { Task { try await api.stop() } }
            let tracks = try await get(api.port, "/api/analytics/tracks")
            #expect(tracks.status == 503)
            #expect(tracks.body.contains("InvalidAccessKeyId") && tracks.body.contains("AWS_ACCESS_KEY_ID"))
            #expect(!tracks.body.contains(secret) && !tracks.body.contains(MockS3Server.defaultCredential.accessKeyId))
            let health = try await get(api.port, "/health")
            #expect(health.status == 503 && health.body.contains("\"answers\":false"))
            #expect(try await get(api.port, "/api/analytics/track/COTA/sessions").status == 503)
        }
    }
}
