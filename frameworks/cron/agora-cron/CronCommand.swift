import AgoraDaemon
import AgoraRuntime
import AgoraCron
import ArgumentParser
import Logging

/// `agora-cron`: parses flags and runs the services framework.
@main
struct CronCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agora-cron",
        abstract: "Runs scheduled and dependent batch jobs on an Agora cluster; Chronos-compatible REST API.")

    @OptionGroup var common: CommonOptions

    @Option(help: "The master as host:port.")
    var master = "127.0.0.1:5050"

    func run() throws {
        _ = try bootstrapLogging(level: common.logLevel)
        let logger = Logger(label: "agora-cron")
        let parts = master.replacingOccurrences(of: "http://", with: "").split(separator: ":")
        guard parts.count == 2, let port = UInt16(parts[1]) else { throw ValidationError("--master must be host:port") }
        let masterAddress = SocketAddress(host: parts[0] == "localhost" ? "127.0.0.1" : String(parts[0]), port: port)
        let workDirectory = try common.prepareWorkDirectory()
        try DaemonRunner.run(name: "agora-cron", logger: logger) { loop in
            let framework = try CronFramework(
                loop: loop, address: SocketAddress(host: common.ip, port: common.port), master: masterAddress,
                workDirectory: workDirectory, logger: logger)
            return (framework.address, framework.stop)
        }
    }
}
