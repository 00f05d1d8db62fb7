/// How a task's container is made (`mesos.v1.ContainerInfo`): a Docker/OCI image run by Agora's OCI runtime, for
/// both `MESOS` and `DOCKER` (there is no Docker daemon), with volumes, a hostname and Linux capabilities. Networks,
/// rlimits and terminals are in the schema only so that a request for them is refused by name.
public struct ContainerInfo: WireMessage, Hashable {
    public static let protoName = "mesos.v1.ContainerInfo"
    public enum Kind: String, Codable, Sendable {
        case docker = "DOCKER"
        case mesos = "MESOS"
    }

    /// The Docker-flavoured request: an image name, the host's network, privileges.
    public struct DockerInfo: WireMessage, Hashable {
        public static let protoName = "mesos.v1.ContainerInfo.DockerInfo"
        public enum Network: String, Codable, Sendable {
            case host = "HOST"
            case bridge = "BRIDGE"
            case none = "NONE"
            case user = "USER"
        }
        /// A host port published as a container port (Agora's containers share the host's network: they must match).
        public struct PortMapping: WireMessage, Hashable {
            public static let protoName = "mesos.v1.ContainerInfo.DockerInfo.PortMapping"
            public var hostPort: UInt32?
            public var containerPort: UInt32?
            public var `protocol`: String?
            public init(hostPort: UInt32? = nil, containerPort: UInt32? = nil, protocol: String? = nil) {
                self.hostPort = hostPort
                self.containerPort = containerPort
                self.protocol = `protocol`
            }
        }
        public var image: String?
        public var network: Network?
        public var portMappings: [PortMapping]
        public var privileged: Bool?
        public var parameters: [Parameter]
        public var forcePullImage: Bool?
        public var volumeDriver: String?
        public init(image: String? = nil, network: Network? = nil, portMappings: [PortMapping] = [],
                    privileged: Bool? = nil, parameters: [Parameter] = [], forcePullImage: Bool? = nil) {
            self.image = image
            self.network = network
            self.portMappings = portMappings
            self.privileged = privileged
            self.parameters = parameters
            self.forcePullImage = forcePullImage
        }
    }

    /// The Mesos-flavoured request: an image, or none (the task then runs on the host as without a container).
    public struct MesosInfo: WireMessage, Hashable {
        public static let protoName = "mesos.v1.ContainerInfo.MesosInfo"
        public var image: Image?
        public init(image: Image? = nil) { self.image = image }
    }

    public var type: Kind?
    public var volumes: [Volume]
    public var docker: DockerInfo?
    public var hostname: String?
    public var mesos: MesosInfo?
    public var networkInfos: [NetworkInfo]
    public var linuxInfo: LinuxInfo?
    public var rlimitInfo: RLimitInfo?
    public var ttyInfo: TTYInfo?

    public init(type: Kind? = nil, volumes: [Volume] = [], docker: DockerInfo? = nil, hostname: String? = nil,
                mesos: MesosInfo? = nil, linuxInfo: LinuxInfo? = nil) {
        self.type = type
        self.volumes = volumes
        self.docker = docker
        self.hostname = hostname
        self.mesos = mesos
        networkInfos = []
        self.linuxInfo = linuxInfo
    }

    /// A container of `type` running image `name` on the host's network, as Marathon and Chronos ask for one.
    public static func running(_ name: String, type: Kind, volumes: [Volume], forcePull: Bool, privileged: Bool = false) -> ContainerInfo {
        switch type {
        case .docker:
            ContainerInfo(type: .docker, volumes: volumes, docker: .init(
                image: name, network: .host, privileged: privileged ? true : nil, forcePullImage: forcePull ? true : nil))
        case .mesos:
            ContainerInfo(type: .mesos, volumes: volumes, mesos: .init(image: Image(
                type: .docker, docker: .init(name: name), cached: forcePull ? false : nil)))
        }
    }

    /// The image the container runs: `docker.image` for `DOCKER`, `mesos.image` (a Docker image) for `MESOS`.
    public var imageName: String? {
        switch type {
        case .docker?: docker?.image
        default: mesos?.image?.docker?.name
        }
    }

    /// Whether the image must be pulled again even if this agent has it (`force_pull_image`, `cached: false`).
    public var forcePull: Bool {
        switch type {
        case .docker?: docker?.forcePullImage ?? false
        default: mesos?.image.map { !($0.cached ?? true) } ?? false
        }
    }
}

