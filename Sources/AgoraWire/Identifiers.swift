/// A framework's id, assigned by the master on first subscription.
public struct FrameworkID: WireMessage, Hashable, ExpressibleByStringLiteral, CustomStringConvertible {
    public static let protoName = "mesos.v1.FrameworkID"
    public var value: String
    public init(_ value: String) { self.value = value }
    public init(stringLiteral value: String) { self.value = value }
    public var description: String { value }
}

/// An agent's id, assigned by the master and kept across re-registration.
public struct AgentID: WireMessage, Hashable, ExpressibleByStringLiteral, CustomStringConvertible {
    public static let protoName = "mesos.v1.AgentID"
    public var value: String
    public init(_ value: String) { self.value = value }
    public init(stringLiteral value: String) { self.value = value }
    public var description: String { value }
}

/// An offer's id.
public struct OfferID: WireMessage, Hashable, ExpressibleByStringLiteral, CustomStringConvertible {
    public static let protoName = "mesos.v1.OfferID"
    public var value: String
    public init(_ value: String) { self.value = value }
    public init(stringLiteral value: String) { self.value = value }
    public var description: String { value }
}

/// A task's id, chosen by its framework.
public struct TaskID: WireMessage, Hashable, ExpressibleByStringLiteral, CustomStringConvertible {
    public static let protoName = "mesos.v1.TaskID"
    public var value: String
    public init(_ value: String) { self.value = value }
    public init(stringLiteral value: String) { self.value = value }
    public var description: String { value }
}

/// An executor's id, chosen by its framework.
public struct ExecutorID: WireMessage, Hashable, ExpressibleByStringLiteral, CustomStringConvertible {
    public static let protoName = "mesos.v1.ExecutorID"
    public var value: String
    public init(_ value: String) { self.value = value }
    public init(stringLiteral value: String) { self.value = value }
    public var description: String { value }
}
