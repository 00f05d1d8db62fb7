import AgoraWire

extension Resources {
    /// The Mesos endpoint shape: `{"cpus": 2, "mem": 1024, "disk": 0, "ports": "[31000-32000]"}`.
    public var endpointJSON: JSONValue {
        var entries: [(key: String, value: JSONValue)] = []
        for name in ["cpus", "mem", "disk", "gpus"] {
            entries.append((name, JSONValue.double(scalar(name)) ?? .number("0")))
        }
        let ports = ranges("ports")
        if !ports.isEmpty {
            entries.append(("ports", .string("[" + ports.ranges.map { "\($0.lowerBound)-\($0.upperBound)" }
                .joined(separator: ", ") + "]")))
        }
        for name in names.subtracting(["cpus", "mem", "disk", "gpus", "ports"]).sorted() {
            entries.append((name, JSONValue.double(scalar(name)) ?? .number("0")))
        }
        return .object(entries)
    }
}

/// Prometheus samples `resource="cpus",kind="total"` for each name and each labelled bag
/// (scalars by amount, ports by count).
public func resourceSamples(names: Set<String>, _ bags: KeyValuePairs<String, Resources>) -> [(labels: String, value: Double)] {
    var samples: [(labels: String, value: Double)] = []
    for name in names.sorted() {
        for (kind, bag) in bags {
            let amount = name == "ports" ? Double(bag.ranges(name).count) : bag.scalar(name)
            samples.append(("resource=\"\(name)\",kind=\"\(kind)\"", amount))
        }
    }
    return samples
}
