/// What the master streams to a subscribed framework (`mesos.v1.scheduler.Event`), RecordIO framed.
public struct SchedulerEvent: WireMessage, Hashable {
    public static let protoName = "mesos.v1.scheduler.Event"

    /// Which event this is; the matching body field is set (none for HEARTBEAT).
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case unknown = "UNKNOWN"
        case subscribed = "SUBSCRIBED"
        case offers = "OFFERS"
        case inverseOffers = "INVERSE_OFFERS"
        case rescind = "RESCIND"
        case rescindInverseOffer = "RESCIND_INVERSE_OFFER"
        case update = "UPDATE"
        case updateOperationStatus = "UPDATE_OPERATION_STATUS"
        case message = "MESSAGE"
        case failure = "FAILURE"
        case error = "ERROR"
        case heartbeat = "HEARTBEAT"
    }

    /// The subscription was accepted.
    public struct Subscribed: WireMessage, Hashable {
        public static let protoName = "mesos.v1.scheduler.Event.Subscribed"
        public var frameworkID: FrameworkID
        public var heartbeatIntervalSeconds: Double?
        public var masterInfo: MasterInfo?
        public init(frameworkID: FrameworkID, heartbeatIntervalSeconds: Double? = nil, masterInfo: MasterInfo? = nil) {
            self.frameworkID = frameworkID
            self.heartbeatIntervalSeconds = heartbeatIntervalSeconds
            self.masterInfo = masterInfo
        }
    }

    /// New offers.
    public struct Offers: WireMessage, Hashable {
        public static let protoName = "mesos.v1.scheduler.Event.Offers"
        public var offers: [Offer]
        public init(offers: [Offer]) { self.offers = offers }
    }

    /// An offer is no longer valid.
    public struct Rescind: WireMessage, Hashable {
        public static let protoName = "mesos.v1.scheduler.Event.Rescind"
        public var offerID: OfferID
        public init(offerID: OfferID) { self.offerID = offerID }
    }

    /// A task status changed.
    public struct Update: WireMessage, Hashable {
        public static let protoName = "mesos.v1.scheduler.Event.Update"
        public var status: TaskStatus
        public init(status: TaskStatus) { self.status = status }
    }

    /// Opaque bytes from an executor.
    public struct Message: WireMessage, Hashable {
        public static let protoName = "mesos.v1.scheduler.Event.Message"
        public var agentID: AgentID
        public var executorID: ExecutorID
        public var data: [UInt8]
        public init(agentID: AgentID, executorID: ExecutorID, data: [UInt8]) {
            self.agentID = agentID
            self.executorID = executorID
            self.data = data
        }
    }

    /// An agent or executor went away.
    public struct Failure: WireMessage, Hashable {
        public static let protoName = "mesos.v1.scheduler.Event.Failure"
        public var agentID: AgentID?
        public var executorID: ExecutorID?
        public var status: Int32?
        public init(agentID: AgentID? = nil, executorID: ExecutorID? = nil, status: Int32? = nil) {
            self.agentID = agentID
            self.executorID = executorID
            self.status = status
        }
    }

    /// An unrecoverable error; the framework should stop.
    public struct Error: WireMessage, Hashable {
        public static let protoName = "mesos.v1.scheduler.Event.Error"
        public var message: String
        public init(message: String) { self.message = message }
    }

    public var type: Kind?
    public var subscribed: Subscribed?
    public var offers: Offers?
    public var rescind: Rescind?
    public var update: Update?
    public var message: Message?
    public var failure: Failure?
    public var error: Error?

    public init(
        type: Kind?, subscribed: Subscribed? = nil, offers: Offers? = nil, rescind: Rescind? = nil,
        update: Update? = nil, message: Message? = nil, failure: Failure? = nil, error: Error? = nil
    ) {
        self.type = type
        self.subscribed = subscribed
        self.offers = offers
        self.rescind = rescind
        self.update = update
        self.message = message
        self.failure = failure
        self.error = error
    }

    /// A HEARTBEAT event.
    public static let heartbeat = SchedulerEvent(type: .heartbeat)
}

extension SchedulerEvent.Subscribed: WireValidating {
    public func validate() throws(WireError) {
        if let heartbeatIntervalSeconds { _ = try Bounds.seconds(heartbeatIntervalSeconds, field: "heartbeat_interval_seconds") }
    }
}
