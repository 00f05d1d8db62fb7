import AgoraResources
import AgoraRuntime
import AgoraWire
import Foundation

/// A problem with an app definition, in Marathon's 422 shape: `{"message": …, "details": [{"path", "errors"}]}`.
public struct AppValidationError: Error, Sendable {
    public var details: [(path: String, error: String)]

    public var json: JSONValue {
        .object([
            ("message", .string("Object is not valid")),
            ("details", .array(details.map { detail in
                .object([("path", .string(detail.path)), ("errors", .array([.string(detail.error)]))])
            })),
        ])
    }
}

/// Reads and writes app definitions in Marathon's JSON.
public enum AppJSON {
    /// Every key of a Marathon app object; anything else is refused.
    static let knownKeys: Set<String> = [
        "acceptedResourceRoles", "args", "backoffFactor", "backoffSeconds", "cmd", "constraints", "container", "cpus",
        "dependencies", "deployments", "disk", "env", "executor", "fetch", "gpus", "healthChecks", "id", "instances",
        "ipAddress", "killSelection", "labels", "lastTaskFailure", "maxLaunchDelaySeconds", "mem", "networks",
        "portDefinitions", "ports", "readinessCheckResults", "readinessChecks", "requirePorts", "residency", "role",
        "secrets", "storeUrls", "taskKillGracePeriodSeconds", "taskRateLimit", "taskStats", "tasks", "tasksHealthy",
        "tasksRunning", "tasksStaged", "tasksUnhealthy", "unreachableStrategy", "upgradeStrategy", "uris", "user",
        "version", "versionInfo",
    ]

    /// Marathon app fields that change what runs or where, which Agora does not implement yet.
    static let notImplemented: Set<String> = [
        "storeUrls", "secrets", "residency", "readinessChecks",
        "dependencies", "executor", "acceptedResourceRoles", "taskRateLimit", "ipAddress",
    ]

