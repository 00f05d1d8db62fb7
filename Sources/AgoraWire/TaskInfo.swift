/// A task a framework asks to launch: what to run, where, and with which resources.
public struct TaskInfo: WireMessage, Hashable {
    public static let protoName = "mesos.v1.TaskInfo"
    public var name: String
    public var taskID: TaskID
    public var agentID: AgentID
    public var resources: [Resource]
    public var executor: ExecutorInfo?
    public var command: CommandInfo?
    public var healthCheck: HealthCheck?
    public var killPolicy: KillPolicy?
    public var data: [UInt8]?
    public var labels: Labels?
    public var maxCompletionTime: DurationInfo?
    /// The task's container (an image to run it in); none runs it on the host.
    public var container: ContainerInfo?
    /// Refused when present (general checks are not implemented).
    public var check: CheckInfo?

    public init(
        name: String, taskID: TaskID, agentID: AgentID, resources: [Resource] = [], executor: ExecutorInfo? = nil,
        command: CommandInfo? = nil, healthCheck: HealthCheck? = nil, killPolicy: KillPolicy? = nil,
        data: [UInt8]? = nil, labels: Labels? = nil, maxCompletionTime: DurationInfo? = nil
    ) {
        self.name = name
        self.taskID = taskID
        self.agentID = agentID
        self.resources = resources
        self.executor = executor
        self.command = command
        self.healthCheck = healthCheck
        self.killPolicy = killPolicy
        self.data = data
        self.labels = labels
        self.maxCompletionTime = maxCompletionTime
    }
}

/// A task as the master and agents track it (`mesos.v1.Task`; named so it does not shadow Swift's `Task`).
public struct TaskRecord: WireMessage, Hashable {
    public static let protoName = "mesos.v1.Task"
    public var name: String
    public var taskID: TaskID
    public var frameworkID: FrameworkID
    public var executorID: ExecutorID?
    public var agentID: AgentID
    public var state: TaskState
    public var resources: [Resource]
    public var statuses: [TaskStatus]
    public var statusUpdateState: TaskState?
    public var statusUpdateUUID: [UInt8]?
    public var labels: Labels?
    public var healthCheck: HealthCheck?
    public var user: String?

    public init(
        name: String, taskID: TaskID, frameworkID: FrameworkID, agentID: AgentID, state: TaskState,
        resources: [Resource] = [], statuses: [TaskStatus] = [], executorID: ExecutorID? = nil,
        statusUpdateState: TaskState? = nil, statusUpdateUUID: [UInt8]? = nil, labels: Labels? = nil,
        healthCheck: HealthCheck? = nil, user: String? = nil
    ) {
        self.name = name
        self.taskID = taskID
        self.frameworkID = frameworkID
        self.agentID = agentID
        self.state = state
        self.resources = resources
        self.statuses = statuses
        self.executorID = executorID
        self.statusUpdateState = statusUpdateState
        self.statusUpdateUUID = statusUpdateUUID
        self.labels = labels
        self.healthCheck = healthCheck
        self.user = user
    }
}

/// A framework's request for resources (accepted and ignored, as in Mesos' own allocator).
public struct ResourceRequest: WireMessage, Hashable {
    public static let protoName = "mesos.v1.Request"
    public var agentID: AgentID?
    public var resources: [Resource]
    public init(agentID: AgentID? = nil, resources: [Resource] = []) {
        self.agentID = agentID
        self.resources = resources
    }
}
