/// A point in time as nanoseconds since the epoch.
public struct TimeInfo: WireMessage, Hashable {
    public static let protoName = "mesos.v1.TimeInfo"
    public var nanoseconds: Int64
    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }
}

/// A span of time in nanoseconds.
public struct DurationInfo: WireMessage, Hashable {
    public static let protoName = "mesos.v1.DurationInfo"
    public var nanoseconds: Int64
    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }
    public init(seconds: Double) { nanoseconds = Bounds.clampedInt64(seconds * 1_000_000_000) }
    public var seconds: Double { Double(nanoseconds) / 1_000_000_000 }
}

extension DurationInfo: WireValidating {
    public func validate() throws(WireError) {
        _ = try Bounds.seconds(seconds, field: "nanoseconds")
    }
}

/// A network address: hostname and/or IP, and a port.
public struct Address: WireMessage, Hashable {
    public static let protoName = "mesos.v1.Address"
    public var hostname: String?
    public var ip: String?
    public var port: Int32
    public init(hostname: String? = nil, ip: String? = nil, port: Int32) {
        self.hostname = hostname
        self.ip = ip
        self.port = port
    }
}

/// A key/value pair (URL query parameters and the like).
public struct Parameter: WireMessage, Hashable {
    public static let protoName = "mesos.v1.Parameter"
    public var key: String
    public var value: String
    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }
}

/// A URL in Mesos' structured form (`Offer.url` points at the agent).
public struct MesosURL: WireMessage, Hashable {
    public static let protoName = "mesos.v1.URL"
    public var scheme: String
    public var address: Address
    public var path: String?
    public var query: [Parameter]
    public var fragment: String?
    public init(scheme: String, address: Address, path: String? = nil, query: [Parameter] = [], fragment: String? = nil) {
        self.scheme = scheme
        self.address = address
        self.path = path
        self.query = query
        self.fragment = fragment
    }
}

/// A free-form label.
public struct Label: WireMessage, Hashable {
    public static let protoName = "mesos.v1.Label"
    public var key: String
    public var value: String?
    public init(key: String, value: String? = nil) {
        self.key = key
        self.value = value
    }
}

/// A list of labels.
public struct Labels: WireMessage, Hashable {
    public static let protoName = "mesos.v1.Labels"
    public var labels: [Label]
    public init(_ labels: [Label] = []) { self.labels = labels }
}

/// How long to wait between SIGTERM and SIGKILL when a task is killed.
public struct KillPolicy: WireMessage, Hashable {
    public static let protoName = "mesos.v1.KillPolicy"
    public var gracePeriod: DurationInfo?
    public init(gracePeriod: DurationInfo? = nil) { self.gracePeriod = gracePeriod }
}

/// Mesos' general check (`mesos.v1.CheckInfo`): Agora reads only its type, to refuse it by name.
public struct CheckInfo: WireMessage, Hashable {
    public static let protoName = "mesos.v1.CheckInfo"
    public enum Kind: String, Codable, Sendable {
        case unknown = "UNKNOWN"
        case command = "COMMAND"
        case http = "HTTP"
        case tcp = "TCP"
    }
    public var type: Kind?
    public init(type: Kind? = nil) { self.type = type }
}

/// Filters a framework attaches to declined resources.
public struct Filters: WireMessage, Hashable {
    public static let protoName = "mesos.v1.Filters"
    /// Seconds to keep declined resources away from this framework; absent means 5.
    public var refuseSeconds: Double?
    public init(refuseSeconds: Double? = nil) { self.refuseSeconds = refuseSeconds }

    /// The effective refusal time, with Mesos' default.
    public var effectiveRefuseSeconds: Double { refuseSeconds ?? 5 }
}

extension Filters: WireValidating {
    public func validate() throws(WireError) {
        if let refuseSeconds { _ = try Bounds.real(refuseSeconds, in: -Bounds.maxSeconds...Bounds.maxSeconds, field: "refuse_seconds") }
    }
}

/// Who the master is: sent to frameworks in SUBSCRIBED.
public struct MasterInfo: WireMessage, Hashable {
    public static let protoName = "mesos.v1.MasterInfo"
    public var id: String
    public var ip: UInt32
    public var port: UInt32
    public var pid: String?
    public var hostname: String?
    public var version: String?
    public var address: Address?
    public init(
        id: String, ip: UInt32, port: UInt32, pid: String? = nil, hostname: String? = nil, version: String? = nil,
        address: Address? = nil
    ) {
        self.id = id
        self.ip = ip
        self.port = port
        self.pid = pid
        self.hostname = hostname
        self.version = version
        self.address = address
    }
}