    /// Parses an app; `base` supplies the current values for a partial update (PUT).
    public static func parse(_ json: JSONValue, id pathID: String? = nil, base: AppDefinition? = nil)
        throws(AppValidationError) -> AppDefinition {
        var problems: [(String, String)] = []
        guard case .object(let entries) = json else {
            throw AppValidationError(details: [("/", "expected a JSON object")])
        }
        for (key, _) in entries where !knownKeys.contains(key) { problems.append(("/\(key)", "unknown field")) }
        // Marathon fields Agora does not implement yet: refused when they ask for anything, never dropped.
        for (key, value) in entries where notImplemented.contains(key) && value.asksForSomething {
            problems.append(("/\(key)", "is not implemented by Agora yet"))
        }
        let rawID = json.stringValue("id") ?? pathID ?? base?.id
        guard let rawID, let id = AppID.normalize(rawID) else {
            problems.append(("/id", "must be a path of lowercase letters, digits, '-' and '.' (got \(rawID ?? "nothing"))"))
            throw AppValidationError(details: problems)
        }
        if let pathID, let bodyID = json.stringValue("id"), AppID.normalize(bodyID) != AppID.normalize(pathID) {
            problems.append(("/id", "does not match the app in the URL (\(pathID))"))
        }
        var app = base ?? AppDefinition(id: id)
        app.id = id

        /// Runs one checked read; a failure becomes a problem under its field path.
        func checked<T>(_ read: () throws(WireError) -> T?) -> T? {
            do { return try read() } catch {
                problems.append((error.field ?? "/", error.message))
                return nil
            }
        }
        func seconds(_ key: String, in object: JSONValue = json, path: String = "") -> Double? {
            checked { () throws(WireError) in try object.real(key, in: 0...Bounds.maxSeconds, path: path) }
        }
        if json["cmd"] != nil { app.cmd = json.stringValue("cmd") }
        if let value = json["user"] {
            if case .string(let user) = value, !user.isEmpty { app.user = user }
            else if value != .null { problems.append(("/user", "must be a non-empty string")) }
        }
        if case .array(let items)? = json["args"] { app.args = items.compactMap(\.string) }
        if let value = checked({ () throws(WireError) in try json.integer("instances", in: 0...AppLimits.maxInstances) }) {
            app.instances = value
        }
        if let value = checked({ () throws(WireError) in try json.real("cpus", in: 0.001...Bounds.maxScalar) }) { app.cpus = value }
        if let value = checked({ () throws(WireError) in try json.real("mem", in: 0...Bounds.maxScalar) }) { app.mem = value }
        if let value = checked({ () throws(WireError) in try json.real("disk", in: 0...Bounds.maxScalar) }) { app.disk = value }
        if let value = seconds("backoffSeconds") { app.backoffSeconds = value }
        if let value = checked({ () throws(WireError) in try json.real("backoffFactor", in: 1...AppLimits.maxBackoffFactor) }) {
            app.backoffFactor = value
        }
        if let value = seconds("maxLaunchDelaySeconds") { app.maxLaunchDelaySeconds = value }
        if let value = seconds("taskKillGracePeriodSeconds") { app.taskKillGracePeriodSeconds = value }
        if let selection = json.stringValue("killSelection") {
            if let value = KillSelection(rawValue: selection) { app.killSelection = value }
            else { problems.append(("/killSelection", "must be YOUNGEST_FIRST or OLDEST_FIRST")) }
        }
        if case .array(let items)? = json["portDefinitions"] {
            app.ports = items.enumerated().map { index, item in
                checked { () throws(WireError) in try item.integer("port", in: 0...65535, path: "/portDefinitions(\(index))") } ?? 0
            }
        } else if case .array(let items)? = json["ports"] {
            app.ports = items.enumerated().map { index, item in
                checked { () throws(WireError) in try item.integer(in: 0...65535, path: "/ports(\(index))") } ?? 0
            }
        }
        if let value = json["requirePorts"] {
            if let flag = value.bool { app.requirePorts = flag } else { problems.append(("/requirePorts", "must be true or false")) }
        }
        if app.requirePorts && app.ports.contains(0) {
            problems.append(("/requirePorts", "every port must be a number other than 0 when ports are required"))
        }
        let numbered = app.ports.filter { $0 != 0 }
        if Set(numbered).count != numbered.count { problems.append(("/portDefinitions", "a port number appears more than once")) }
        if app.ports.contains(where: { !(0...65535).contains($0) }) {
            problems.append(("/portDefinitions", "ports must be between 0 and 65535"))
        }
        if case .object(let pairs)? = json["env"] {
            app.env = [:]
            for (key, value) in pairs {
                guard let text = value.string else {
                    problems.append(("/env/\(key)", "must be a string"))
                    continue
                }
                app.env[key] = text
            }
        }
        if case .object(let pairs)? = json["labels"] {
            app.labels = Dictionary(pairs.compactMap { key, value in value.string.map { (key, $0) } }, uniquingKeysWith: { $1 })
        }
        if case .array(let items)? = json["constraints"] {
            app.constraints = []
            for (index, item) in items.enumerated() {
                guard case .array(let values) = item else {
                    problems.append(("/constraints(\(index))", "must be [field, operator, value?]"))
                    continue
                }
                do {
                    app.constraints.append(try PlacementConstraint(parts: values.map { $0.string ?? "" }))
                } catch {
                    problems.append(("/constraints(\(index))", error.message))
                }
            }
        }
        if case .array(let items)? = json["healthChecks"] {
            app.healthChecks = []
            for (index, item) in items.enumerated() {
                let protocolName = (item.stringValue("protocol") ?? "HTTP").uppercased()
                var check: AppHealthCheck
                switch protocolName {
                case "HTTP", "MESOS_HTTP": check = AppHealthCheck(kind: .http)
                case "TCP", "MESOS_TCP": check = AppHealthCheck(kind: .tcp)
                case "COMMAND":
                    check = AppHealthCheck(kind: .command)
                    check.command = item["command"]?.stringValue("value")
                    if check.command == nil { problems.append(("/healthChecks(\(index))/command", "COMMAND needs command.value")) }
                default:
                    problems.append(("/healthChecks(\(index))/protocol", "must be HTTP, TCP or COMMAND"))
                    continue
                }
                let path = "/healthChecks(\(index))"
                check.path = item.stringValue("path") ?? "/"
                check.portIndex = checked { () throws(WireError) in try item.integer("portIndex", in: 0...65535, path: path) } ?? 0
                check.gracePeriodSeconds = seconds("gracePeriodSeconds", in: item, path: path) ?? 300
                check.intervalSeconds = seconds("intervalSeconds", in: item, path: path) ?? 60
                check.timeoutSeconds = seconds("timeoutSeconds", in: item, path: path) ?? 20
                check.maxConsecutiveFailures = checked { () throws(WireError) in
                    try item.integer("maxConsecutiveFailures", in: 0...Int(UInt32.max), path: path)
                } ?? 3
                app.healthChecks.append(check)
            }
        }
        if let strategy = json["upgradeStrategy"] {
            if let value = checked({ () throws(WireError) in
                try strategy.real("minimumHealthCapacity", in: 0...1, path: "/upgradeStrategy")
            }) { app.minimumHealthCapacity = value }
            if let value = checked({ () throws(WireError) in
                try strategy.real("maximumOverCapacity", in: 0...1, path: "/upgradeStrategy")
            }) { app.maximumOverCapacity = value }
        }
        if let strategy = json["unreachableStrategy"] {
            if strategy == .string("disabled") {
                app.unreachableStrategy = .disabled
            } else if case .object = strategy {
                let path = "/unreachableStrategy"
                let inactive = seconds("inactiveAfterSeconds", in: strategy, path: path) ?? 0
                let expunge = seconds("expungeAfterSeconds", in: strategy, path: path) ?? 0
                if expunge < inactive {
                    problems.append((path + "/expungeAfterSeconds", "must be at least inactiveAfterSeconds"))
                }
                app.unreachableStrategy = .enabled(inactiveAfterSeconds: inactive, expungeAfterSeconds: expunge)
            } else {
                problems.append(("/unreachableStrategy", "must be \"disabled\" or {inactiveAfterSeconds, expungeAfterSeconds}"))
            }
        }
        if case .array(let items)? = json["fetch"] {
            app.fetch = items.enumerated().compactMap { index, item in
                guard let uri = CommandInfo.URI(fetchEntry: item) else {
                    problems.append(("/fetch(\(index))/uri", "must be a string"))
                    return nil
                }
                return uri
            }
        }
        if case .array(let items)? = json["uris"], !items.isEmpty {
            if case .array(let fetch)? = json["fetch"], !fetch.isEmpty {
                problems.append(("/uris", "give fetch or uris, not both"))
            }
            app.fetch = items.compactMap(\.string).map(CommandInfo.URI.init(legacyURI:))
        }
        for (index, uri) in app.fetch.enumerated() {
            if let problem = uri.fetchProblem { problems.append(("/fetch(\(index))", problem)) }
        }
        if let value = json["container"] {
            app.container = value == .null ? nil : AppContainer.parse(value, problems: &problems)
        }
        if let value = json["networks"], value != .null {
            app.networks = AppNetworks.parse(value, problems: &problems)
        } else if app.container?.legacyBridge == true {
            app.networks = .bridge
        }
        checkPorts(&app, json, &problems)
        if app.cmd == nil && (app.args ?? []).isEmpty && app.container == nil {
            problems.append(("/cmd", "an app needs cmd, args or a container image"))
        }
        for (index, check) in app.healthChecks.enumerated() where check.kind != .command && app.hostPortIndex(check.portIndex) == nil {
            problems.append(("/healthChecks(\(index))/portIndex", app.networks == .host
                ? "the app has only \(app.ports.count) port(s)"
                : "port \(check.portIndex) has no host port: health checks reach an instance through a host port of its mapping"))
        }
        guard problems.isEmpty else { throw AppValidationError(details: problems) }
        return app
    }

