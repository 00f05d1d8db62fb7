/// The states a task moves through. Raw values are the proto names.
public enum TaskState: String, Codable, Sendable, CaseIterable {
    case staging = "TASK_STAGING"
    case starting = "TASK_STARTING"
    case running = "TASK_RUNNING"
    case killing = "TASK_KILLING"
    case finished = "TASK_FINISHED"
    case failed = "TASK_FAILED"
    case killed = "TASK_KILLED"
    case error = "TASK_ERROR"
    case lost = "TASK_LOST"
    case dropped = "TASK_DROPPED"
    case unreachable = "TASK_UNREACHABLE"
    case gone = "TASK_GONE"
    case goneByOperator = "TASK_GONE_BY_OPERATOR"
    case unknown = "TASK_UNKNOWN"

    /// Whether the task has ended and its resources are free.
    public var isTerminal: Bool {
        switch self {
        case .finished, .failed, .killed, .error, .lost, .dropped, .gone, .goneByOperator: true
        default: false
        }
    }
}

/// A report on a task's state, from the agent, the executor or the master.
public struct TaskStatus: WireMessage, Hashable {
    public static let protoName = "mesos.v1.TaskStatus"

    /// Who produced the status.
    public enum Source: String, Codable, Sendable {
        case master = "SOURCE_MASTER"
        case agent = "SOURCE_AGENT"
        case executor = "SOURCE_EXECUTOR"
    }

    /// Why the task is in its state.
    public enum Reason: String, Codable, Sendable, CaseIterable {
        case commandExecutorFailed = "REASON_COMMAND_EXECUTOR_FAILED"
        case containerLaunchFailed = "REASON_CONTAINER_LAUNCH_FAILED"
        case containerLimitation = "REASON_CONTAINER_LIMITATION"
        case containerLimitationDisk = "REASON_CONTAINER_LIMITATION_DISK"
        case containerLimitationMemory = "REASON_CONTAINER_LIMITATION_MEMORY"
        case containerPreempted = "REASON_CONTAINER_PREEMPTED"
        case containerUpdateFailed = "REASON_CONTAINER_UPDATE_FAILED"
        case maxCompletionTimeReached = "REASON_MAX_COMPLETION_TIME_REACHED"
        case executorRegistrationTimeout = "REASON_EXECUTOR_REGISTRATION_TIMEOUT"
        case executorReregistrationTimeout = "REASON_EXECUTOR_REREGISTRATION_TIMEOUT"
        case executorTerminated = "REASON_EXECUTOR_TERMINATED"
        case executorUnregistered = "REASON_EXECUTOR_UNREGISTERED"
        case frameworkRemoved = "REASON_FRAMEWORK_REMOVED"
        case gcError = "REASON_GC_ERROR"
        case invalidFrameworkID = "REASON_INVALID_FRAMEWORKID"
        case invalidOffers = "REASON_INVALID_OFFERS"
        case ioSwitchboardExited = "REASON_IO_SWITCHBOARD_EXITED"
        case masterDisconnected = "REASON_MASTER_DISCONNECTED"
        case reconciliation = "REASON_RECONCILIATION"
        case resourcesUnknown = "REASON_RESOURCES_UNKNOWN"
        case agentDisconnected = "REASON_AGENT_DISCONNECTED"
        case agentRemoved = "REASON_AGENT_REMOVED"
        case agentRemovedByOperator = "REASON_AGENT_REMOVED_BY_OPERATOR"
        case agentReregistered = "REASON_AGENT_REREGISTERED"
        case agentRestarted = "REASON_AGENT_RESTARTED"
        case agentUnknown = "REASON_AGENT_UNKNOWN"
        case taskKilledDuringLaunch = "REASON_TASK_KILLED_DURING_LAUNCH"
        case taskCheckStatusUpdated = "REASON_TASK_CHECK_STATUS_UPDATED"
        case taskHealthCheckStatusUpdated = "REASON_TASK_HEALTH_CHECK_STATUS_UPDATED"
        case taskGroupInvalid = "REASON_TASK_GROUP_INVALID"
        case taskGroupUnauthorized = "REASON_TASK_GROUP_UNAUTHORIZED"
        case taskInvalid = "REASON_TASK_INVALID"
        case taskUnauthorized = "REASON_TASK_UNAUTHORIZED"
        case taskUnknown = "REASON_TASK_UNKNOWN"
    }

    public var taskID: TaskID
    public var state: TaskState
    public var message: String?
    public var source: Source?
    public var reason: Reason?
    public var data: [UInt8]?
    public var agentID: AgentID?
    public var executorID: ExecutorID?
    /// Seconds since the epoch.
    public var timestamp: Double?
    /// Present on updates that must be acknowledged.
    public var uuid: [UInt8]?
    public var healthy: Bool?
    public var labels: Labels?
    /// The container's networks and addresses, when it joined networks of its own.
    public var containerStatus: ContainerStatus?
    public var unreachableTime: TimeInfo?

    public init(
        taskID: TaskID, state: TaskState, message: String? = nil, source: Source? = nil, reason: Reason? = nil,
        data: [UInt8]? = nil, agentID: AgentID? = nil, executorID: ExecutorID? = nil, timestamp: Double? = nil,
        uuid: [UInt8]? = nil, healthy: Bool? = nil, labels: Labels? = nil, containerStatus: ContainerStatus? = nil,
        unreachableTime: TimeInfo? = nil
    ) {
        self.taskID = taskID
        self.state = state
        self.message = message
        self.source = source
        self.reason = reason
        self.data = data
        self.agentID = agentID
        self.executorID = executorID
        self.timestamp = timestamp
        self.uuid = uuid
        self.healthy = healthy
        self.labels = labels
        self.containerStatus = containerStatus
        self.unreachableTime = unreachableTime
    }

    /// Sixteen bytes from the system's random source, for a status update's `uuid`: two 64-bit draws (a draw per
    /// byte was sixteen `getrandom` calls, 5 % of a machine's CPU under 10,000 simulated agents).
    public static func newUUID() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return withUnsafeBytes(of: (generator.next() as UInt64, generator.next() as UInt64)) { Array($0) }
    }
}

extension TaskStatus: WireValidating {
    public func validate() throws(WireError) {
        if let timestamp { _ = try Bounds.real(timestamp, in: 0...Bounds.maxSeconds * 100, field: "timestamp") }
    }
}
