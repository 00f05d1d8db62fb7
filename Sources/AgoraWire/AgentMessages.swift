/// Framework data between a framework and one of its executors, relayed by the agent and the master either way.
public struct ExecutorMessage: WireMessage, Hashable {
    public static let protoName = "agora.internal.ExecutorMessage"
    public var frameworkID: FrameworkID
    public var executorID: ExecutorID
    public var data: [UInt8]
    public init(frameworkID: FrameworkID, executorID: ExecutorID, data: [UInt8]) {
        self.frameworkID = frameworkID
        self.executorID = executorID
        self.data = data
    }
}

/// An agent's message to the master (Agora's own protocol, `agora.internal.AgentCall`).
public struct AgentCall: WireMessage, Hashable {
    public static let protoName = "agora.internal.AgentCall"

    /// Which call this is.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case unknown = "UNKNOWN"
        case subscribe = "SUBSCRIBE"
        case update = "UPDATE"
        case pong = "PONG"
        case message = "MESSAGE"
        case executorExited = "EXECUTOR_EXITED"
    }

    /// Register, or re-register with the tasks still running.
    public struct Subscribe: WireMessage, Hashable {
        public static let protoName = "agora.internal.AgentCall.Subscribe"
        public var agentInfo: AgentInfo
        public var tasks: [TaskRecord]
        public var frameworks: [FrameworkInfo]
        public init(agentInfo: AgentInfo, tasks: [TaskRecord] = [], frameworks: [FrameworkInfo] = []) {
            self.agentInfo = agentInfo
            self.tasks = tasks
            self.frameworks = frameworks
        }
    }

    /// A task status, resent until acknowledged.
    public struct Update: WireMessage, Hashable {
        public static let protoName = "agora.internal.AgentCall.Update"
        public var frameworkID: FrameworkID
        public var status: TaskStatus
        public init(frameworkID: FrameworkID, status: TaskStatus) {
            self.frameworkID = frameworkID
            self.status = status
        }
    }

    /// A custom executor's process ended with this wait status.
    public struct ExecutorExited: WireMessage, Hashable {
        public static let protoName = "agora.internal.AgentCall.ExecutorExited"
        public var frameworkID: FrameworkID
        public var executorID: ExecutorID
        public var status: Int32
        public init(frameworkID: FrameworkID, executorID: ExecutorID, status: Int32) {
            self.frameworkID = frameworkID
            self.executorID = executorID
            self.status = status
        }
    }

    public var agentID: AgentID?
    public var type: Kind?
    public var subscribe: Subscribe?
    public var update: Update?
    /// The agent id's secret from SUBSCRIBED; required on every call about a known id.
    public var token: String?
    /// An executor's message for its framework.
    public var message: ExecutorMessage?
    public var executorExited: ExecutorExited?

    public init(type: Kind?, agentID: AgentID? = nil, subscribe: Subscribe? = nil, update: Update? = nil,
                token: String? = nil, message: ExecutorMessage? = nil, executorExited: ExecutorExited? = nil) {
        self.type = type
        self.agentID = agentID
        self.subscribe = subscribe
        self.update = update
        self.token = token
        self.message = message
        self.executorExited = executorExited
    }
}

/// The master's message to an agent, streamed RecordIO framed (`agora.internal.AgentEvent`).
public struct AgentEvent: WireMessage, Hashable {
    public static let protoName = "agora.internal.AgentEvent"

