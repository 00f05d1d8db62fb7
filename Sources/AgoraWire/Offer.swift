/// Resources on one agent offered to one framework until accepted, declined or rescinded.
public struct Offer: WireMessage, Hashable {
    public static let protoName = "mesos.v1.Offer"

    /// Something a framework does with an offer's resources.
    public struct Operation: WireMessage, Hashable {
        public static let protoName = "mesos.v1.Offer.Operation"

        /// Operation kinds Mesos defines; Agora performs LAUNCH.
        public enum Kind: String, Codable, Sendable {
            case unknown = "UNKNOWN"
            case launch = "LAUNCH"
            case launchGroup = "LAUNCH_GROUP"
            case reserve = "RESERVE"
            case unreserve = "UNRESERVE"
            case create = "CREATE"
            case destroy = "DESTROY"
            case growVolume = "GROW_VOLUME"
            case shrinkVolume = "SHRINK_VOLUME"
            case createDisk = "CREATE_DISK"
            case destroyDisk = "DESTROY_DISK"
        }

        /// Tasks to start with the offered resources.
        public struct Launch: WireMessage, Hashable {
            public static let protoName = "mesos.v1.Offer.Operation.Launch"
            public var taskInfos: [TaskInfo]
            public init(taskInfos: [TaskInfo]) { self.taskInfos = taskInfos }
        }

        public var type: Kind?
        public var launch: Launch?

        public init(type: Kind?, launch: Launch? = nil) {
            self.type = type
            self.launch = launch
        }

        /// A LAUNCH operation.
        public static func launch(_ tasks: [TaskInfo]) -> Operation {
            Operation(type: .launch, launch: Launch(taskInfos: tasks))
        }
    }

    public var id: OfferID
    public var frameworkID: FrameworkID
    public var agentID: AgentID
    public var hostname: String
    public var url: MesosURL?
    public var resources: [Resource]
    public var attributes: [Attribute]
    public var executorIDs: [ExecutorID]
    public var allocationInfo: Resource.AllocationInfo?

    public init(
        id: OfferID, frameworkID: FrameworkID, agentID: AgentID, hostname: String, url: MesosURL? = nil,
        resources: [Resource] = [], attributes: [Attribute] = [], executorIDs: [ExecutorID] = [],
        allocationInfo: Resource.AllocationInfo? = nil
    ) {
        self.id = id
        self.frameworkID = frameworkID
        self.agentID = agentID
        self.hostname = hostname
        self.url = url
        self.resources = resources
        self.attributes = attributes
        self.executorIDs = executorIDs
        self.allocationInfo = allocationInfo
    }
}
