/// A framework's request to the master (`mesos.v1.scheduler.Call`), posted to `/api/v1/scheduler`.
public struct SchedulerCall: WireMessage, Hashable {
    public static let protoName = "mesos.v1.scheduler.Call"

    /// Which call this is; the matching body field is set.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case unknown = "UNKNOWN"
        case subscribe = "SUBSCRIBE"
        case teardown = "TEARDOWN"
        case accept = "ACCEPT"
        case decline = "DECLINE"
        case acceptInverseOffers = "ACCEPT_INVERSE_OFFERS"
        case declineInverseOffers = "DECLINE_INVERSE_OFFERS"
        case revive = "REVIVE"
        case kill = "KILL"
        case shutdown = "SHUTDOWN"
        case acknowledge = "ACKNOWLEDGE"
        case acknowledgeOperationStatus = "ACKNOWLEDGE_OPERATION_STATUS"
        case reconcile = "RECONCILE"
        case reconcileOperations = "RECONCILE_OPERATIONS"
        case message = "MESSAGE"
        case request = "REQUEST"
        case suppress = "SUPPRESS"
        case updateFramework = "UPDATE_FRAMEWORK"
    }

    /// Subscribe (or resubscribe, with `frameworkInfo.id` set).
    public struct Subscribe: WireMessage, Hashable {
        public static let protoName = "mesos.v1.scheduler.Call.Subscribe"
        public var frameworkInfo: FrameworkInfo
        public var suppressedRoles: [String]
        public init(frameworkInfo: FrameworkInfo, suppressedRoles: [String] = []) {
            self.frameworkInfo = frameworkInfo
            self.suppressedRoles = suppressedRoles
        }
    }

    /// Use offers: run the operations in order; unused resources go back with `filters`.
    public struct Accept: WireMessage, Hashable {
        public static let protoName = "mesos.v1.scheduler.Call.Accept"
        public var offerIDs: [OfferID]
        public var operations: [Offer.Operation]
        public var filters: Filters?
        public init(offerIDs: [OfferID], operations: [Offer.Operation], filters: Filters? = nil) {
            self.offerIDs = offerIDs
            self.operations = operations
            self.filters = filters
        }
    }

    /// Return offers unused.
    public struct Decline: WireMessage, Hashable {
        public static let protoName = "mesos.v1.scheduler.Call.Decline"
        public var offerIDs: [OfferID]
        public var filters: Filters?
        public init(offerIDs: [OfferID], filters: Filters? = nil) {
            self.offerIDs = offerIDs
            self.filters = filters
        }
    }

    /// Clear filters and resume offers (for some roles, or all).
    public struct Revive: WireMessage, Hashable {
        public static let protoName = "mesos.v1.scheduler.Call.Revive"
        public var roles: [String]
        public init(roles: [String] = []) { self.roles = roles }
    }

    /// Stop offers (for some roles, or all).
    public struct Suppress: WireMessage, Hashable {
        public static let protoName = "mesos.v1.scheduler.Call.Suppress"
        public var roles: [String]
        public init(roles: [String] = []) { self.roles = roles }
    }

    /// Change the framework's info and suppressed roles.
    public struct UpdateFramework: WireMessage, Hashable {
        public static let protoName = "mesos.v1.scheduler.Call.UpdateFramework"
        /// Mesos' offer constraints, which Agora does not implement: only whether the call carries them.
        public struct OfferConstraints: WireMessage, Hashable {
            public static let protoName = "mesos.v1.scheduler.Call.UpdateFramework.OfferConstraints"
            public init() {}
        }
        public var frameworkInfo: FrameworkInfo
        public var suppressedRoles: [String]
        public var offerConstraints: OfferConstraints?
        public init(frameworkInfo: FrameworkInfo, suppressedRoles: [String] = [], offerConstraints: OfferConstraints? = nil) {
            self.frameworkInfo = frameworkInfo
            self.suppressedRoles = suppressedRoles
            self.offerConstraints = offerConstraints
        }
    }

    /// Kill a task.
    public struct Kill: WireMessage, Hashable {
        public static let protoName = "mesos.v1.scheduler.Call.Kill"
        public var taskID: TaskID
        public var agentID: AgentID?
        public var killPolicy: KillPolicy?
        public init(taskID: TaskID, agentID: AgentID? = nil, killPolicy: KillPolicy? = nil) {
            self.taskID = taskID
            self.agentID = agentID
            self.killPolicy = killPolicy
        }
    }

    /// Shut down a custom executor.
    public struct Shutdown: WireMessage, Hashable {
        public static let protoName = "mesos.v1.scheduler.Call.Shutdown"
        public var executorID: ExecutorID
        public var agentID: AgentID
        public init(executorID: ExecutorID, agentID: AgentID) {
            self.executorID = executorID
            self.agentID = agentID
        }
    }

    /// Confirm receipt of a status update that carried a uuid.
    public struct Acknowledge: WireMessage, Hashable {
        public static let protoName = "mesos.v1.scheduler.Call.Acknowledge"
        public var agentID: AgentID
        public var taskID: TaskID
        public var uuid: [UInt8]
        public init(agentID: AgentID, taskID: TaskID, uuid: [UInt8]) {
            self.agentID = agentID
            self.taskID = taskID
            self.uuid = uuid
        }
    }

    /// Ask for the latest state of the listed tasks, or of all tasks when empty.
    public struct Reconcile: WireMessage, Hashable {
        public static let protoName = "mesos.v1.scheduler.Call.Reconcile"

        /// One task to reconcile.
        public struct Task: WireMessage, Hashable {
            public static let protoName = "mesos.v1.scheduler.Call.Reconcile.Task"
            public var taskID: TaskID
            public var agentID: AgentID?
            public init(taskID: TaskID, agentID: AgentID? = nil) {
                self.taskID = taskID
                self.agentID = agentID
            }
        }

        public var tasks: [Task]
        public init(tasks: [Task] = []) { self.tasks = tasks }
    }

    /// Opaque bytes for an executor.
    public struct Message: WireMessage, Hashable {
        public static let protoName = "mesos.v1.scheduler.Call.Message"
        public var agentID: AgentID
        public var executorID: ExecutorID
        public var data: [UInt8]
        public init(agentID: AgentID, executorID: ExecutorID, data: [UInt8]) {
            self.agentID = agentID
            self.executorID = executorID
            self.data = data
        }
    }

    /// Resource requests (accepted and ignored).
    public struct Request: WireMessage, Hashable {
        public static let protoName = "mesos.v1.scheduler.Call.Request"
        public var requests: [ResourceRequest]
        public init(requests: [ResourceRequest] = []) { self.requests = requests }
    }

    public var frameworkID: FrameworkID?
    public var type: Kind?
    public var subscribe: Subscribe?
    public var accept: Accept?
    public var decline: Decline?
    public var kill: Kill?
    public var shutdown: Shutdown?
    public var acknowledge: Acknowledge?
    public var reconcile: Reconcile?
    public var message: Message?
    public var request: Request?
    public var revive: Revive?
    public var suppress: Suppress?
    public var updateFramework: UpdateFramework?

    public init(
        type: Kind?, frameworkID: FrameworkID? = nil, subscribe: Subscribe? = nil, accept: Accept? = nil,
        decline: Decline? = nil, kill: Kill? = nil, shutdown: Shutdown? = nil, acknowledge: Acknowledge? = nil,
        reconcile: Reconcile? = nil, message: Message? = nil, request: Request? = nil, revive: Revive? = nil,
        suppress: Suppress? = nil, updateFramework: UpdateFramework? = nil
    ) {
        self.type = type
        self.frameworkID = frameworkID
        self.subscribe = subscribe
        self.accept = accept
        self.decline = decline
        self.kill = kill
        self.shutdown = shutdown
        self.acknowledge = acknowledge
        self.reconcile = reconcile
        self.message = message
        self.request = request
        self.revive = revive
        self.suppress = suppress
        self.updateFramework = updateFramework
    }
}
