import Foundation
import S3Wire

/// How a large object is read: ranged GETs of `partSize` bytes, `concurrency` of them in flight,
/// joined in order (what s5cmd and the AWS transfer manager do). `S3_GET_PART_MIB`, `S3_GET_CONCURRENCY`.
public struct DownloadOptions: Sendable, Equatable {
    public var partSize: Int
    public var concurrency: Int

    public init(partSize: Int = 8 << 20, concurrency: Int = 4) {
        self.partSize = max(1, partSize)
        self.concurrency = max(1, concurrency)
    }

    /// The defaults, changed by `S3_GET_PART_MIB` and `S3_GET_CONCURRENCY` where set.
    public init(environment: [String: String]) throws(S3Error) {
        self.init()
        if let text = environment.setting("S3_GET_PART_MIB") {
            guard let value = Int(text), (1...5120).contains(value) else {
                throw .invalidArgument("S3_GET_PART_MIB=\"\(text)\" is not a part size in MiB (1 to 5120).")
            }
            partSize = value << 20
        }
        if let text = environment.setting("S3_GET_CONCURRENCY") {
            guard let value = Int(text), (1...64).contains(value) else {
                throw .invalidArgument("S3_GET_CONCURRENCY=\"\(text)\" is not a count of parts in flight (1 to 64).")
            }
            concurrency = value
        }
    }
}
