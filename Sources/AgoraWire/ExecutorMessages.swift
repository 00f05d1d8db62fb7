/// An executor's message to its agent (`mesos.v1.executor.Call`), at `POST /api/v1/executor`.
public struct ExecutorCall: WireMessage, Hashable {
    public static let protoName = "mesos.v1.executor.Call"

    /// Which call this is.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case unknown = "UNKNOWN"
        case subscribe = "SUBSCRIBE"
        case update = "UPDATE"
        case message = "MESSAGE"
    }

    /// Subscribe, or resubscribe after a disconnection with everything not yet acknowledged.
    public struct Subscribe: WireMessage, Hashable {
        public static let protoName = "mesos.v1.executor.Call.Subscribe"
        public var unacknowledgedTasks: [TaskInfo]
        public var unacknowledgedUpdates: [Update]
        public init(unacknowledgedTasks: [TaskInfo] = [], unacknowledgedUpdates: [Update] = []) {
            self.unacknowledgedTasks = unacknowledgedTasks
            self.unacknowledgedUpdates = unacknowledgedUpdates
        }
    }

    /// A task's status, kept by the executor until the agent acknowledges it.
    public struct Update: WireMessage, Hashable {
        public static let protoName = "mesos.v1.executor.Call.Update"
        public var status: TaskStatus
        public init(status: TaskStatus) { self.status = status }
    }

    /// Bytes for the framework's scheduler.
    public struct Message: WireMessage, Hashable {
        public static let protoName = "mesos.v1.executor.Call.Message"
        public var data: [UInt8]
        public init(data: [UInt8]) { self.data = data }
    }

    public var executorID: ExecutorID
    public var frameworkID: FrameworkID
    public var type: Kind?
    public var subscribe: Subscribe?
    public var update: Update?
    public var message: Message?

    public init(executorID: ExecutorID, frameworkID: FrameworkID, type: Kind?, subscribe: Subscribe? = nil,
                update: Update? = nil, message: Message? = nil) {
        self.executorID = executorID
        self.frameworkID = frameworkID
        self.type = type
        self.subscribe = subscribe
        self.update = update
        self.message = message
    }
}

/// What an agent streams to a subscribed executor (`mesos.v1.executor.Event`), RecordIO framed.
public struct ExecutorEvent: WireMessage, Hashable {
    public static let protoName = "mesos.v1.executor.Event"

    /// Which event this is; the matching body field is set (none for SHUTDOWN and HEARTBEAT).
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case unknown = "UNKNOWN"
        case subscribed = "SUBSCRIBED"
        case launch = "LAUNCH"
        case kill = "KILL"
        case acknowledged = "ACKNOWLEDGED"
        case message = "MESSAGE"
        case error = "ERROR"
        case shutdown = "SHUTDOWN"
        case launchGroup = "LAUNCH_GROUP"
        case heartbeat = "HEARTBEAT"
    }

    /// The subscription was accepted.
    public struct Subscribed: WireMessage, Hashable {
        public static let protoName = "mesos.v1.executor.Event.Subscribed"
        public var executorInfo: ExecutorInfo
        public var frameworkInfo: FrameworkInfo
        public var agentInfo: AgentInfo
        public init(executorInfo: ExecutorInfo, frameworkInfo: FrameworkInfo, agentInfo: AgentInfo) {
            self.executorInfo = executorInfo
            self.frameworkInfo = frameworkInfo
            self.agentInfo = agentInfo
        }
    }

    /// Run a task.
    public struct Launch: WireMessage, Hashable {
        public static let protoName = "mesos.v1.executor.Event.Launch"
        public var task: TaskInfo
        public init(task: TaskInfo) { self.task = task }
    }

    /// Kill a task (with this policy, when given).
    public struct Kill: WireMessage, Hashable {
        public static let protoName = "mesos.v1.executor.Event.Kill"
        public var taskID: TaskID
        public var killPolicy: KillPolicy?
        public init(taskID: TaskID, killPolicy: KillPolicy? = nil) {
            self.taskID = taskID
            self.killPolicy = killPolicy
        }
    }

    /// An update the executor sent was acknowledged.
    public struct Acknowledged: WireMessage, Hashable {
        public static let protoName = "mesos.v1.executor.Event.Acknowledged"
        public var taskID: TaskID
        public var uuid: [UInt8]
        public init(taskID: TaskID, uuid: [UInt8]) {
            self.taskID = taskID
            self.uuid = uuid
        }
    }

    /// Bytes from the framework's scheduler.
    public struct Message: WireMessage, Hashable {
        public static let protoName = "mesos.v1.executor.Event.Message"
        public var data: [UInt8]
        public init(data: [UInt8]) { self.data = data }
    }

    /// A call the executor made was invalid.
    public struct Error: WireMessage, Hashable {
        public static let protoName = "mesos.v1.executor.Event.Error"
        public var message: String
        public init(message: String) { self.message = message }
    }

    public var type: Kind?
    public var subscribed: Subscribed?
    public var acknowledged: Acknowledged?
    public var launch: Launch?
    public var kill: Kill?
    public var message: Message?
    public var error: Error?

    public init(type: Kind?, subscribed: Subscribed? = nil, acknowledged: Acknowledged? = nil, launch: Launch? = nil,
                kill: Kill? = nil, message: Message? = nil, error: Error? = nil) {
        self.type = type
        self.subscribed = subscribed
        self.acknowledged = acknowledged
        self.launch = launch
        self.kill = kill
        self.message = message
        self.error = error
    }
}
