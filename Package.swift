// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "RaceData",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "RaceData", targets: ["RaceData"]),
        .library(name: "MockS3Server", targets: ["MockS3Server"]),
        .executable(name: "verify", targets: ["Verify"]),
        .executable(name: "s3bench", targets: ["S3Bench"]),
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
        .target(name: "RaceData", dependencies: ["CCurl", "CCrypto"]),
        .target(name: "MockS3Server", dependencies: ["RaceData"]),
        .executableTarget(name: "Verify", dependencies: ["RaceData", "MockS3Server"]),
        .executableTarget(name: "S3Bench", dependencies: ["RaceData"], path: "Benchmarks/S3Bench"),
        .testTarget(name: "RaceDataTests", dependencies: ["RaceData"], path: "Tests/RaceDataTests"),
        .testTarget(name: "PropertiesTests", dependencies: ["RaceData", "MockS3Server"], path: "Tests/Properties"),
        .testTarget(name: "IntegrationTests", dependencies: ["RaceData", "MockS3Server"], path: "Tests/Integration"),
    ]
)
