/// Environment variables the agent gives an executor beyond Mesos' own.
public enum ExecutorVariable {
    /// The secret the executor presents as a bearer token on every call; it never reaches the task.
    public static let token = "AGORA_EXECUTOR_TOKEN"
    /// A file holding the agent's current `host:port`, re-read before each reconnection (an agent restarted on
    /// another port is found again).
    public static let endpointFile = "AGORA_AGENT_ENDPOINT_FILE"
    /// Set for Agora's command executor when the agent rotates task output: the most bytes of each of the task's
    /// `stdout` and `stderr` files, and how many files of each are kept.
    public static let logMaxSize = "AGORA_LOG_MAX_SIZE"
    public static let logMaxFiles = "AGORA_LOG_MAX_FILES"
    /// Set for Agora's command executor when the task is isolated: the `cgroup.procs` files its command joins before
    /// it execs (separated by `:`), and `1` when the command is the init of fresh PID and mount namespaces.
    public static let taskCgroups = "AGORA_TASK_CGROUPS"
    public static let taskPIDNamespace = "AGORA_TASK_PID_NAMESPACE"
}

/// The labels an Agora agent puts on task statuses: the contract between the agent and the frameworks and CLI that
/// read a task's sandbox and how it ended, defined once (nothing is parsed back out of a status message).
public enum StatusLabel {
    /// The task's sandbox directory on its agent.
    public static let sandbox = "agora.sandbox"
    /// The exit code of the task's command, on the status that reports its end.
    public static let exitCode = "agora.exit_code"
    /// The number of the signal that ended the command, when one did.
    public static let signal = "agora.signal"
    /// The process id (and process group) of the task's command, on the status that reports it running.
    public static let pid = "agora.pid"
}

extension TaskStatus {
    /// The value of label `key`, if the status carries it.
    public func label(_ key: String) -> String? {
        labels?.labels.first { $0.key == key }?.value
    }

    /// The exit code the agent recorded for the task's command.
    public var exitCode: Int? { label(StatusLabel.exitCode).flatMap { Int($0) } }

    /// The signal number that ended the task's command, if one did.
    public var terminatingSignal: Int? { label(StatusLabel.signal).flatMap { Int($0) } }
}
