import AgoraWire

/// Where an app's instances are on the network (Marathon's `networks`): on their agent's network (`host`), on the
/// agents' bridge (`container/bridge`, the CNI network `mesos-bridge`), or on named CNI networks (`container`), each
/// in a network namespace of its own with its own address.
public enum AppNetworks: Equatable, Sendable {
    case host
    case bridge
    case container([String])

    /// The CNI networks an instance joins, in order; none on the host's network.
    var networkNames: [String] {
        switch self {
        case .host: []
        case .bridge: ["mesos-bridge"]
        case .container(let names): names
        }
    }

    /// Whether a port mapping without a `hostPort` gets one from the offer (`host`, `container/bridge`), or none
    /// (named container networks, where the instance is reached at its own address).
    var mapsHostPortsByDefault: Bool { if case .container = self { false } else { true } }

    /// Reads Marathon's `networks` list; what Agora does not implement (network labels, several modes at once) is a
    /// problem naming the field.
    static func parse(_ json: JSONValue, problems: inout [(String, String)]) -> AppNetworks {
        guard case .array(let items) = json else {
            problems.append(("/networks", "must be a list"))
            return .host
        }
        var modes: [String] = []
        var names: [String] = []
        for (index, item) in items.enumerated() {
            let path = "/networks(\(index))"
            guard case .object(let fields) = item else {
                problems.append((path, "must be an object"))
                continue
            }
            for (key, value) in fields where !["mode", "name", "labels"].contains(key) || (key == "labels" && value.asksForSomething) {
                problems.append(("\(path)/\(key)", key == "labels" ? "network labels are not implemented by Agora" : "is not a network field"))
            }
            let mode = item.stringValue("mode") ?? "container"
            modes.append(mode)
            switch mode {
            case "host", "container/bridge":
                if item["name"] != nil && item["name"] != .null { problems.append(("\(path)/name", "only container networks have a name")) }
            case "container":
                guard let name = item.stringValue("name"), NetworkInfo.isValidName(name) else {
                    problems.append(("\(path)/name", "a container network needs a name (1 to 64 letters, digits, '-', '_' or '.')"))
                    continue
                }
                names.append(name)
            default:
                problems.append(("\(path)/mode", "must be host, container/bridge or container (got \(mode))"))
            }
        }
        if Set(modes).count > 1 { problems.append(("/networks", "one mode per app: host, container/bridge, or container networks")) }
        switch modes.first {
        case nil, "host"?: return .host
        case "container/bridge"?:
            if modes.count > 1 { problems.append(("/networks", "container/bridge is one network")) }
            return .bridge
        default: return .container(names)
        }
    }

    /// Marathon's `networks` list.
    var json: JSONValue {
        switch self {
        case .host: .array([.object([("mode", .string("host"))])])
        case .bridge: .array([.object([("mode", .string("container/bridge"))])])
        case .container(let names): .array(names.map { .object([("mode", .string("container")), ("name", .string($0))]) })
        }
    }
}
