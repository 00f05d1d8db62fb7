import AgoraWire

/// One of a container's port mappings (Marathon's `container.portMappings`): the port the container listens on,
/// the host port forwarded to it (0: one from the offer; nil: none, on a named container network), and the
/// service port, name, protocol and labels that go with it.
public struct AppPortMapping: Equatable, Sendable {
    public var containerPort = 0
    public var hostPort: Int?
    public var servicePort = 0
    public var name: String?
    public var `protocol` = "tcp"
    public var labels: [String: String] = [:]

    var json: JSONValue {
        var entries: [(key: String, value: JSONValue)] = [("containerPort", .integer(containerPort))]
        if let hostPort { entries.append(("hostPort", .integer(hostPort))) }
        entries += [("servicePort", .integer(servicePort)), ("protocol", .string(`protocol`))]
        if let name { entries.append(("name", .string(name))) }
        entries.append(("labels", .object(labels.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })))
        return .object(entries)
    }
}

/// A Marathon app's container (`container`): an image run by the agents' OCI runtime for both `DOCKER` and `MESOS`
/// (there is no Docker daemon), with volumes, privileges, a forced pull, and port mappings.
public struct AppContainer: Equatable, Sendable {
    public var type: ContainerInfo.Kind = .docker
    public var image = ""
    public var forcePullImage = false
    public var privileged = false
    public var volumes: [Volume] = []
    public var portMappings: [AppPortMapping] = []
    /// Marathon's pre-1.5 `docker.network: BRIDGE`, which stands for `networks: [{mode: container/bridge}]`.
    var legacyBridge = false

    /// The Mesos container for a task of this app on `networks`, its mappings given these host ports (in order,
    /// for the mappings that have one; a container port of 0 is the host port).
    func containerInfo(networks: AppNetworks, hostPorts: [UInt64]) -> ContainerInfo {
        var info = ContainerInfo.running(image, type: type, volumes: volumes, forcePull: forcePullImage, privileged: privileged)
        let names = networks.networkNames
        guard !names.isEmpty else { return info }
        var next = hostPorts.makeIterator()
        let mapped = portMappings.compactMap { mapping -> NetworkInfo.PortMapping? in
            guard mapping.hostPort != nil || networks.mapsHostPortsByDefault, let host = next.next() else { return nil }
            let inside = mapping.containerPort == 0 ? UInt32(clamping: host) : UInt32(mapping.containerPort)
            return .init(hostPort: UInt32(clamping: host), containerPort: inside, protocol: mapping.protocol)
        }
        info.networkInfos = names.enumerated().map { index, name in
            NetworkInfo(name: name, portMappings: index == 0 ? mapped : [])
        }
        return info
    }
}