    /// The host ports each instance takes (`ports`) follow from the container's port mappings when it has any: the
    /// mappings with a host port, in order (on the host's network the container listens on the host port itself; on
    /// a container network it listens on its container port). Container networks need an image and take no
    /// `portDefinitions`.
    private static func checkPorts(_ app: inout AppDefinition, _ json: JSONValue, _ problems: inout [(String, String)]) {
        let onHost = app.networks == .host
        if !onHost {
            if app.container == nil { problems.append(("/networks", "container networks need a container image ('container')")) }
            if json["portDefinitions"]?.asksForSomething == true || json["ports"]?.asksForSomething == true {
                problems.append(("/portDefinitions", "apps on container networks declare their ports in container.portMappings"))
            }
            app.ports = []
        }
        guard let container = app.container, !container.portMappings.isEmpty else { return }
        let services = container.portMappings.map(\.servicePort).filter { $0 != 0 }
        if Set(services).count != services.count { problems.append(("/container/portMappings", "a servicePort appears more than once")) }
        if onHost && (json["portDefinitions"]?.asksForSomething == true || json["ports"]?.asksForSomething == true) {
            problems.append(("/container/portMappings", "give portMappings or portDefinitions, not both"))
        }
        var hostPorts: [Int] = []
        for (index, mapping) in container.portMappings.enumerated() {
            let path = "/container/portMappings(\(index))"
            let host = mapping.hostPort ?? (app.networks.mapsHostPortsByDefault ? 0 : nil)
            if onHost && mapping.containerPort != 0 && mapping.containerPort != host {
                problems.append(("\(path)/containerPort", "on the host's network the container listens on its host port: set containerPort to 0 or to hostPort, or put the app on a container network"))
            }
            if !onHost && mapping.containerPort == 0 && host == nil {
                problems.append(("\(path)/containerPort", "a mapping without a host port needs its container port"))
            }
            if let host { hostPorts.append(host) }
        }
        app.ports = hostPorts
        // A host port a mapping names is the one the container gets, as in Marathon.
        if hostPorts.contains(where: { $0 != 0 }) {
            if hostPorts.contains(0) {
                problems.append(("/container/portMappings", "mixing fixed host ports and host ports from the offer (0) is not implemented"))
            }
            app.requirePorts = true
        }
    }