/// A container image (`mesos.v1.Image`): a Docker/OCI image by name; APPC is refused.
public struct Image: WireMessage, Hashable {
    public static let protoName = "mesos.v1.Image"
    public enum Kind: String, Codable, Sendable {
        case appc = "APPC"
        case docker = "DOCKER"
    }
    public struct Appc: WireMessage, Hashable {
        public static let protoName = "mesos.v1.Image.Appc"
        public var name: String?
    }
    public struct Docker: WireMessage, Hashable {
        public static let protoName = "mesos.v1.Image.Docker"
        public var name: String?
        /// Registry credentials: refused (Agora has no secret store).
        public var config: Secret?
        public init(name: String? = nil) { self.name = name }
    }
    public var type: Kind?
    public var appc: Appc?
    public var docker: Docker?
    public var cached: Bool?
    public init(type: Kind? = nil, docker: Docker? = nil, cached: Bool? = nil) {
        self.type = type
        self.docker = docker
        self.cached = cached
    }
}

/// A secret's kind (`mesos.v1.Secret`), read only to refuse it by name.
public struct Secret: WireMessage, Hashable {
    public static let protoName = "mesos.v1.Secret"
    public enum Kind: String, Codable, Sendable {
        case unknown = "UNKNOWN"
        case reference = "REFERENCE"
        case value = "VALUE"
    }
    public var type: Kind?
}

/// A path mounted into a container (`mesos.v1.Volume`): a host path, or a path in the task's sandbox.
public struct Volume: WireMessage, Hashable {
    public static let protoName = "mesos.v1.Volume"
    public enum Mode: String, Codable, Sendable {
        case rw = "RW"
        case ro = "RO"
    }
    /// Where the volume comes from, in Mesos' newer form.
    public struct Source: WireMessage, Hashable {
        public static let protoName = "mesos.v1.Volume.Source"
        public enum Kind: String, Codable, Sendable {
            case unknown = "UNKNOWN"
            case dockerVolume = "DOCKER_VOLUME"
            case sandboxPath = "SANDBOX_PATH"
            case secret = "SECRET"
            case hostPath = "HOST_PATH"
        }
        public struct SandboxPath: WireMessage, Hashable {
            public static let protoName = "mesos.v1.Volume.Source.SandboxPath"
            public enum Kind: String, Codable, Sendable {
                case unknown = "UNKNOWN"
                case this = "SELF"
                case parent = "PARENT"
            }
            public var type: Kind?
            public var path: String?
            public init(type: Kind? = nil, path: String? = nil) {
                self.type = type
                self.path = path
            }
        }
        public struct HostPath: WireMessage, Hashable {
            public static let protoName = "mesos.v1.Volume.Source.HostPath"
            public var path: String?
            public init(path: String? = nil) { self.path = path }
        }
        public var type: Kind?
        public var sandboxPath: SandboxPath?
        public var hostPath: HostPath?
        public init(type: Kind? = nil, sandboxPath: SandboxPath? = nil, hostPath: HostPath? = nil) {
            self.type = type
            self.sandboxPath = sandboxPath
            self.hostPath = hostPath
        }
    }
    public var mode: Mode?
    public var containerPath: String?
    public var hostPath: String?
    public var image: Image?
    public var source: Source?
    public init(mode: Mode? = nil, containerPath: String? = nil, hostPath: String? = nil, source: Source? = nil) {
        self.mode = mode
        self.containerPath = containerPath
        self.hostPath = hostPath
        self.source = source
    }
}

/// Linux capabilities, as Mesos names them (`mesos.v1.CapabilityInfo`).
public struct CapabilityInfo: WireMessage, Hashable {
    public static let protoName = "mesos.v1.CapabilityInfo"
    public enum Capability: String, Codable, Sendable, CaseIterable {
        case unknown = "UNKNOWN", chown = "CHOWN", dacOverride = "DAC_OVERRIDE", dacReadSearch = "DAC_READ_SEARCH"
        case fowner = "FOWNER", fsetid = "FSETID", kill = "KILL", setgid = "SETGID", setuid = "SETUID"
        case setpcap = "SETPCAP", linuxImmutable = "LINUX_IMMUTABLE", netBindService = "NET_BIND_SERVICE"
        case netBroadcast = "NET_BROADCAST", netAdmin = "NET_ADMIN", netRaw = "NET_RAW", ipcLock = "IPC_LOCK"
        case ipcOwner = "IPC_OWNER", sysModule = "SYS_MODULE", sysRawio = "SYS_RAWIO", sysChroot = "SYS_CHROOT"
        case sysPtrace = "SYS_PTRACE", sysPacct = "SYS_PACCT", sysAdmin = "SYS_ADMIN", sysBoot = "SYS_BOOT"
        case sysNice = "SYS_NICE", sysResource = "SYS_RESOURCE", sysTime = "SYS_TIME", sysTTYConfig = "SYS_TTY_CONFIG"
        case mknod = "MKNOD", lease = "LEASE", auditWrite = "AUDIT_WRITE", auditControl = "AUDIT_CONTROL"
        case setfcap = "SETFCAP", macOverride = "MAC_OVERRIDE", macAdmin = "MAC_ADMIN", syslog = "SYSLOG"
        case wakeAlarm = "WAKE_ALARM", blockSuspend = "BLOCK_SUSPEND", auditRead = "AUDIT_READ"
    }
    public var capabilities: [Capability]
    public init(_ capabilities: [Capability] = []) { self.capabilities = capabilities }
}

