import AgoraHTTP
import AgoraResources
import AgoraRuntime
import AgoraWire
import Foundation

/// One task on this agent: its sandbox, its process tree, and where it is in its life.
final class TaskRun {
    let frameworkID: FrameworkID
    let info: TaskInfo
    let sandbox: String
    /// The Unix user the task runs as: `CommandInfo.user`, else the framework's `user`.
    let user: String
    let resources: Resources
    /// When the agent started it, in seconds since 1970.
    let startedAt: Double
    var state: TaskState = .staging
    var process: ChildProcess?
    var killRequested = false
    var killTimer: LoopTimer?
    var exit: ProcessExit?
    var message: String?
    /// Its health, as its executor last reported it.
    var healthy: Bool?
    /// A limit the task went over (disk), which decides how its end is reported.
    var limitation: (message: String, reason: TaskStatus.Reason)?
    /// The secret its executor presents (`AGORA_EXECUTOR_TOKEN`), and the executor's event stream once subscribed.
    let executorToken: String
    var executorStream: EventStream<ExecutorEvent>?
    /// The command the executor runs for the task (the task's, in namespaces when the agent isolates them).
    var launchCommand: CommandInfo?
    /// Whether the executor was sent the task (LAUNCH).
    var launched = false
    /// Whether the task's end is being reported (it is reported once).
    var ending = false
    /// The executor of a task found after an agent restart (not this agent's child: watched by polling).
    var adoptedExecutorPID: Int32?
    /// The task's own process (and process group), as its executor reported it.
    var taskPID: Int32?
    /// Uuids of updates that came from the executor: their acknowledgements go back to it.
    var executorUpdates: Set<[UInt8]> = []
    /// The processes rotating the task's stdout and stderr.
    var loggers: [ChildProcess] = []
    private var loggersDone = 0
    private var afterLoggers: (() -> Void)?
    private var loggerDeadline: LoopTimer?

    func loggerExited() {
        loggersDone += 1
        if loggersDone == loggers.count { runAfterLoggers() }
    }

    /// Runs `body` once every logger has exited, or after `timeout` (a descendant outside the task's group may hold
    /// its output open).
    func whenLoggersAreDone(loop: Loop, timeout: Duration, orReport failed: (RuntimeError) -> Void,
                            _ body: @escaping () -> Void) {
        afterLoggers = body
        guard loggersDone < loggers.count else { return runAfterLoggers() }
        loggerDeadline = loop.schedule(after: timeout, orReport: failed) { [weak self] in self?.runAfterLoggers() }
        if loggerDeadline == nil { runAfterLoggers() }
    }

    private func runAfterLoggers() {
        loggerDeadline?.close()
        loggerDeadline = nil
        let body = afterLoggers
        afterLoggers = nil
        body?()
    }

    /// The manifest of the image its container runs, when it runs in one.
    var imageManifest: String?

    /// Its network namespace and networks, when its container has its own; whether they are being released, and
    /// what waits for that.
    var network: TaskNetwork?
    var releasingNetwork = false
    var afterNetworkRelease: [() -> Void] = []

    /// The agent group its cgroup was made in (the launching agent's pid), when it has one.
    var cgroupInstance: String?

    /// The task's cgroup name: its id and run, unique on this agent.
    let cgroupName: String

    init(frameworkID: FrameworkID, info: TaskInfo, sandbox: String, user: String, startedAt: Double, executorToken: String) {
        self.startedAt = startedAt
        self.executorToken = executorToken
        self.frameworkID = frameworkID
        self.info = info
        self.sandbox = sandbox
        cgroupName = info.taskID.value + "-" + (sandbox.split(separator: "/").last.map(String.init) ?? "")
        self.user = user
        resources = Resources(info.resources) + Resources(info.executor?.resources ?? [])
    }

    var key: TaskKey { TaskKey(framework: frameworkID, task: info.taskID) }

    /// A fresh secret for a task's executor: 128 bits from the system's random source as 32 lower-case hexadecimal
    /// digits, each word written at its full width (leading zeros kept, so no two draws read the same).
    static func newExecutorToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return [generator.next() as UInt64, generator.next()].map { word in
            let digits = String(word, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }.joined()
    }

    /// Whether an OCI runtime runs it (its container has an image); the runtime may make its cgroups in every
    /// hierarchy.
    var runsInContainer: Bool { info.container?.imageName != nil }

    /// The framework's own executor (`TaskInfo.executor`), when the task brought one instead of a command.
    var customExecutor: ExecutorInfo? { info.executor }

    /// The task's executor: its custom executor's id, or the task's id for Agora's command executor.
    var executorID: ExecutorID { info.executor?.executorID ?? ExecutorID(info.taskID.value) }

    /// The ports given to the task, in offer order (`PORT0`, `PORT1`, … and `PORTS`).
    var ports: [UInt64] { resources.ranges("ports").values }

    /// The task's full environment: only what the agent was told to pass (`--executor-environment-variables`),
    /// the user's names, Agora's and Mesos' names, then the task's own variables. Nothing else of the agent's.
    func environment(base: [String: String], agentID: AgentID?, hostname: String, home: String?) -> [String: String] {
        var env = base
        env["USER"] = user
        env["LOGNAME"] = user
        if let home { env["HOME"] = home }
        env["AGORA_TASK_ID"] = info.taskID.value
        env["AGORA_FRAMEWORK_ID"] = frameworkID.value
        env["AGORA_SANDBOX"] = sandbox
        env["MESOS_TASK_ID"] = info.taskID.value
        env["MESOS_FRAMEWORK_ID"] = frameworkID.value
        env["MESOS_SANDBOX"] = sandbox
        env["MESOS_DIRECTORY"] = sandbox
        if let agentID {
            env["AGORA_AGENT_ID"] = agentID.value
            env["MESOS_AGENT_ID"] = agentID.value
        }
        env["HOST"] = hostname
        let ports = self.ports
        for (index, port) in ports.enumerated() { env["PORT\(index)"] = String(port) }
        if let first = ports.first { env["PORT"] = String(first) }
        env["PORTS"] = ports.map(String.init).joined(separator: ",")
        for variable in (info.command ?? info.executor?.command)?.environment?.variables ?? [] {
            env[variable.name] = variable.value ?? ""
        }
        return env
    }

    /// What to run: a shell line, or an executable with its arguments (the custom executor's, when it has one).
    var command: ProcessSpec.Command? {
        guard let command = info.command ?? info.executor?.command, let value = command.value, !value.isEmpty else {
            return nil
        }
        if command.isShell { return .shell(value) }
        return .argv([value] + (command.arguments.isEmpty ? [] : Array(command.arguments.dropFirst())))
    }
}