extension AppContainer {
    /// Reads Marathon's `container` object; what Agora does not implement (container networks, Docker parameters,
    /// persistent or external volumes, registry credentials) is a problem naming the field.
    static func parse(_ json: JSONValue, problems: inout [(String, String)]) -> AppContainer? {
        guard case .object(let entries) = json else {
            problems.append(("/container", "must be an object"))
            return nil
        }
        var container = AppContainer()
        for (key, _) in entries where !["type", "docker", "volumes", "portMappings"].contains(key) {
            problems.append(("/container/\(key)", "is not implemented by Agora"))
        }
        switch json.stringValue("type") ?? "DOCKER" {
        case "DOCKER": container.type = .docker
        case "MESOS": container.type = .mesos
        case let other: problems.append(("/container/type", "must be DOCKER or MESOS (got \(other))"))
        }
        let docker = json["docker"] ?? .object([])
        if case .object(let fields) = docker {
            for (key, value) in fields {
                switch key {
                case "image", "forcePullImage", "privileged": break
                case "network" where value == .string("HOST"): break
                case "network" where value == .string("BRIDGE"): container.legacyBridge = true
                case "network":
                    problems.append(("/container/docker/network", "\(value.string ?? "?") is not supported here: name the app's networks in 'networks' (host, container/bridge, or container with a name)"))
                case "parameters" where !value.asksForSomething: break
                case "parameters":
                    problems.append(("/container/docker/parameters", "are not supported: there is no Docker daemon; Agora runs the image with its OCI runtime"))
                case "portMappings" where !value.asksForSomething: break
                default: problems.append(("/container/docker/\(key)", "is not implemented by Agora"))
                }
            }
        } else {
            problems.append(("/container/docker", "must be an object"))
        }
        if let image = docker.stringValue("image"), !image.isEmpty, image.utf8.count <= 1024 {
            container.image = image
        } else {
            problems.append(("/container/docker/image", "must be an image name (1 to 1024 characters)"))
        }
        for (key, target) in [("forcePullImage", \AppContainer.forcePullImage), ("privileged", \AppContainer.privileged)] {
            guard let value = docker[key], value != .null else { continue }
            if let flag = value.bool { container[keyPath: target] = flag } else { problems.append(("/container/docker/\(key)", "must be true or false")) }
        }
        if case .array(let items)? = json["volumes"] {
            for (index, item) in items.enumerated() {
                do {
                    container.volumes.append(try Volume(frameworkJSON: item, path: "/container/volumes(\(index))"))
                } catch {
                    problems.append((error.field ?? "/container/volumes", error.message))
                }
            }
        }
        if case .array(let items)? = json["portMappings"] {
            for (index, item) in items.enumerated() {
                if let mapping = parsePortMapping(item, path: "/container/portMappings(\(index))", problems: &problems) {
                    container.portMappings.append(mapping)
                }
            }
        }
        return container
    }

    /// A port mapping as Marathon writes it; whether its ports fit the app's networks is checked with the app.
    private static func parsePortMapping(_ item: JSONValue, path: String, problems: inout [(String, String)]) -> AppPortMapping? {
        guard case .object(let fields) = item else {
            problems.append((path, "must be an object"))
            return nil
        }
        var mapping = AppPortMapping()
        for (key, value) in fields {
            switch key {
            case "containerPort", "hostPort", "servicePort", "name", "protocol", "labels": break
            case "networkNames" where !value.asksForSomething: break
            case "networkNames": problems.append(("\(path)/networkNames", "mappings go to the app's first network; networkNames is not implemented"))
            default: problems.append(("\(path)/\(key)", "is not implemented by Agora"))
            }
        }
        do throws(WireError) {
            mapping.containerPort = try item.integer("containerPort", in: 0...65535, path: path) ?? 0
            mapping.servicePort = try item.integer("servicePort", in: 0...65535, path: path) ?? 0
            if item["hostPort"] != nil && item["hostPort"] != .null {
                mapping.hostPort = try item.integer("hostPort", in: 0...65535, path: path)
            }
        } catch {
            problems.append((error.field ?? path, error.message))
            return nil
        }
        if let value = item["name"], value != .null {
            guard let name = value.string, (1...63).contains(name.utf8.count) else {
                problems.append(("\(path)/name", "must be a name of 1 to 63 characters"))
                return nil
            }
            mapping.name = name
        }
        if let value = item["protocol"], value != .null {
            guard let proto = value.string, proto == "tcp" || proto == "udp" else {
                problems.append(("\(path)/protocol", "must be tcp or udp"))
                return nil
            }
            mapping.protocol = proto
        }
        if case .object(let pairs)? = item["labels"] {
            for (key, value) in pairs {
                guard let text = value.string else {
                    problems.append(("\(path)/labels/\(key)", "must be a string"))
                    continue
                }
                mapping.labels[key] = text
            }
        }
        return mapping
    }

    /// Marathon's `container` object for this container.
    var json: JSONValue {
        var docker: [(key: String, value: JSONValue)] = [("image", .string(image)), ("forcePullImage", .bool(forcePullImage))]
        if type == .docker { docker.append(("privileged", .bool(privileged))) }
        return .object([
            ("type", .string(type.rawValue)),
            ("docker", .object(docker)),
            ("volumes", .array(volumes.map(\.frameworkJSON))),
            ("portMappings", .array(portMappings.map(\.json))),
        ])
    }
}
