import AgoraAuth
import AgoraRuntime

/// How a master runs: where it listens and its timing knobs (the `agora-master` flags).
public struct MasterOptions: Sendable {
    public var address: SocketAddress
    public var workDirectory: String
    public var hostname: String
    /// Time between batched allocation cycles.
    public var allocationInterval: Duration = .seconds(1)
    /// How often agents are pinged; an unanswered ping is a miss.
    public var agentPingTimeout: Duration = .seconds(15)
    /// Misses in a row after which an agent is removed and its tasks are lost.
    public var maxAgentPingTimeouts = 5
    /// Interval of HEARTBEAT events on framework streams.
    public var heartbeatInterval: Duration = .seconds(15)
    /// After a restart, how long admitted agents have to re-register before they are forgotten.
    public var agentReregisterTimeout: Duration = .seconds(600)
    /// How long and how many unreachable agents the registry keeps (`--registry-max-agent-age`, `-count`).
    public var registryMaxAgentAge: Duration = .seconds(14 * 24 * 3600)
    public var registryMaxAgentCount = 100_000
    /// Principals and secrets (`--credentials`), checked for the kinds of callers below that authenticate.
    public var credentials: Credentials?
    /// Frameworks must present HTTP Basic credentials on every scheduler call (`--authenticate-frameworks`).
    public var authenticateFrameworks = false
    /// Agents must present HTTP Basic credentials on every agent call (`--authenticate-agents`).
    public var authenticateAgents = false
    /// Operator endpoints that change things (`/tasks/kill`, `/teardown`) need credentials (`--authenticate-http`).
    public var authenticateHTTP = false
    /// Who may do what (`--acls`, Mesos' format).
    public var acls = ACLs()

    public init(address: SocketAddress, workDirectory: String, hostname: String) {
        self.address = address
        self.workDirectory = workDirectory
        self.hostname = hostname
    }
}

/// The version Agora reports (digits and dots only: Mesos clients parse it).
public let agoraVersion = "0.1.0"
