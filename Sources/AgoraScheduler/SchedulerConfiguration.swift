import AgoraAuth
import AgoraRuntime
import AgoraWire

/// How a `SchedulerClient` connects and behaves.
public struct SchedulerConfiguration: Sendable {
    /// Master addresses, tried in order; a non-leading master's redirect is followed.
    public var masters: [SocketAddress]
    /// The framework's description; `id` is filled in after the first subscription.
    public var framework: FrameworkInfo
    /// The encoding of calls and events.
    public var format: WireFormat = .protobuf
    /// Acknowledge every status update that carries a uuid after the delegate has seen it (at the end of that loop
    /// turn).
    public var acknowledgeAutomatically = true
    /// Missed heartbeat intervals after which the subscription is considered dead and renewed.
    public var heartbeatTolerance = 5.0
    /// Reconnection backoff: jittered, doubling from `minimumBackoff`…
    public var minimumBackoff: Duration = .milliseconds(500)
    /// …up to `maximumBackoff`.
    public var maximumBackoff: Duration = .seconds(30)
    /// The principal and secret sent as HTTP Basic on every call, for masters that authenticate frameworks.
    /// The principal also goes into `FrameworkInfo.principal`.
    public var credential: Credential?

    /// A configuration with the defaults above for everything else.
    public init(masters: [SocketAddress], framework: FrameworkInfo) {
        self.masters = masters
        self.framework = framework
    }
}

/// Why a call could not be made.
public struct SchedulerCallError: Error, Sendable, CustomStringConvertible {
    /// The master's HTTP status, when it answered.
    public let status: Int?
    /// The master's answer, or what went wrong on the way.
    public let message: String
    public var description: String { status.map { "\($0): \(message)" } ?? message }
}
