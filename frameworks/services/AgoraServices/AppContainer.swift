import AgoraWire

/// A Marathon app's container (`container`): an image run by the agents' OCI runtime for both `DOCKER` and `MESOS`
/// (there is no Docker daemon), with volumes, privileges, a forced pull, and port mappings on the host's network.
public struct AppContainer: Equatable, Sendable {
    public var type: ContainerInfo.Kind = .docker
    public var image = ""
    public var forcePullImage = false
    public var privileged = false
    public var volumes: [Volume] = []
    /// Host ports the container listens on (`hostPort` 0: one from the offer, as `$PORT0`…).
    public var portMappings: [Int] = []

    /// The Mesos container for a task of this app.
    public var containerInfo: ContainerInfo {
        .running(image, type: type, volumes: volumes, forcePull: forcePullImage, privileged: privileged)
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
                case "network":
                    problems.append(("/container/docker/network", "container networks (\(value.string ?? "?")) are not implemented yet: containers share the host's network; use portDefinitions and listen on $PORT0"))
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
                if let port = parsePortMapping(item, path: "/container/portMappings(\(index))", problems: &problems) { container.portMappings.append(port) }
            }
        }
        return container
    }

    /// A port mapping on the host's network: the container listens on the host port itself, so `containerPort` is
    /// 0 or the host port.
    private static func parsePortMapping(_ item: JSONValue, path: String, problems: inout [(String, String)]) -> Int? {
        guard case .object(let fields) = item else {
            problems.append((path, "must be an object"))
            return nil
        }
        for (key, value) in fields {
            switch key {
            case "containerPort", "hostPort", "name", "labels": break
            case "protocol" where value == .string("tcp"): break
            case "servicePort" where !value.asksForSomething: break
            case "servicePort": problems.append(("\(path)/servicePort", "service ports are not implemented yet"))
            default: problems.append(("\(path)/\(key)", "is not implemented by Agora"))
            }
        }
        do throws(WireError) {
            let host = try item.integer("hostPort", in: 0...65535, path: path) ?? 0
            let container = try item.integer("containerPort", in: 0...65535, path: path) ?? 0
            guard container == 0 || container == host else {
                problems.append(("\(path)/containerPort", "a container port other than its host port needs container networks, which are not implemented yet; set containerPort to 0 and listen on $PORT0"))
                return nil
            }
            return host
        } catch {
            problems.append((error.field ?? path, error.message))
            return nil
        }
    }

    /// Marathon's `container` object for this container.
    var json: JSONValue {
        var docker: [(key: String, value: JSONValue)] = [("image", .string(image)), ("forcePullImage", .bool(forcePullImage))]
        if type == .docker { docker.append(("privileged", .bool(privileged))) }
        return .object([
            ("type", .string(type.rawValue)),
            ("docker", .object(docker)),
            ("volumes", .array(volumes.map(\.frameworkJSON))),
            ("portMappings", .array(portMappings.map { .object([("containerPort", .integer($0)), ("hostPort", .integer($0)),
                                                                 ("protocol", .string("tcp"))]) })),
        ])
    }
}
