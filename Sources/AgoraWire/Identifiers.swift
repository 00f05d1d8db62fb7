/// Names the proto message behind one kind of id; the tags below keep the id kinds apart as types.
public protocol IdentifierKind: Sendable {
    static var protoName: String { get }
}

/// A Mesos id message (`{"value": "…"}`), typed by its kind so a `TaskID` is never passed as an `AgentID`.
public struct Identifier<Kind: IdentifierKind>: WireMessage, Hashable, Comparable, ExpressibleByStringLiteral,
    CustomStringConvertible {
    public static var protoName: String { Kind.protoName }
    public var value: String
    public init(_ value: String) { self.value = value }
    public init(stringLiteral value: String) { self.value = value }
    public var description: String { value }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.value < rhs.value }
}

/// Tag for `FrameworkID`.
public enum FrameworkIDKind: IdentifierKind { public static let protoName = "mesos.v1.FrameworkID" }
/// Tag for `AgentID`.
public enum AgentIDKind: IdentifierKind { public static let protoName = "mesos.v1.AgentID" }
/// Tag for `OfferID`.
public enum OfferIDKind: IdentifierKind { public static let protoName = "mesos.v1.OfferID" }
/// Tag for `TaskID`.
public enum TaskIDKind: IdentifierKind { public static let protoName = "mesos.v1.TaskID" }
/// Tag for `ExecutorID`.
public enum ExecutorIDKind: IdentifierKind { public static let protoName = "mesos.v1.ExecutorID" }

/// A framework's id, assigned by the master on first subscription.
public typealias FrameworkID = Identifier<FrameworkIDKind>
/// An agent's id, assigned by the master and kept across re-registration.
public typealias AgentID = Identifier<AgentIDKind>
/// An offer's id.
public typealias OfferID = Identifier<OfferIDKind>
/// A task's id, chosen by its framework.
public typealias TaskID = Identifier<TaskIDKind>
/// An executor's id, chosen by its framework.
public typealias ExecutorID = Identifier<ExecutorIDKind>
