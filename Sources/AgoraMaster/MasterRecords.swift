import AgoraResources
import AgoraWire

/// A framework the master knows: its info, whether its event stream is open (and its id), its offers and tasks.
final class FrameworkRecord {
    let id: FrameworkID
    var info: FrameworkInfo
    var isConnected = false
    var streamID = ""
    var offers: Set<OfferID> = []
    var tasks: [TaskID: TaskEntry] = [:]
    /// Tasks on agents that became unreachable: the framework was told TASK_UNREACHABLE (or TASK_LOST); they come
    /// back if their agent does.
    var unreachableTasks: [TaskID: TaskEntry] = [:]
    /// The last 1,000 tasks that ended (Mesos' `max_completed_tasks_per_framework`), for `/state`.
    var completedTasks = RecentItems<TaskEntry>(capacity: 1000)
    let registeredTime: Double

    init(id: FrameworkID, info: FrameworkInfo, registeredTime: Double) {
        self.id = id
        self.info = info
        self.registeredTime = registeredTime
    }

    /// The role offers are made to: the first of `roles`, else `role`, else `*`.
    var role: String { roles[0] }
    /// Its roles: `roles` for a MULTI_ROLE framework, else its one `role` (`*` by default).
    var roles: [String] { info.roles.isEmpty ? [info.role ?? "*"] : info.roles }

    /// Whether the framework understands TASK_UNREACHABLE, TASK_GONE and TASK_UNKNOWN (Mesos ≥ 1.1).
    var isPartitionAware: Bool { info.capabilities.contains { $0.type == .partitionAware } }

    func remember(completed task: TaskEntry) { completedTasks.append(task) }
}

/// A registered agent: what it offers, where its HTTP endpoint is, what runs on it.
final class AgentRecord {
    let id: AgentID
    var info: AgentInfo
    var total: Resources
    var tasks: Set<TaskKey> = []
    var missedPings = 0
    let registeredTime: Double
    /// The secret the agent holding this id presents with every call; nil until it subscribes.
    var token: AgentToken?
    // The flags follow the optional's one-byte tag, in the padding after it (16 bytes less per agent).
    var isConnected = false
    var answeredPing = true
    /// The address the agent registered from: where frameworks and the CLI reach it, whatever its hostname.
    var ip: String?

    /// `total` is the sum of `info.resources`.
    init(id: AgentID, info: AgentInfo, total: Resources, registeredTime: Double) {
        self.id = id
        self.info = info
        self.total = total
        self.registeredTime = registeredTime
    }

    /// Where frameworks reach the agent (`Offer.url`).
    var url: MesosURL {
        MesosURL(scheme: "http", address: Address(hostname: info.hostname, ip: ip ?? info.hostname, port: info.port ?? 5051),
                 path: "/")
    }

    /// Mesos' agent PID, `slave(1)@IP:PORT`.
    var pid: String { "slave(1)@\(ip ?? info.hostname):\(info.port ?? 5051)" }
}

/// A task's identity across frameworks.
struct TaskKey: Hashable {
    let framework: FrameworkID
    let task: TaskID
}

/// A task from launch to its last acknowledged status.
final class TaskEntry {
    let taskID: TaskID
    let agentID: AgentID
    let executorID: ExecutorID?
    let frameworkID: FrameworkID
    let resources: Resources
    /// The role its resources are allocated to, when known (the accepted offers' role, or the task's own
    /// `allocation_info`); nil means the framework's first role.
    let role: String?
    /// The task as launched, kept as protobuf bytes: the decoded struct is about a kilobyte before its contents,
    /// and the master needs it whole only to send it again or to show it.
    private let launched: Launched
    var state: TaskState = .staging
    var latestStatus: LatestStatus?
    /// Whether the framework acknowledged the latest status (an agent's resend of it is then acknowledged at once).
    var latestAcknowledged = false
    /// Every state it went through, with the container's networks when the status carried them.
    var statuses: [(state: TaskState, timestamp: Double, container: ContainerStatus?)] = []
    /// Where the shell queued the latest status for the framework (set by the shell, not the core).
    var queuedStatus: QueuedCopy?

    private enum Launched {
        case encoded([UInt8])
        /// A task that cannot be encoded (a string holding NUL reached the master over JSON) is kept as is.
        indirect case decoded(TaskInfo)
    }

    init(info: TaskInfo, frameworkID: FrameworkID, resources: Resources, role: String? = nil, now: Double) {
        taskID = info.taskID
        agentID = info.agentID
        executorID = info.executor?.executorID
        self.frameworkID = frameworkID
        self.resources = resources
        self.role = role ?? info.resources.lazy.compactMap { $0.allocationInfo?.role }.first
        launched = (try? info.protobuf()).map(Launched.encoded) ?? .decoded(info)
        statuses.append((.staging, now, nil))
    }

    /// The task as launched; nil only if its own encoding no longer decodes (a bug: callers say so rather than
    /// guess).
    var info: TaskInfo? {
        switch launched {
        case .decoded(let info): info
        case .encoded(let bytes): try? TaskInfo(protobuf: bytes)
        }
    }

    var key: TaskKey { TaskKey(framework: frameworkID, task: taskID) }
}

/// A copy of an event written to a subscriber's stream: which stream (gone once it closes) and where the copy ends
/// in it. While that stream has not sent up to `end`, the copy is still in this process, on its way.
struct QueuedCopy {
    weak var stream: AnyObject?
    let end: Int
}

/// What the master keeps of a task's latest status (the rest of it went to the framework): its state, what
/// reconciliation repeats, and the uuid its acknowledgement must carry.
struct LatestStatus {
    let state: TaskState
    let message: String?
    let healthy: Bool?
    let uuid: [UInt8]?

    init(_ status: TaskStatus) {
        state = status.state
        message = status.message
        healthy = status.healthy
        uuid = status.uuid
    }
}

/// Resources offered to a framework and not yet accepted, declined or rescinded.
struct OfferRecord {
    let id: OfferID
    let frameworkID: FrameworkID
    let agentID: AgentID
    /// The role its resources are allocated to.
    let role: String
    let resources: Resources
}
