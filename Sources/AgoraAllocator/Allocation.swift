import AgoraResources
import AgoraWire

/// Resources of one agent handed to one framework by an allocation cycle (the master turns it into an offer).
public struct Allocation: Equatable, Sendable {
    public let frameworkID: FrameworkID
    public let agentID: AgentID
    /// The role the resources are allocated to (one of the framework's).
    public let role: String
    public let resources: Resources
}

/// A framework's refusal of some resources on one agent, until a deadline.
struct RefusalFilter {
    var refused: Resources
    var until: Double
}

/// When a refusal filter ends, ordered by that time.
struct FilterEnd: Comparable {
    let until: Double
    let framework: FrameworkID
    let agent: AgentID

    static func < (left: FilterEnd, right: FilterEnd) -> Bool { left.until < right.until }
}
