import Foundation

/// The bundled sample (`Sample/data`, the generator's seed 2025), beside the package.
public enum SampleData {
    public static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "../../Sample/data"
    ).standardized
}
