// swift-tools-version: 6.0
import PackageDescription

// s3bench, the benchmarks' in-process tool, as a package of its own (as swift-nio keeps its
// benchmarks): `swift build` and `swift test` of the project never build it.
//   swift build -c release --package-path Benchmarks --product s3bench
let package = Package(
    name: "RaceDataBenchmarks",
    products: [.executable(name: "s3bench", targets: ["S3Bench"])],
    dependencies: [
        .package(name: "RaceData", path: ".."),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .executableTarget(
            name: "S3Bench",
            dependencies: [
                .product(name: "S3Wire", package: "RaceData"), .product(name: "S3Kit", package: "RaceData"),
                .product(name: "RaceData", package: "RaceData"), .product(name: "MockS3Server", package: "RaceData"),
                .product(name: "RaceDataTesting", package: "RaceData"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ])
    ]
)
