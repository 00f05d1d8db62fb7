import AgoraAllocator
import AgoraWire

extension Resources {
    /// The Mesos endpoint shape: `{"cpus": 2, "mem": 1024, "disk": 0, "ports": "[31000-32000]"}`.
    var endpointJSON: JSONValue {
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
