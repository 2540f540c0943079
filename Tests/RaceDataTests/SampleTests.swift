import Foundation
import RaceDataTesting
import S3Kit
import S3Wire
import TestSupport
import Testing

@testable import RaceData

@Suite("The bundled sample", .quietLogs)
struct SampleTests {
    static let root = SampleData.directory

    /// Sample/data is exactly what the seeded generator writes (regenerate: swift run verify --write-sample Sample/data).
    @Test func isTheGeneratorsOutputForSeed2025() throws {
        let expected = DatasetGenerator(seed: 2025).files()
        var total = 0
        for (path, bytes) in expected {
            let actual = try [UInt8](Data(contentsOf: Self.root.appendingPathComponent(path)))
            #expect(actual == bytes, "\(path)")
            total += bytes.count
        }
        let onDisk = FileManager.default.enumerator(atPath: Self.root.path)!.compactMap { $0 as? String }.filter {
            path in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(
                atPath: Self.root.appendingPathComponent(path).path, isDirectory: &isDirectory)
                && !isDirectory.boolValue
        }
        #expect(Set(onDisk) == Set(expected.map(\.path)))
        #expect(total < 2_000_000)
        #expect(Set(expected.compactMap { $0.path.split(separator: "/").first.map(String.init) }).count == 7)
    }
}
