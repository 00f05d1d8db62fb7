import AgoraAgent
import AgoraAllocator
import AgoraDaemon
import AgoraRuntime
import ArgumentParser
import Foundation
import Logging

/// `agora-agent`: parses flags and runs an agent.
@main
struct AgentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agora-agent",
        abstract: "The Agora agent: offers this host's resources to the master and runs tasks.")

    @OptionGroup var common: CommonOptions

    @Option(help: "The master as host:port.")
    var master: String

    @Option(help: "Resources to offer, e.g. \"cpus:2;mem:1024;disk:4096;ports:[31000-32000]\" (default: detected).")
    var resources: String?

    @Option(help: "Attributes passed to offers, e.g. \"rack:r1;zone:a\".")
    var attributes = ""

    @Option(help: "Hostname advertised to the master and frameworks (default: --ip).")
    var hostname: String?

    @Option(name: .customLong("gc-delay"), help: "How long finished tasks' sandboxes are kept.")
    var gcDelay = DurationFlag(.seconds(3600))

    @Option(name: .customLong("default-grace-period"), help: "SIGTERM to SIGKILL wait when a task names none.")
    var defaultGracePeriod = DurationFlag(.seconds(3))

    @Option(help: "cgroups (limit each task's memory, CPU and processes where the host allows) or none.")
    var isolation = "cgroups"

    func masterAddress() throws -> SocketAddress { try FrameworkRunner.masterAddress(master) }

    mutating func validate() throws {
        _ = try masterAddress()
        if let resources {
            do { _ = try Resources(parsing: resources) } catch { throw ValidationError("--resources: \(error)") }
        }
        do { _ = try parseAttributes(attributes) } catch { throw ValidationError("--attributes: \(error)") }
        guard ["cgroups", "none"].contains(isolation) else { throw ValidationError("--isolation must be cgroups or none") }
    }

    func run() throws {
        _ = try bootstrapLogging(level: common.logLevel)
        let logger = Logger(label: "agora-agent")
        let workDirectory = try common.prepareWorkDirectory()
        var options = AgentOptions(
            address: SocketAddress(host: common.ip, port: common.port), workDirectory: workDirectory,
            master: try masterAddress(), hostname: hostname ?? common.ip,
            resources: try resources.map { try Resources(parsing: $0) } ?? HostResources.detect(workDirectory: workDirectory))
        options.attributes = try parseAttributes(attributes)
        options.gcDelay = gcDelay.duration
        options.defaultGracePeriod = defaultGracePeriod.duration
        options.isolation = isolation == "cgroups"
        try DaemonRunner.run(name: "agora-agent", logger: logger) { loop in
            let agent = try Agent(loop: loop, options: options, logger: logger)
            return (agent.address, agent.stop)
        }
    }
}
