import ArgumentParser
import Foundation
import S3Wire

/// MD5, SHA-256 (one stream, and four at once), CRC32, CRC32C over 256 MiB in memory, in MB/s; then
/// what signing costs per request.
struct Hash: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Hash and signature speeds.")

    func run() throws {
        let data = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 << 20, alignment: 64)
        for i in 0..<data.count { data[i] = UInt8(truncatingIfNeeded: i &* 2_654_435_761 >> 13) }
        let block = 1 << 20
        func time(_ name: String, _ body: (UnsafeRawBufferPointer) -> Void) {
            let started = Date()
            for offset in stride(from: 0, to: data.count, by: block) {
                body(UnsafeRawBufferPointer(rebasing: data[offset..<(offset + block)]))
            }
            print(String(format: "%@ %.0f MB/s", name, Double(data.count) / Date().timeIntervalSince(started) / 1e6))
        }
        let md5 = Digest(.md5)
        let sha = Digest(.sha256)
        var ieee = CRC32(.ieee)
        var castagnoli = CRC32(.castagnoli)
        time("md5") { md5.update($0) }
        time("sha256") { sha.update($0) }
        if SHA256x4.isAvailable {
            // Four 1 MiB blocks at a time, as signed aws-chunked uploads hash their chunks.
            let started = Date()
            for offset in stride(from: 0, to: data.count, by: 4 * block) {
                var four = SHA256x4()
                _ = four.finalize(
                    (0..<4).map {
                        UnsafeRawBufferPointer(rebasing: data[(offset + $0 * block)..<(offset + ($0 + 1) * block)])
                    })
            }
            print(String(format: "sha256x4 %.0f MB/s", Double(data.count) / Date().timeIntervalSince(started) / 1e6))
        }
        time("crc32") { ieee.update($0) }
        time("crc32c") { castagnoli.update($0) }
        // What signing costs per request: a SHA-256 of a canonical request and an HMAC of a string to sign.
        let message = [UInt8](repeating: 0x61, count: 400)
        let key = [UInt8](repeating: 7, count: 32)
        var started = Date()
        for _ in 0..<100_000 { _ = Digest.sha256(message) }
        print(String(format: "sha256 of 400 bytes: %.2f us", Date().timeIntervalSince(started) * 10))
        started = Date()
        for _ in 0..<100_000 { _ = Digest.hmacSHA256(key: key, message: message) }
        print(String(format: "hmac-sha256 of 400 bytes: %.2f us", Date().timeIntervalSince(started) * 10))
        // A whole signature as a verifier computes it: a presigned GET (as wrk sends) and a header-signed GET.
        let signer = SigV4Signer(
            credentials: Credentials(
                accessKeyId: "AKIAMOCKS3SERVER0001", secretAccessKey: "mock/s3+server+secret+key+0000000000001"),
            region: "us-east-1", keyCache: SigningKeyCache())
        let amzDate = "20261201T120000Z"
        let presigned = RequestTarget(
            scheme: "http", host: "127.0.0.1", port: 9000, path: "/bench/wrk/object",
            query: [
                .init("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
                .init("X-Amz-Credential", "AKIAMOCKS3SERVER0001/20261201/us-east-1/s3/aws4_request"),
                .init("X-Amz-Date", amzDate), .init("X-Amz-Expires", "3600"), .init("X-Amz-SignedHeaders", "host"),
            ])
        let plain = RequestTarget(scheme: "http", host: "127.0.0.1", port: 9000, path: "/bench/ops/k0")
        for (name, target, headers, payload) in [
            ("presigned GET", presigned, [(name: "host", value: "127.0.0.1:9000")], SigV4Signer.unsignedPayload),
            (
                "header-signed GET", plain,
                [
                    (name: "host", value: "127.0.0.1:9000"),
                    (name: "x-amz-content-sha256", value: SigV4Signer.emptyPayloadSHA256),
                    (name: "x-amz-date", value: amzDate),
                ], SigV4Signer.emptyPayloadSHA256
            ),
        ] {
            started = Date()
            for _ in 0..<100_000 {
                _ = signer.expectedSignature(
                    method: .get, target: target, headers: headers, payloadHash: payload, amzDate: amzDate)
            }
            print(String(format: "signature of a %@: %.2f us", name, Date().timeIntervalSince(started) * 10))
        }
    }
}
