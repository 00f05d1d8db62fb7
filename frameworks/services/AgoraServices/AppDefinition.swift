import AgoraResources
import AgoraWire
import Foundation

/// A Marathon health check as an app declares it.
public struct AppHealthCheck: Equatable, Sendable {
    public var kind: HealthCheck.Kind
    public var path = "/"
    public var portIndex = 0
    public var command: String?
    public var gracePeriodSeconds = 300.0
    public var intervalSeconds = 60.0
    public var timeoutSeconds = 20.0
    public var maxConsecutiveFailures = 3
}

/// A long-running app: what to run, how many, with which resources and rules (Marathon's app object).
public struct AppDefinition: Equatable, Sendable {
    public var id: String
    public var cmd: String?
    public var args: [String]?
    public var instances = 1
    public var cpus = 1.0
    public var mem = 128.0
    public var disk = 0.0
    /// Requested port numbers; 0 means "any port from the offer". Their count is the ports each task gets.
    public var ports: [Int] = [0]
    /// Whether tasks must get exactly the declared port numbers on their host (Marathon's `requirePorts`).
    public var requirePorts = false
    public var env: [String: String] = [:]
    public var labels: [String: String] = [:]
    public var constraints: [PlacementConstraint] = []
    public var healthChecks: [AppHealthCheck] = []
    public var minimumHealthCapacity = 1.0
    public var maximumOverCapacity = 1.0
    public var backoffSeconds = 1.0
    public var backoffFactor = 1.15
    public var maxLaunchDelaySeconds = 300.0
    public var killSelection = KillSelection.youngestFirst
    public var taskKillGracePeriodSeconds: Double?
    /// Files put into each instance's sandbox before it starts (Marathon's `fetch`, or legacy `uris`).
    public var fetch: [CommandInfo.URI] = []
    /// The image the instances run in (Marathon's `container`); none runs the command on the host.
    public var container: AppContainer?
    /// The networks the instances join (Marathon's `networks`).
    public var networks = AppNetworks.host
    /// The Unix user the instances run as (the framework's user when absent).
    public var user: String?
    /// What happens to instances on an unreachable agent (Marathon's `unreachableStrategy`).
    public var unreachableStrategy = UnreachableStrategy.enabled(inactiveAfterSeconds: 0, expungeAfterSeconds: 0)
    /// When this definition was stored (set by the scheduler from its clock; the epoch until then).
    public var version = Date(timeIntervalSince1970: 0)

    public init(id: String) { self.id = id }

    /// The port of each declared port, for `$PORT0`…: its host port from `hostPorts` (in order), or the container
    /// port of a mapping that has no host port.
    func environmentPorts(hostPorts: [UInt64]) -> [UInt64] {
        guard let mappings = container?.portMappings, !mappings.isEmpty else { return hostPorts }
        var next = hostPorts.makeIterator()
        return mappings.map { mapping in
            mapping.hostPort != nil || networks.mapsHostPortsByDefault ? next.next() ?? 0 : UInt64(mapping.containerPort)
        }
    }

    /// Where among each instance's host ports (`ports`) is the port a health check's `portIndex` names: it counts
    /// the container's port mappings when there are any, else the declared ports; nil when that port has no host port.
    func hostPortIndex(_ portIndex: Int) -> Int? {
        guard let mappings = container?.portMappings, !mappings.isEmpty else {
            return portIndex < ports.count ? portIndex : nil
        }
        guard portIndex < mappings.count else { return nil }
        let hosted = mappings.prefix(portIndex + 1).map { $0.hostPort != nil || networks.mapsHostPortsByDefault }
        return hosted.last == true ? hosted.filter { $0 }.count - 1 : nil
    }

    /// Whether a change to `other` needs new tasks (anything but the instance count and labels).
    public func needsRestart(comparedTo other: AppDefinition) -> Bool {
        var left = self
        var right = other
        left.instances = 0
        right.instances = 0
        left.version = right.version
        left.labels = right.labels
        return left != right
    }
}

/// An app id in Marathon's form: `/group/name`, lowercase letters, digits, `-` and `.`.
public enum AppID {
    public static func normalize(_ raw: String) -> String? {
        let segments = raw.split(separator: "/").map(String.init)
        guard !segments.isEmpty else { return nil }
        for segment in segments {
            guard segment != "." && segment != "..", let first = segment.first, let last = segment.last,
                  first.isLetter || first.isNumber, last.isLetter || last.isNumber,
                  segment.allSatisfy({ ($0.isLowercase && $0.isASCII) || $0.isNumber || $0 == "-" || $0 == "." })
            else { return nil }
        }
        return "/" + segments.joined(separator: "/")
    }

    /// The task id prefix Marathon derives from an app id: `/group/web` → `group_web`.
    public static func taskPrefix(_ id: String) -> String {
        String(id.dropFirst()).replacingOccurrences(of: "/", with: "_")
    }
}

/// Marathon's `unreachableStrategy`: an instance on an unreachable agent is replaced after `inactiveAfterSeconds`
/// and forgotten (killed if it returns) after `expungeAfterSeconds`; `disabled` waits for it forever.
public enum UnreachableStrategy: Equatable, Sendable {
    case disabled
    case enabled(inactiveAfterSeconds: Double, expungeAfterSeconds: Double)
}

/// Which instances go first when an app scales down.
public enum KillSelection: String, Sendable, CaseIterable {
    case youngestFirst = "YOUNGEST_FIRST"
    case oldestFirst = "OLDEST_FIRST"
}