    /// Which event this is.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case unknown = "UNKNOWN"
        case subscribed = "SUBSCRIBED"
        case runTask = "RUN_TASK"
        case killTask = "KILL_TASK"
        case acknowledge = "ACKNOWLEDGE"
        case ping = "PING"
        case shutdownFramework = "SHUTDOWN_FRAMEWORK"
        case frameworkMessage = "FRAMEWORK_MESSAGE"
        case shutdownExecutor = "SHUTDOWN_EXECUTOR"
    }

    /// The registration was accepted under this id.
    public struct Subscribed: WireMessage, Hashable {
        public static let protoName = "agora.internal.AgentEvent.Subscribed"
        public var agentID: AgentID
        public var pingIntervalSeconds: Double?
        /// The agent id's secret, to checkpoint and send with every later call.
        public var token: String?
        public init(agentID: AgentID, pingIntervalSeconds: Double? = nil, token: String? = nil) {
            self.agentID = agentID
            self.pingIntervalSeconds = pingIntervalSeconds
            self.token = token
        }
    }

    /// Start a task for a framework.
    public struct RunTask: WireMessage, Hashable {
        public static let protoName = "agora.internal.AgentEvent.RunTask"
        public var framework: FrameworkInfo
        public var task: TaskInfo
        public init(framework: FrameworkInfo, task: TaskInfo) {
            self.framework = framework
            self.task = task
        }
    }

    /// Kill a task.
    public struct KillTask: WireMessage, Hashable {
        public static let protoName = "agora.internal.AgentEvent.KillTask"
        public var frameworkID: FrameworkID
        public var taskID: TaskID
        public var killPolicy: KillPolicy?
        public init(frameworkID: FrameworkID, taskID: TaskID, killPolicy: KillPolicy? = nil) {
            self.frameworkID = frameworkID
            self.taskID = taskID
            self.killPolicy = killPolicy
        }
    }

    /// The framework acknowledged a status update.
    public struct Acknowledge: WireMessage, Hashable {
        public static let protoName = "agora.internal.AgentEvent.Acknowledge"
        public var frameworkID: FrameworkID
        public var taskID: TaskID
        public var uuid: [UInt8]
        public init(frameworkID: FrameworkID, taskID: TaskID, uuid: [UInt8]) {
            self.frameworkID = frameworkID
            self.taskID = taskID
            self.uuid = uuid
        }
    }

    /// A framework was torn down: kill its tasks.
    public struct ShutdownFramework: WireMessage, Hashable {
        public static let protoName = "agora.internal.AgentEvent.ShutdownFramework"
        public var frameworkID: FrameworkID
        public init(frameworkID: FrameworkID) { self.frameworkID = frameworkID }
    }

    /// Shut one executor down.
    public struct ShutdownExecutor: WireMessage, Hashable {
        public static let protoName = "agora.internal.AgentEvent.ShutdownExecutor"
        public var frameworkID: FrameworkID
        public var executorID: ExecutorID
        public init(frameworkID: FrameworkID, executorID: ExecutorID) {
            self.frameworkID = frameworkID
            self.executorID = executorID
        }
    }

    public var type: Kind?
    public var subscribed: Subscribed?
    public var runTask: RunTask?
    public var killTask: KillTask?
    public var acknowledge: Acknowledge?
    public var shutdownFramework: ShutdownFramework?
    /// A framework's message for one of its executors on this agent.
    public var frameworkMessage: ExecutorMessage?
    public var shutdownExecutor: ShutdownExecutor?

    public init(
        type: Kind?, subscribed: Subscribed? = nil, runTask: RunTask? = nil, killTask: KillTask? = nil,
        acknowledge: Acknowledge? = nil, shutdownFramework: ShutdownFramework? = nil,
        frameworkMessage: ExecutorMessage? = nil, shutdownExecutor: ShutdownExecutor? = nil
    ) {
        self.type = type
        self.subscribed = subscribed
        self.runTask = runTask
        self.killTask = killTask
        self.acknowledge = acknowledge
        self.shutdownFramework = shutdownFramework
        self.frameworkMessage = frameworkMessage
        self.shutdownExecutor = shutdownExecutor
    }
}

extension AgentEvent.Subscribed: WireValidating {
    public func validate() throws(WireError) {
        if let pingIntervalSeconds { _ = try Bounds.seconds(pingIntervalSeconds, field: "ping_interval_seconds") }
    }
}
