import CommandSupport
import Foundation
import Logging
import RaceData
import S3Kit
import S3Wire
import RaceService

// race-api: the analytics service. Configuration from the environment (SPEC.md), plus PORT
// (default 8000) and HOST (default 0.0.0.0, every interface, as a container needs).
LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardOutput(label: label)
    handler.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
    return handler
}
let logger = Logger(label: "race-api")
let environment = ProcessInfo.processInfo.environment
let configuration: DataConfiguration
do {
    configuration = try DataConfiguration.fromEnvironment(environment)
} catch {
    logger.critical("configuration error: \(error)")
    exit(2)
}
guard let port = Int(environment["PORT"] ?? "8000"), (0...65535).contains(port) else {
    logger.critical("PORT=\(environment["PORT"] ?? "") is not a port number")
    exit(2)
}
let host = environment["HOST"] ?? "0.0.0.0"
do {
    let server = try await APIServer(analytics: Analytics(source: configuration.makeSource()),
                                     description: SourceDescription(configuration), host: host, port: port, logger: logger)
    logger.info("race-api listening", metadata: ["address": "\(host):\(server.port)", "source": "\(SourceDescription(configuration).source)"])
    await Termination.wait()
    logger.info("race-api stopping")
    try await server.stop()
} catch {
    logger.critical("race-api could not start: \(error)")
    exit(1)
}
