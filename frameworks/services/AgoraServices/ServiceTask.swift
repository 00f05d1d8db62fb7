import AgoraWire
import Foundation

/// One instance of an app: where it runs, on which ports, in which state.
public final class ServiceTask {
    public let id: TaskID
    public let appID: String
    public let version: Date
    public let agentID: AgentID
    public let host: String
    public let ports: [UInt64]
    public let stagedAt: Date
    public var state: TaskState
    public var startedAt: Date?
    public var healthy: Bool?
    /// The framework asked for this task to end (scale down, upgrade, delete): its end is no failure.
    public var killing = false
    /// Since when its agent has been unreachable (TASK_UNREACHABLE), until it is heard from again.
    public var unreachableSince: Date?
    /// Its own addresses on container networks, as its statuses report them (none on the host's network).
    public var containerAddresses: [String] = []

    init(id: TaskID, appID: String, version: Date, agentID: AgentID, host: String, ports: [UInt64], stagedAt: Date,
         state: TaskState = .staging) {
        self.id = id
        self.appID = appID
        self.version = version
        self.agentID = agentID
        self.host = host
        self.ports = ports
        self.stagedAt = stagedAt
        self.state = state
    }

    var isAlive: Bool { !state.isTerminal }

    /// The state shown to clients: `TASK_KILLING` from the moment the framework decided to kill a running instance.
    var shownState: TaskState { killing && state == .running ? .killing : state }

    /// Running and, when the app has health checks, reported healthy.
    func isHealthy(checked: Bool) -> Bool { state == .running && (!checked || healthy == true) }

    /// Marathon's task object; `checked` when its app has health checks, `servicePorts` its app's.
    func json(checked: Bool, servicePorts: [Int]) -> JSONValue {
        var entries: [(key: String, value: JSONValue)] = [
            ("id", .string(id.value)),
            ("appId", .string(appID)),
            ("host", .string(host)),
            ("ports", .array(ports.map { .integer($0) })),
            ("servicePorts", .array(servicePorts.map { .integer($0) })),
            ("slaveId", .string(agentID.value)),
            ("stagedAt", .string(MarathonDate.format(stagedAt))),
            ("state", .string(shownState.rawValue)),
            ("version", .string(MarathonDate.format(version))),
            ("ipAddresses", .array((containerAddresses.isEmpty ? [host] : containerAddresses).map { address in
                .object([("ipAddress", .string(address)), ("protocol", .string(address.contains(":") ? "IPv6" : "IPv4"))])
            })),
        ]
        if let startedAt { entries.append(("startedAt", .string(MarathonDate.format(startedAt)))) }
        if checked, let healthy {
            entries.append(("healthCheckResults", .array([.object([
                ("alive", .bool(healthy)), ("consecutiveFailures", .integer(healthy ? 0 : 1)),
                ("taskId", .string(id.value)),
            ])])))
        } else {
            entries.append(("healthCheckResults", .array([])))
        }
        return .object(entries)
    }
}
