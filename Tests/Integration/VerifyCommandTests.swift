import Foundation
import Testing

@Suite("The verify command")
struct VerifyCommandTests {
    @Test func mainJobPassesOnTheBundledSample() throws {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("verify")
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "build verify first (swift build)")
        let process = Process()
        process.executableURL = binary
        process.arguments = ["--json"]
        process.currentDirectoryURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(output)")
        #expect(output.contains("\"passed\" : true") && !output.contains("\"passed\" : false"))
        #expect(output.hasSuffix("8 passed, 0 failed\n"))
    }

    @Test func badUsageExitsTwo() throws {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("verify")
        let process = Process()
        process.executableURL = binary
        process.arguments = ["--region", "x"]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 2)
    }
}
