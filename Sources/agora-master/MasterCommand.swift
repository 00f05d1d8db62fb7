import AgoraDaemon
import AgoraAuth
import AgoraMaster
import AgoraRuntime
import ArgumentParser
import Foundation
import Logging

/// `agora-master`: parses flags and runs the master.
@main
struct MasterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agora-master",
        abstract: "The Agora master: offers the agents' resources to frameworks (Mesos v1 scheduler API).")

    @OptionGroup var common: CommonOptions

    @Option(help: "Hostname the master advertises to frameworks.")
    var hostname: String?

    @Option(name: .customLong("allocation-interval"), help: "Time between batched allocation cycles.")
    var allocationInterval = DurationFlag(.seconds(1))

    @Option(name: .customLong("agent-ping-timeout"), help: "Interval between pings to each agent.")
    var agentPingTimeout = DurationFlag(.seconds(15))

    @Option(name: .customLong("max-agent-ping-timeouts"), help: "Missed pings after which an agent is removed.")
    var maxAgentPingTimeouts = 5

    @Option(name: .customLong("heartbeat-interval"), help: "Interval of HEARTBEAT events to frameworks.")
    var heartbeatInterval = DurationFlag(.seconds(15))

    @Option(name: .customLong("agent-reregister-timeout"),
            help: "After a restart, how long admitted agents have to re-register before they are forgotten.")
    var agentReregisterTimeout = DurationFlag(.seconds(600))

    @Option(name: .customLong("registry-max-agent-age"), help: "How long the registry keeps an unreachable agent.")
    var registryMaxAgentAge = DurationFlag(.seconds(14 * 24 * 3600))

    @Option(name: .customLong("registry-max-agent-count"), help: "How many unreachable agents the registry keeps at most.")
    var registryMaxAgentCount = 100_000

    @Option(name: .customLong("credentials"),
            help: "Principals and secrets, Mesos' JSON format: {\"credentials\": [{\"principal\": …, \"secret\": …}]}.")
    var credentials: String?

    @Flag(name: .customLong("authenticate-frameworks"), help: "Frameworks must send HTTP Basic credentials (needs --credentials).")
    var authenticateFrameworks = false

    @Flag(name: .customLong("authenticate-agents"), help: "Agents must send HTTP Basic credentials (needs --credentials).")
    var authenticateAgents = false

    @Flag(name: .customLong("authenticate-http"),
          help: "Operator endpoints that change things (/tasks/kill, /teardown) need credentials (needs --credentials).")
    var authenticateHTTP = false

    @Option(name: .customLong("acls"), help: "ACLs file in Mesos' JSON format (register_frameworks, run_tasks, …).")
    var acls: String?

    mutating func validate() throws {
        if (authenticateFrameworks || authenticateAgents || authenticateHTTP) && credentials == nil {
            throw ValidationError("--authenticate-frameworks, --authenticate-agents and --authenticate-http need --credentials")
        }
        guard maxAgentPingTimeouts >= 1 else { throw ValidationError("--max-agent-ping-timeouts must be at least 1") }
        guard registryMaxAgentCount >= 0 else { throw ValidationError("--registry-max-agent-count must not be negative") }
        for (name, flag) in [("allocation-interval", allocationInterval), ("agent-ping-timeout", agentPingTimeout),
                             ("heartbeat-interval", heartbeatInterval), ("registry-max-agent-age", registryMaxAgentAge)]
            where flag.duration <= .zero {
            throw ValidationError("--\(name) must be positive")
        }
    }

    func run() throws {
        _ = try bootstrapLogging(level: common.logLevel)
        let logger = Logger(label: "agora-master")
        var options = MasterOptions(
            address: SocketAddress(host: common.ip, port: common.port),
            workDirectory: try common.prepareWorkDirectory(),
            hostname: hostname ?? common.ip)
        options.allocationInterval = allocationInterval.duration
        options.agentPingTimeout = agentPingTimeout.duration
        options.maxAgentPingTimeouts = maxAgentPingTimeouts
        options.heartbeatInterval = heartbeatInterval.duration
        options.agentReregisterTimeout = agentReregisterTimeout.duration
        options.registryMaxAgentAge = registryMaxAgentAge.duration
        options.registryMaxAgentCount = registryMaxAgentCount
        options.credentials = try AuthFiles.credentials(credentials)
        options.authenticateFrameworks = authenticateFrameworks
        options.authenticateAgents = authenticateAgents
        options.authenticateHTTP = authenticateHTTP
        options.acls = try AuthFiles.acls(acls)
        try DaemonRunner.run(name: "agora-master", logger: logger) { loop in
            let master = try Master(loop: loop, options: options, logger: logger)
            return (master.address, master.stop)
        }
    }
}
