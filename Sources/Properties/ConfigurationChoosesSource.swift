import Foundation
import MockS3Server
import RaceData
import RaceDataTesting
import S3Kit
import S3Wire

/// 2. Configuration determines the data source.
struct ConfigurationChoosesSource: RaceProperty {
    let number = 2
    let title = "configuration determines the data source"
    let statement = "the environment chooses local files or S3 as documented, or stops naming the variable to set"
    let onMoto: MotoSupport = .skipped(because: "the source is chosen from the environment alone; no server is asked")

    static let trueValues = ["true", "TRUE", "True", "1", "yes", "YES", "on", "On"]
    static let falseValues = ["false", "FALSE", "0", "no", "No", "off", "OFF", ""]
    static let garbage = ["maybe", "2", "tru", "yes please", "enable", "t", "y", "nope", "-1", "1.0", "ja"]

    func check(seed: UInt64, context: PropertyContext) async throws {
        var random = SeededGenerator(seed: seed)
        var environment: [String: String] = [
            "AWS_ACCESS_KEY_ID": "AKIAPROPERTY0000002", "AWS_SECRET_ACCESS_KEY": "property-secret",
        ]
        let kind = random.int(0...3)
        var raw: String?
        if kind == 0 {
            raw = nil
        } else {
            raw = random.pick(kind == 1 ? Self.trueValues : kind == 2 ? Self.falseValues : Self.garbage)
            let pad = [" ", "\t", "", "  "]
            raw = random.pick(pad) + raw! + random.pick(pad)
            environment["USE_S3_DATA"] = raw
        }
        let bucket = random.chance(0.6) ? "bucket-\(random.int(0...99))" : nil
        if let bucket { environment["S3_BUCKET_NAME"] = random.chance(0.2) ? " \(bucket) " : bucket }
        if random.chance(0.3) { environment["DATA_DIR"] = "/srv/race \(random.int(0...9))" }
        let description =
            "USE_S3_DATA=\(raw.map { "\"\($0)\"" } ?? "unset"), S3_BUCKET_NAME=\(bucket ?? "unset"), DATA_DIR=\(environment["DATA_DIR"] ?? "unset")"
        // The oracle: the README's table, written out independently of DataConfiguration.
        let trimmed = raw?.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        enum Expected: Equatable { case local, s3, error }
        let expected: Expected =
            switch trimmed {
            case nil, "false"?, "0"?, "no"?, "off"?, ""?: .local
            case "true"?, "1"?, "yes"?, "on"?: bucket == nil ? .error : .s3
            default: .error
            }
        var outcome: Expected
        var message = ""
        do {
            let configuration = try context.configuration(environment)
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
        try require(outcome == expected, "chose \(outcome), the documented table says \(expected)", case: description)
        if outcome == .error {
            let named = message.contains("S3_BUCKET_NAME") || message.contains("true, 1, yes or on")
            try require(named, "the error does not say what to set: \(message)", case: description)
        }
    }

    /// Configuration is the same question whatever the data: the generated cases, seeded alike.
    func canCheck(_ dataset: Dataset, readOnly: Bool) -> Bool { true }
    func check(dataset: Dataset, seed: UInt64, context: PropertyContext) async throws {
        try await check(seed: seed, context: context)
    }
}
