/// Environment variables for a command.
public struct Environment: WireMessage, Hashable {
    public static let protoName = "mesos.v1.Environment"

    /// One variable.
    public struct Variable: WireMessage, Hashable {
        public static let protoName = "mesos.v1.Environment.Variable"

        /// Where the value comes from.
        public enum Kind: String, Codable, Sendable {
            case unknown = "UNKNOWN"
            case value = "VALUE"
            case secret = "SECRET"
        }

        public var name: String
        public var type: Kind?
        public var value: String?
        public init(name: String, value: String?, type: Kind? = nil) {
            self.name = name
            self.value = value
            self.type = type
        }
    }

    public var variables: [Variable]
    public init(_ variables: [Variable] = []) { self.variables = variables }

    /// Variables from a dictionary, sorted by name.
    public init(_ values: [String: String]) {
        variables = values.sorted { $0.key < $1.key }.map { Variable(name: $0.key, value: $0.value) }
    }
}

/// A command to run: a shell line (`shell` true or absent) or an executable with arguments.
public struct CommandInfo: WireMessage, Hashable {
    public static let protoName = "mesos.v1.CommandInfo"

    /// A file to fetch into the sandbox before the command starts.
    public struct URI: WireMessage, Hashable {
        public static let protoName = "mesos.v1.CommandInfo.URI"
        public var value: String
        public var executable: Bool?
        public var extract: Bool?
        public var cache: Bool?
        public var outputFile: String?
        public init(value: String, executable: Bool? = nil, extract: Bool? = nil, cache: Bool? = nil,
                    outputFile: String? = nil) {
            self.value = value
            self.executable = executable
            self.extract = extract
            self.cache = cache
            self.outputFile = outputFile
        }
    }

    public var uris: [URI]
    public var environment: Environment?
    /// Whether `value` is a shell line (the default) or an executable path run with `arguments`.
    public var shell: Bool?
    public var value: String?
    public var arguments: [String]
    public var user: String?

    public init(
        uris: [URI] = [], environment: Environment? = nil, shell: Bool? = nil, value: String? = nil,
        arguments: [String] = [], user: String? = nil
    ) {
        self.uris = uris
        self.environment = environment
        self.shell = shell
        self.value = value
        self.arguments = arguments
        self.user = user
    }

    /// A `/bin/sh -c` command line.
    public static func shell(_ line: String, environment: Environment? = nil) -> CommandInfo {
        CommandInfo(environment: environment, shell: true, value: line)
    }

    /// The effective shell flag, with Mesos' default of true.
    public var isShell: Bool { shell ?? true }
}

/// A health check the agent runs against a task.
public struct HealthCheck: WireMessage, Hashable {
    public static let protoName = "mesos.v1.HealthCheck"

    /// Which kind of check.
    public enum Kind: String, Codable, Sendable {
        case unknown = "UNKNOWN"
        case command = "COMMAND"
        case http = "HTTP"
        case tcp = "TCP"
    }

    /// An HTTP GET to the task's port.
    public struct HTTPCheckInfo: WireMessage, Hashable {
        public static let protoName = "mesos.v1.HealthCheck.HTTPCheckInfo"
        public var scheme: String?
        public var port: UInt32
        public var path: String?
        public var statuses: [UInt32]
        public init(scheme: String? = nil, port: UInt32, path: String? = nil, statuses: [UInt32] = []) {
            self.scheme = scheme
            self.port = port
            self.path = path
            self.statuses = statuses
        }
    }

    /// A TCP connect to the task's port.
    public struct TCPCheckInfo: WireMessage, Hashable {
        public static let protoName = "mesos.v1.HealthCheck.TCPCheckInfo"
        public var port: UInt32
        public init(port: UInt32) { self.port = port }
    }

    public var delaySeconds: Double?
    public var intervalSeconds: Double?
    public var timeoutSeconds: Double?
    public var consecutiveFailures: UInt32?
    public var gracePeriodSeconds: Double?
    public var type: Kind?
    public var command: CommandInfo?
    public var http: HTTPCheckInfo?
    public var tcp: TCPCheckInfo?

    public init(
        type: Kind?, command: CommandInfo? = nil, http: HTTPCheckInfo? = nil, tcp: TCPCheckInfo? = nil,
        delaySeconds: Double? = nil, intervalSeconds: Double? = nil, timeoutSeconds: Double? = nil,
        consecutiveFailures: UInt32? = nil, gracePeriodSeconds: Double? = nil
    ) {
        self.type = type
        self.command = command
        self.http = http
        self.tcp = tcp
        self.delaySeconds = delaySeconds
        self.intervalSeconds = intervalSeconds
        self.timeoutSeconds = timeoutSeconds
        self.consecutiveFailures = consecutiveFailures
        self.gracePeriodSeconds = gracePeriodSeconds
    }
}

extension HealthCheck: WireValidating {
    public func validate() throws(WireError) {
        if let delaySeconds { _ = try Bounds.seconds(delaySeconds, field: "delay_seconds") }
        if let intervalSeconds { _ = try Bounds.seconds(intervalSeconds, field: "interval_seconds") }
        if let timeoutSeconds { _ = try Bounds.seconds(timeoutSeconds, field: "timeout_seconds") }
        if let gracePeriodSeconds { _ = try Bounds.seconds(gracePeriodSeconds, field: "grace_period_seconds") }
    }
}

/// A custom executor for a task.
public struct ExecutorInfo: WireMessage, Hashable {
    public static let protoName = "mesos.v1.ExecutorInfo"

    /// Built-in default executor or a framework's own.
    public enum Kind: String, Codable, Sendable {
        case unknown = "UNKNOWN"
        case `default` = "DEFAULT"
        case custom = "CUSTOM"
    }

    public var type: Kind?
    public var executorID: ExecutorID
    public var frameworkID: FrameworkID?
    public var command: CommandInfo?
    public var resources: [Resource]
    public var name: String?
    public var data: [UInt8]?
    public var labels: Labels?
    /// The custom executor's container: refused when present (executors run on the host).
    public var container: ContainerInfo?

    public init(
        executorID: ExecutorID, type: Kind? = nil, frameworkID: FrameworkID? = nil, command: CommandInfo? = nil,
        resources: [Resource] = [], name: String? = nil, data: [UInt8]? = nil, labels: Labels? = nil
    ) {
        self.executorID = executorID
        self.type = type
        self.frameworkID = frameworkID
        self.command = command
        self.resources = resources
        self.name = name
        self.data = data
        self.labels = labels
    }
}
