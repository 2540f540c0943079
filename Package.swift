// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "RaceData",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "RaceData", targets: ["RaceData"]),
        .library(name: "MockS3Server", targets: ["MockS3Server"]),
        .executable(name: "verify", targets: ["Verify"]),
        .executable(name: "mock-s3", targets: ["MockS3Command"]),
        .executable(name: "racedata", targets: ["RaceDataCommand"]),
        .executable(name: "race-api", targets: ["RaceAPI"]),
        .executable(name: "s3bench", targets: ["S3Bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"]), .brew(["curl"])]
        ),
        .systemLibrary(
            name: "CCrypto",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"]), .brew(["openssl@3"])]
        ),
        // The CRC-32C instruction, which Swift cannot name (x86-64 SSE 4.2, ARMv8 CRC); chosen at run time.
        .target(name: "CChecksum"),
        .target(name: "RaceData", dependencies: ["CCurl", "CCrypto", "CChecksum", .product(name: "Logging", package: "swift-log")]),
        .target(name: "MockS3Server", dependencies: [
            "RaceData", "CCrypto",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
        .executableTarget(name: "MockS3Command", dependencies: ["MockS3Server", "RaceData"], path: "Sources/mock-s3"),
        .executableTarget(name: "RaceDataCommand", dependencies: [
            "RaceData", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ], path: "Sources/racedata"),
        .target(name: "Properties", dependencies: ["RaceData", "MockS3Server"]),
        .target(name: "RaceService", dependencies: [
            "RaceData", .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
        .executableTarget(name: "RaceAPI", dependencies: ["RaceService", "RaceData", .product(name: "Logging", package: "swift-log")],
                          path: "Sources/race-api"),
        .executableTarget(name: "Verify", dependencies: ["RaceData", "MockS3Server", "Properties", .product(name: "Logging", package: "swift-log")]),
        .executableTarget(name: "S3Bench", dependencies: [
            "RaceData", "CCurl", "MockS3Server",
            .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOEmbedded", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ], path: "Benchmarks/S3Bench"),
        .testTarget(name: "RaceDataTests", dependencies: ["RaceData"], path: "Tests/RaceDataTests"),
        .target(name: "TestSupport", dependencies: ["RaceData", "MockS3Server"], path: "Tests/Support"),
        .testTarget(name: "MockS3ServerTests", dependencies: ["RaceData", "MockS3Server", "TestSupport"], path: "Tests/MockS3ServerTests"),
        .testTarget(name: "PropertiesTests", dependencies: ["RaceData", "MockS3Server", "Properties", "TestSupport"], path: "Tests/Properties"),
        .testTarget(name: "IntegrationTests", dependencies: ["RaceData", "MockS3Server", "TestSupport", "RaceService"], path: "Tests/Integration"),
    ]
)
