import AgoraWire

/// A Chronos job's container (`container`): an image run by the agents' OCI runtime for both `DOCKER` and `MESOS`
/// (there is no Docker daemon), with volumes and a forced pull. Container networks and Docker parameters are refused.
public struct JobContainer: Equatable, Sendable {
    public var type: ContainerInfo.Kind = .docker
    public var image: String
    public var forcePullImage = false
    public var volumes: [Volume] = []

    public init(image: String) { self.image = image }

    /// The Mesos container for a run of the job.
    var containerInfo: ContainerInfo { .running(image, type: type, volumes: volumes, forcePull: forcePullImage) }

    /// Reads Chronos' `container` object.
    static func parse(_ json: JSONValue) throws(JobError) -> JobContainer {
        guard case .object(let fields) = json else { throw JobError.invalid("'container' must be an object") }
        for (key, value) in fields {
            switch key {
            case "type", "image", "forcePullImage", "volumes": break
            case "network" where value == .string("HOST") || value == .null: break
            case "network":
                throw JobError.invalid("container.network \(value.textValue ?? "?") is not implemented yet: containers share the host's network")
            case "parameters" where value == .array([]) || value == .null: break
            case "parameters":
                throw JobError.invalid("container.parameters are not supported: there is no Docker daemon; Agora runs the image with its OCI runtime")
            default:
                throw JobError.invalid("container.\(key) is not implemented by Agora")
            }
        }
        guard let image = json.text("image"), !image.isEmpty, image.utf8.count <= 1024 else {
            throw JobError.invalid("container.image must be an image name (1 to 1024 characters)")
        }
        var container = JobContainer(image: image)
        switch json.text("type") ?? "DOCKER" {
        case "DOCKER": container.type = .docker
        case "MESOS": container.type = .mesos
        case let other: throw JobError.invalid("container.type must be DOCKER or MESOS (got \(other))")
        }
        if let value = json["forcePullImage"], value != .null {
            guard case .bool(let flag) = value else { throw JobError.invalid("container.forcePullImage must be true or false") }
            container.forcePullImage = flag
        }
        if case .array(let items)? = json["volumes"] {
            for (index, item) in items.enumerated() {
                do {
                    container.volumes.append(try Volume(frameworkJSON: item, path: "container.volumes[\(index)]"))
                } catch {
                    throw JobError.invalid("\(error.field ?? "container.volumes") \(error.message)")
                }
            }
        }
        return container
    }

    /// Chronos' `container` object for this container.
    var json: JSONValue {
        .object([("type", .string(type.rawValue)), ("image", .string(image)), ("network", .string("HOST")),
                 ("forcePullImage", .bool(forcePullImage)), ("volumes", .array(volumes.map(\.frameworkJSON))),
                 ("parameters", .array([]))])
    }
}
