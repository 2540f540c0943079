import ArgumentParser
import CommandSupport
import Foundation
import Logging
import RaceData
import RaceService
import S3Kit

@main
struct RaceAPICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "race-api",
        abstract: "The analytics service: the app's data endpoints, served from the loader.",
        discussion: """
            Where the data is comes from the environment: USE_S3_DATA, S3_BUCKET_NAME, S3_PREFIX, DATA_DIR and the AWS settings (see the README). CORS_ALLOW_ORIGINS lists the browser origins allowed (comma-separated; default *). LOG_LEVEL sets the log level (default info). 
            """)

    @Option(help: "The address to listen on (default: HOST, else 0.0.0.0, every interface, as a container needs).")
    var host: String?
    @Option(help: "The port to listen on (default: PORT, else 8000).") var port: Int?

    static func main() async { await parseAndRun() }

    func run() async throws {
        Logs.bootstrap(default: .info)
        let logger = Logger(label: "race-api")
        let environment = ProcessInfo.processInfo.environment
        let configuration: DataConfiguration
        do {
            configuration = try DataConfiguration.fromEnvironment(environment)
        } catch {
            throw CommandFailure("configuration error: \(error)", exitCode: 2)
        }
        let port =
            try self.port ?? environment.setting("PORT").map { text in
                guard let port = Int(text) else {
                    throw CommandFailure("PORT=\(text) is not a port number", exitCode: 2)
                }
                return port
            } ?? 8000
        guard (0...65535).contains(port) else {
            throw CommandFailure("port \(port) is not a port number (0-65535)", exitCode: 2)
        }
        let host = host ?? environment.setting("HOST") ?? "0.0.0.0"
        let server: APIServer
        do {
            server = try await APIServer(
                analytics: Analytics(source: configuration.makeSource()),
                host: host, port: port,
                cors: CORSPolicy(environment: environment["CORS_ALLOW_ORIGINS"]), logger: logger)
        } catch {
            throw CommandFailure("could not start on \(host):\(port): \(error)", exitCode: 1)
        }
        logger.info(
            "race-api listening",
            metadata: ["address": "\(host):\(server.port)", "source": "\(configuration.choice)"])
        await Termination.wait()
        logger.info("race-api stopping")
        try await server.stop()
    }
}
