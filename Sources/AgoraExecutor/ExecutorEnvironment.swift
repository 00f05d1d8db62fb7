import AgoraRuntime
import AgoraWire

/// What an executor is told by its agent, through the environment Mesos defines for executors.
public struct ExecutorEnvironment: Sendable {
    /// Where the agent's executor API listens (`MESOS_AGENT_ENDPOINT`, `host:port`).
    public var agent: SocketAddress
    public var frameworkID: FrameworkID
    public var executorID: ExecutorID
    /// The sandbox (`MESOS_SANDBOX`).
    public var sandbox: String
    /// Whether to wait for a restarted agent (`MESOS_CHECKPOINT` non-empty) instead of ending with the connection.
    public var checkpoint: Bool
    /// How long to wait for the agent to come back (`MESOS_RECOVERY_TIMEOUT`, seconds).
    public var recoveryTimeout: Duration
    /// The secret proving to the agent that this is the executor it started (`ExecutorVariable.token`).
    public var token: String?
    /// A file where a restarted agent says where it listens now (`ExecutorVariable.endpointFile`).
    public var endpointFile: String?
    /// How the task's stdout and stderr are rotated in the sandbox, when the agent asks the executor to do it.
    public var logRotation: (maxBytes: Int, maxFiles: Int)?
    /// The `cgroup.procs` files the task's command joins, and whether it starts in its own PID namespace.
    public var cgroupProcs: [String] = []
    public var pidNamespace = false
    /// The variables the task gets: everything but the executor's own secret and settings.
    public var taskEnvironment: [String: String]

    /// Reads `variables`; a missing or malformed required one is an error naming it.
    public init(_ variables: [String: String]) throws(ExecutorError) {
        func required(_ name: String) throws(ExecutorError) -> String {
            guard let value = variables[name], !value.isEmpty else { throw ExecutorError("\(name) is not set") }
            return value
        }
        let endpoint = try required("MESOS_AGENT_ENDPOINT")
        guard let agent = SocketAddress(parsing: endpoint) else {
            throw ExecutorError("MESOS_AGENT_ENDPOINT must be host:port, got \"\(endpoint)\"")
        }
        self.agent = agent
        frameworkID = FrameworkID(try required("MESOS_FRAMEWORK_ID"))
        executorID = ExecutorID(try required("MESOS_EXECUTOR_ID"))
        sandbox = try required("MESOS_SANDBOX")
        checkpoint = !(variables["MESOS_CHECKPOINT"] ?? "").isEmpty
        let timeout = variables["MESOS_RECOVERY_TIMEOUT"].flatMap(Double.init) ?? 900
        guard timeout.isFinite, timeout >= 0, timeout <= Bounds.maxSeconds else {
            throw ExecutorError("MESOS_RECOVERY_TIMEOUT must be a number of seconds")
        }
        recoveryTimeout = Bounds.duration(seconds: timeout)
        if let size = variables[ExecutorVariable.logMaxSize], let files = variables[ExecutorVariable.logMaxFiles] {
            guard let maxBytes = Int(size), maxBytes > 0, let maxFiles = Int(files), (1...1000).contains(maxFiles) else {
                throw ExecutorError("\(ExecutorVariable.logMaxSize) must be a positive number and \(ExecutorVariable.logMaxFiles) 1-1000")
            }
            logRotation = (maxBytes, maxFiles)
        }
        if let cgroups = variables[ExecutorVariable.taskCgroups] {
            cgroupProcs = cgroups.split(separator: ":").map(String.init)
            guard cgroupProcs.allSatisfy({ $0.hasPrefix("/") && $0.hasSuffix("/cgroup.procs") }) else {
                throw ExecutorError("\(ExecutorVariable.taskCgroups) must list cgroup.procs files by absolute path")
            }
        }
        pidNamespace = variables[ExecutorVariable.taskPIDNamespace] == "1"
        token = variables[ExecutorVariable.token]
        endpointFile = variables[ExecutorVariable.endpointFile]
        var task = variables
        for name in [ExecutorVariable.token, ExecutorVariable.logMaxSize, ExecutorVariable.logMaxFiles,
                     ExecutorVariable.taskCgroups, ExecutorVariable.taskPIDNamespace] { task[name] = nil }
        taskEnvironment = task
    }
}

/// Why the executor cannot go on.
public struct ExecutorError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