    /// The Marathon app object (only keys real Marathon clients accept).
    public static func render(_ app: AppDefinition, status: AppStatus?, tasks: [JSONValue]?) -> JSONValue {
        let declaredPorts = app.container?.portMappings.isEmpty == false || app.networks != .host ? [] : app.ports
        var entries: [(key: String, value: JSONValue)] = [("id", .string(app.id))]
        if let cmd = app.cmd { entries.append(("cmd", .string(cmd))) }
        if let args = app.args { entries.append(("args", .array(args.map { .string($0) }))) }
        entries += [
            ("instances", .integer(app.instances)),
            ("cpus", JSONValue.double(app.cpus) ?? .null),
            ("mem", JSONValue.double(app.mem) ?? .null),
            ("disk", JSONValue.double(app.disk) ?? .null),
            // Ports a container maps are shown in its portMappings only, as Marathon does.
            ("ports", .array(declaredPorts.map { .integer($0) })),
            ("portDefinitions", .array(declaredPorts.map { .object([("port", .integer($0)), ("protocol", .string("tcp"))]) })),
            ("requirePorts", .bool(app.requirePorts)),
            ("env", .object(app.env.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
            ("labels", .object(app.labels.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
            ("constraints", .array(app.constraints.map { .array($0.parts.map { .string($0) }) })),
            ("healthChecks", .array(app.healthChecks.map(renderHealthCheck))),
            ("upgradeStrategy", .object([("minimumHealthCapacity", JSONValue.double(app.minimumHealthCapacity) ?? .null),
                                         ("maximumOverCapacity", JSONValue.double(app.maximumOverCapacity) ?? .null)])),
            ("backoffSeconds", JSONValue.double(app.backoffSeconds) ?? .null),
            ("backoffFactor", JSONValue.double(app.backoffFactor) ?? .null),
            ("maxLaunchDelaySeconds", JSONValue.double(app.maxLaunchDelaySeconds) ?? .null),
            ("killSelection", .string(app.killSelection.rawValue)),
            ("unreachableStrategy", unreachableJSON(app.unreachableStrategy)),
            ("fetch", .array(app.fetch.map(\.fetchEntry))),
            ("version", .string(MarathonDate.format(app.version))),
        ]
        if let grace = app.taskKillGracePeriodSeconds { entries.append(("taskKillGracePeriodSeconds", JSONValue.double(grace) ?? .null)) }
        if let user = app.user { entries.append(("user", .string(user))) }
        if let container = app.container { entries.append(("container", container.json)) }
        entries.append(("networks", app.networks.json))
        if let status {
            entries += [
                ("tasksRunning", .integer(status.running)), ("tasksStaged", .integer(status.staged)),
                ("tasksHealthy", .integer(status.healthy)), ("tasksUnhealthy", .integer(status.unhealthy)),
                ("deployments", .array(status.deployments.map { .object([("id", .string($0))]) })),
            ]
        }
        if let tasks { entries.append(("tasks", .array(tasks))) }
        return .object(entries)
    }

    private static func unreachableJSON(_ strategy: UnreachableStrategy) -> JSONValue {
        switch strategy {
        case .disabled: .string("disabled")
        case .enabled(let inactive, let expunge):
            .object([("inactiveAfterSeconds", JSONValue.double(inactive) ?? .null),
                     ("expungeAfterSeconds", JSONValue.double(expunge) ?? .null)])
        }
    }

    private static func renderHealthCheck(_ check: AppHealthCheck) -> JSONValue {
        var entries: [(key: String, value: JSONValue)] = [
            ("protocol", .string(check.kind == .http ? "HTTP" : check.kind == .tcp ? "TCP" : "COMMAND")),
            ("gracePeriodSeconds", JSONValue.double(check.gracePeriodSeconds) ?? .null),
            ("intervalSeconds", JSONValue.double(check.intervalSeconds) ?? .null),
            ("timeoutSeconds", JSONValue.double(check.timeoutSeconds) ?? .null),
            ("maxConsecutiveFailures", .integer(check.maxConsecutiveFailures)),
        ]
        if check.kind == .http { entries.append(("path", .string(check.path))) }
        if check.kind != .command { entries.append(("portIndex", .integer(check.portIndex))) }
        if let command = check.command { entries.append(("command", .object([("value", .string(command))]))) }
        return .object(entries)
    }
}

/// Counts shown on an app object.
public struct AppStatus: Sendable {
    public var running = 0
    public var staged = 0
    public var healthy = 0
    public var unhealthy = 0
    public var deployments: [String] = []
}

/// Marathon's timestamps: `2026-11-25T10:00:00.000Z`.
public enum MarathonDate {
    public static func format(_ date: Date) -> String { UTCTimestamp.string(secondsSince1970: date.timeIntervalSince1970) }

    public static func parse(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}

/// Limits on app fields beyond what Marathon's schema says, so no definition can exhaust the framework.
public enum AppLimits {
    /// The most instances one app may ask for.
    public static let maxInstances = 100_000
    /// The largest backoff factor.
    public static let maxBackoffFactor = 100.0
}

extension JSONValue {
    /// Whether a field's value asks for something: not null, not an empty string, list or object, not `false` or 0,
    /// and not Marathon's "nothing" (`"host"` networking, the default executor `"//cmd"`, the `*` role).
    var asksForSomething: Bool {
        switch self {
        case .null: false
        case .bool(let value): value
        case .number(let text): Double(text) != 0
        case .string(let text): !text.isEmpty && text != "//cmd" && text != "*"
        case .array(let items): items.contains { $0.asksForSomething && $0 != .object([("mode", .string("host"))]) && $0 != .string("*") }
        case .object(let entries): !entries.isEmpty
        }
    }
}
