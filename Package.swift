// swift-tools-version: 6.0
import PackageDescription

// The module map (README, "Modules"): S3Wire is S3's wire protocol with no HTTP in it; S3Kit is the
// client over libcurl; RaceData is the data layer; MockS3Server is the test double, which shares only
// S3Wire with the client. Benchmarks are a package of their own in Benchmarks/.
let nio: [Target.Dependency] = [
    .product(name: "NIOCore", package: "swift-nio"),
    .product(name: "NIOPosix", package: "swift-nio"),
    .product(name: "NIOHTTP1", package: "swift-nio"),
]
let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")
let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")

let package = Package(
    name: "RaceData",
    products: [
        .library(name: "S3Wire", targets: ["S3Wire"]),
        .library(name: "S3Kit", targets: ["S3Kit"]),
        .library(name: "RaceData", targets: ["RaceData"]),
        .library(name: "MockS3Server", targets: ["MockS3Server"]),
        .library(name: "RaceDataTesting", targets: ["RaceDataTesting"]),
        .executable(name: "verify", targets: ["Verify"]),
        .executable(name: "mock-s3", targets: ["MockS3Command"]),
        .executable(name: "racedata", targets: ["RaceDataCommand"]),
        .executable(name: "race-api", targets: ["RaceAPI"]),
        .executable(name: "s3-diff", targets: ["S3DiffCommand"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"]), .brew(["curl"])]),
        .systemLibrary(
            name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"]), .brew(["openssl@3"])]),
        // The CRC-32C instruction and SHA-256 four at a time, which Swift cannot name; chosen at run time.
        .target(name: "CChecksum"),
        // CSV's structural bytes found 64 at a time: AVX2 where the CPU has it (chosen at run time), else
        // SSE2 on x86-64, plain C elsewhere.
        .target(name: "CCSVIndex"),

        .target(name: "S3Wire", dependencies: ["CCrypto", "CChecksum"]),
        .target(name: "S3Kit", dependencies: ["S3Wire", "CCurl"]),
        .target(name: "RaceData", dependencies: ["S3Kit", "CCSVIndex", logging]),
        .target(name: "RaceDataTesting", dependencies: ["RaceData"]),
        .target(name: "MockS3Server", dependencies: ["S3Wire"] + nio),
        .target(name: "Properties", dependencies: ["RaceData", "MockS3Server", "RaceDataTesting"]),
        // mock-s3 against other S3 servers: seeded request sequences, compared and shrunk.
        .target(name: "S3Differential", dependencies: ["S3Kit", "S3Wire", "RaceDataTesting"]),
        .target(name: "RaceService", dependencies: ["RaceData", logging] + nio),
        .target(name: "CommandSupport", dependencies: [argumentParser, logging]),

        .executableTarget(
            name: "MockS3Command", dependencies: ["MockS3Server", "CommandSupport", argumentParser],
            path: "Sources/mock-s3"),
        .executableTarget(
            name: "RaceDataCommand", dependencies: ["RaceData", "CommandSupport", argumentParser, logging],
            path: "Sources/racedata"),
        .executableTarget(
            name: "RaceAPI",
            dependencies: ["RaceService", "RaceData", "S3Kit", "CommandSupport", argumentParser, logging],
            path: "Sources/race-api"),
        .executableTarget(
            name: "S3DiffCommand",
            dependencies: ["S3Differential", "MockS3Server", "S3Kit", "CommandSupport", argumentParser],
            path: "Sources/s3-diff"),
        .executableTarget(
            name: "Verify",
            dependencies: [
                "RaceData", "MockS3Server", "Properties", "RaceDataTesting", "CommandSupport",
                argumentParser, logging,
            ]),

        .target(
            name: "TestSupport",
            dependencies: [
                "RaceData", "MockS3Server", "RaceDataTesting", "CommandSupport", "RaceService",
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tests/Support"),
        .testTarget(
            name: "S3WireTests", dependencies: ["S3Wire"], path: "Tests/S3WireTests",
            exclude: ["Fixtures"]),
        .testTarget(
            name: "S3KitTests", dependencies: ["S3Wire", "S3Kit", "RaceDataTesting", "TestSupport"],
            path: "Tests/S3KitTests"),
        .testTarget(
            name: "RaceDataTests", dependencies: ["RaceData", "CCSVIndex", "RaceDataTesting", "TestSupport"],
            path: "Tests/RaceDataTests"),
        .testTarget(
            name: "MockS3ServerTests",
            dependencies: ["S3Wire", "S3Kit", "MockS3Server", "RaceDataTesting", "TestSupport"],
            path: "Tests/MockS3ServerTests"),
        .testTarget(
            name: "PropertiesTests", dependencies: ["RaceData", "MockS3Server", "Properties", "TestSupport"],
            path: "Tests/Properties"),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "RaceData", "MockS3Server", "RaceDataTesting", "TestSupport", "RaceService", "S3Differential",
            ],
            path: "Tests/Integration"),
    ]
)