/// Linux settings of a container (`mesos.v1.LinuxInfo`): its capabilities.
public struct LinuxInfo: WireMessage, Hashable {
    public static let protoName = "mesos.v1.LinuxInfo"
    public var capabilityInfo: CapabilityInfo?
    public var boundingCapabilities: CapabilityInfo?
    public var effectiveCapabilities: CapabilityInfo?
    public var sharePidNamespace: Bool?
    public init(effectiveCapabilities: CapabilityInfo? = nil, boundingCapabilities: CapabilityInfo? = nil) {
        self.effectiveCapabilities = effectiveCapabilities
        self.boundingCapabilities = boundingCapabilities
    }
}

/// A network a container joins (`mesos.v1.NetworkInfo`): a CNI network of the agent by `name`, with port mappings
/// from host ports of the task's resources to ports of the container; in a status, the addresses it was given.
public struct NetworkInfo: WireMessage, Hashable {
    public static let protoName = "mesos.v1.NetworkInfo"
    public enum IPProtocol: String, Codable, Sendable {
        case ipv4 = "IPv4"
        case ipv6 = "IPv6"
    }
    /// An address asked for (a protocol; a fixed address is refused by name) or given.
    public struct IPAddress: WireMessage, Hashable {
        public static let protoName = "mesos.v1.NetworkInfo.IPAddress"
        public var `protocol`: IPProtocol?
        public var ipAddress: String?
        public init(protocol: IPProtocol? = nil, ipAddress: String? = nil) {
            self.protocol = `protocol`
            self.ipAddress = ipAddress
        }
    }
    /// A host port of the task's resources forwarded to a port of the container.
    public struct PortMapping: WireMessage, Hashable {
        public static let protoName = "mesos.v1.NetworkInfo.PortMapping"
        public var hostPort: UInt32
        public var containerPort: UInt32
        /// `tcp` (the default) or `udp`.
        public var `protocol`: String?
        public init(hostPort: UInt32, containerPort: UInt32, protocol: String? = nil) {
            self.hostPort = hostPort
            self.containerPort = containerPort
            self.protocol = `protocol`
        }
    }
    public var ipAddresses: [IPAddress]
    public var name: String?
    public var groups: [String]
    public var labels: Labels?
    public var portMappings: [PortMapping]

    /// A network (or CNI plugin) name: 1 to 64 letters, digits, `-`, `_` or `.`, not `.` or `..` — what a file name
    /// and a CNI configuration can both hold. The master, the agent and the services framework check names with it.
    public static func isValidName(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count) && name != "." && name != ".."
            && name.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a)
                    || byte == 0x2d || byte == 0x5f || byte == 0x2e
            }
    }

    public init(name: String? = nil, ipAddresses: [IPAddress] = [], portMappings: [PortMapping] = [], labels: Labels? = nil) {
        self.name = name
        self.ipAddresses = ipAddresses
        self.portMappings = portMappings
        self.labels = labels
        groups = []
    }
}

/// What the agent learned while it set a task's container up (`mesos.v1.ContainerStatus`): the networks it joined.
public struct ContainerStatus: WireMessage, Hashable {
    public static let protoName = "mesos.v1.ContainerStatus"
    public var networkInfos: [NetworkInfo]
    public init(networkInfos: [NetworkInfo]) { self.networkInfos = networkInfos }
}

/// Rlimits for a container (`mesos.v1.RLimitInfo`), refused by name.
public struct RLimitInfo: WireMessage, Hashable {
    public static let protoName = "mesos.v1.RLimitInfo"
    public struct RLimit: WireMessage, Hashable {
        public static let protoName = "mesos.v1.RLimitInfo.RLimit"
        public var type: Int32?
    }
    public var rlimits: [RLimit]
}

/// A terminal for a container (`mesos.v1.TTYInfo`), refused by name.
public struct TTYInfo: WireMessage, Hashable {
    public static let protoName = "mesos.v1.TTYInfo"
    public struct WindowSize: WireMessage, Hashable {
        public static let protoName = "mesos.v1.TTYInfo.WindowSize"
        public var rows: UInt32?
        public var columns: UInt32?
    }
    public var windowSize: WindowSize?
}
