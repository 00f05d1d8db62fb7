/// What a framework says about itself when it subscribes.
public struct FrameworkInfo: WireMessage, Hashable {
    public static let protoName = "mesos.v1.FrameworkInfo"

    /// A feature the framework supports.
    public struct Capability: WireMessage, Hashable {
        public static let protoName = "mesos.v1.FrameworkInfo.Capability"

        /// The capability names Mesos defines.
        public enum Kind: String, Codable, Sendable {
            case unknown = "UNKNOWN"
            case revocableResources = "REVOCABLE_RESOURCES"
            case taskKillingState = "TASK_KILLING_STATE"
            case gpuResources = "GPU_RESOURCES"
            case sharedResources = "SHARED_RESOURCES"
            case partitionAware = "PARTITION_AWARE"
            case multiRole = "MULTI_ROLE"
            case reservationRefinement = "RESERVATION_REFINEMENT"
            case regionAware = "REGION_AWARE"
        }

        public var type: Kind?
        public init(type: Kind?) { self.type = type }
    }

    public var user: String
    public var name: String
    public var id: FrameworkID?
    /// Seconds the master keeps a disconnected framework's tasks before tearing it down.
    public var failoverTimeout: Double?
    public var checkpoint: Bool?
    /// The single (deprecated) role; `roles` is used with the MULTI_ROLE capability.
    public var role: String?
    public var roles: [String]
    public var hostname: String?
    public var principal: String?
    public var webuiURL: String?
    public var capabilities: [Capability]
    public var labels: Labels?

    public init(
        user: String, name: String, id: FrameworkID? = nil, failoverTimeout: Double? = nil, checkpoint: Bool? = nil,
        role: String? = nil, roles: [String] = [], hostname: String? = nil, principal: String? = nil,
        webuiURL: String? = nil, capabilities: [Capability] = [], labels: Labels? = nil
    ) {
        self.user = user
        self.name = name
        self.id = id
        self.failoverTimeout = failoverTimeout
        self.checkpoint = checkpoint
        self.role = role
        self.roles = roles
        self.hostname = hostname
        self.principal = principal
        self.webuiURL = webuiURL
        self.capabilities = capabilities
        self.labels = labels
    }
}

extension FrameworkInfo: WireValidating {
    public func validate() throws(WireError) {
        if let failoverTimeout { _ = try Bounds.seconds(failoverTimeout, field: "failover_timeout") }
    }
}

/// What an agent says about itself when it registers.
public struct AgentInfo: WireMessage, Hashable {
    public static let protoName = "mesos.v1.AgentInfo"
    public var hostname: String
    public var port: Int32?
    public var resources: [Resource]
    public var attributes: [Attribute]
    public var id: AgentID?

    public init(
        hostname: String, port: Int32? = nil, resources: [Resource] = [], attributes: [Attribute] = [],
        id: AgentID? = nil
    ) {
        self.hostname = hostname
        self.port = port
        self.resources = resources
        self.attributes = attributes
        self.id = id
    }
}
