import AgoraRuntime
import AgoraWire

/// The master's `/state`, read into what the CLI shows.
struct ClusterState {
    struct Agent {
        let id: String
        let hostname: String
        let port: Int
        /// Mesos' PID, `slave(1)@IP:PORT`: the address the agent registered from.
        let pid: String
        let active: Bool
        let resources: JSONValue?
        let used: JSONValue?

        /// Where the agent is reached: its registered address (the hostname need not resolve from here).
        var address: SocketAddress? {
            if let at = pid.lastIndex(of: "@"), let address = SocketAddress(parsing: String(pid[pid.index(after: at)...])) {
                return address
            }
            return SocketAddress(parsing: "\(hostname):\(port)")
        }
    }

    struct Framework {
        let id: String
        let name: String
        let role: String
        let connected: Bool
        let active: Bool
        let used: JSONValue?
        let taskCount: Int
    }

    struct Task {
        let id: String
        let name: String
        let frameworkID: String
        let agentID: String
        let state: String
        let resources: JSONValue?
        let completed: Bool
        /// The image the task runs in, or "-" for a task on the host.
        let image: String
    }

    let agents: [Agent]
    let frameworks: [Framework]
    let tasks: [Task]

    init(_ json: JSONValue) {
        agents = json.list("agents").map { agent in
            Agent(id: agent.string("id"), hostname: agent.string("hostname"), port: agent.int("port"), pid: agent.string("pid"),
                  active: agent["active"] == .bool(true), resources: agent["resources"], used: agent["used_resources"])
        }
        var frameworks: [Framework] = []
        var tasks: [Task] = []
        for (list, active) in [("frameworks", true), ("completed_frameworks", false)] {
            for framework in json.list(list) {
                let live = framework.list("tasks")
                frameworks.append(Framework(
                    id: framework.string("id"), name: framework.string("name"), role: framework.string("role"),
                    connected: framework["connected"] == .bool(true), active: active,
                    used: framework["used_resources"], taskCount: live.count))
                for (taskList, completed) in [(live, false), (framework.list("completed_tasks"), true)] {
                    for task in taskList {
                        tasks.append(Task(id: task.string("id"), name: task.string("name"),
                                          frameworkID: task.string("framework_id"), agentID: task.string("agent_id"),
                                          state: task.string("state"), resources: task["resources"],
                                          completed: completed || !active, image: Self.image(of: task["container"])))
                    }
                }
            }
        }
        self.frameworks = frameworks
        self.tasks = tasks
    }

    /// The image a task's `container` names (Mesos JSON: `docker.image`, or `mesos.image.docker.name`).
    static func image(of container: JSONValue?) -> String {
        guard let container else { return "-" }
        if case .string(let name)? = container["docker"]?["image"] { return name }
        if case .string(let name)? = container["mesos"]?["image"]?["docker"]?["name"] { return name }
        return "-"
    }

    /// Fetches `/state` from the master.
    static func fetch(_ master: SocketAddress) throws -> ClusterState {
        ClusterState(try BlockingHTTP.json("/state", from: master, what: "the master"))
    }

    /// The task with `id` (the newest run when completed ones repeat the id); an error when unknown.
    func task(_ id: String) throws -> Task {
        guard let task = tasks.first(where: { $0.id == id && !$0.completed }) ?? tasks.last(where: { $0.id == id }) else {
            throw CLIError.failed("no task '\(id)' is known to the master")
        }
        return task
    }

    func agent(_ id: String) throws -> Agent {
        guard let agent = agents.first(where: { $0.id == id }) else {
            throw CLIError.failed("agent '\(id)' is no longer registered with the master")
        }
        return agent
    }
}

extension JSONValue {
    func list(_ key: String) -> [JSONValue] {
        if case .array(let items)? = self[key] { return items }
        return []
    }

    func string(_ key: String) -> String {
        switch self[key] {
        case .string(let value)?: value
        case .number(let value)?: value
        default: ""
        }
    }

    func int(_ key: String) -> Int {
        if case .number(let value)? = self[key] { return Bounds.clampedInt(Double(value) ?? 0) }
        return 0
    }

    /// `cpus:1 mem:128 …` from a resources object.
    var resourceSummary: String {
        guard case .object(let entries) = self else { return "" }
        return entries.compactMap { key, value in
            switch value {
            case .number(let number) where Double(number) != 0: "\(key):\(number)"
            case .string(let text): "\(key):\(text)"
            default: nil
            }
        }.joined(separator: " ")
    }
}
