extension Volume {
    /// Reads a volume as Marathon and Chronos write it: `{"containerPath", "hostPath", "mode": "RW"|"RO"}`, the host
    /// path absolute or relative to the sandbox; persistent and external volumes are refused by name.
    public init(frameworkJSON item: JSONValue, path: String) throws(WireError) {
        guard case .object(let fields) = item else { throw WireError(.wrongJSONType, field: path, "must be an object") }
        for (key, _) in fields where !["containerPath", "hostPath", "mode"].contains(key) {
            let what = key == "persistent" || key == "external" ? "\(key) volumes are" : "is"
            throw WireError(.invalidValue, field: "\(path)/\(key)", "\(what) not implemented by Agora")
        }
        guard case .string(let target)? = item["containerPath"], !target.isEmpty, !target.split(separator: "/").contains("..") else {
            throw WireError(.invalidValue, field: "\(path)/containerPath", "must be a path without '..'")
        }
        guard case .string(let host)? = item["hostPath"], !host.isEmpty, host.hasPrefix("/") || !host.split(separator: "/").contains("..") else {
            throw WireError(.invalidValue, field: "\(path)/hostPath", "must be an absolute host path, or a path in the sandbox without '..'")
        }
        var mode = Mode.rw
        if let value = item["mode"], value != .null {
            guard case .string(let text) = value, let parsed = Mode(rawValue: text) else {
                throw WireError(.invalidValue, field: "\(path)/mode", "must be RW or RO")
            }
            mode = parsed
        }
        self.init(mode: mode, containerPath: target, hostPath: host)
    }

    /// The volume as Marathon and Chronos show it.
    public var frameworkJSON: JSONValue {
        .object([("containerPath", .string(containerPath ?? "")), ("hostPath", .string(hostPath ?? "")),
                 ("mode", .string(mode?.rawValue ?? "RW"))])
    }
}
