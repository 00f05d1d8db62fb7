import AgoraRuntime
import AgoraWire

/// Who may do what to whom, in the shape of Mesos' ACLs file:
/// `{"permissive": false, "run_tasks": [{"principals": {"values": ["ops"]}, "users": {"values": ["nobody"]}}]}`.
///
/// Rules of an action are tried in order; the first whose subject and object both match decides (a `NONE` entity
/// matches and denies). When none matches, `permissive` decides (Mesos' default: true).
public struct ACLs: Sendable {
    /// The actions Agora checks, with the name of their object field in the file.
    public enum Action: String, CaseIterable, Sendable {
        /// Subscribe a framework in a role (object: `roles`).
        case registerFrameworks = "register_frameworks"
        /// Launch a task as a Unix user (object: `users`).
        case runTasks = "run_tasks"
        /// Tear down a framework registered by a principal (object: `framework_principals`).
        case teardownFrameworks = "teardown_frameworks"
        /// Kill a task of a framework registered by a principal (object: `framework_principals`).
        case killTasks = "kill_tasks"
        /// Read files in sandboxes of tasks running as a user (object: `users`).
        case accessSandboxes = "access_sandboxes"
        /// Mark an agent gone for good (object: `agents`, always ANY, as in Mesos).
        case markAgentsGone = "mark_agents_gone"

        var objectField: String {
            switch self {
            case .registerFrameworks: "roles"
            case .runTasks, .accessSandboxes: "users"
            case .teardownFrameworks, .killTasks: "framework_principals"
            case .markAgentsGone: "agents"
            }
        }
    }

    /// A set of names: any, none, or the listed values.
    public enum Entity: Sendable, Equatable {
        case any
        case none
        case values(Set<String>)

        func matches(_ name: String?) -> Bool {
            switch self {
            case .any, .none: true
            case .values(let names): name.map(names.contains) ?? false
            }
        }
    }

    /// One rule: these principals, that object.
    public struct Rule: Sendable, Equatable {
        public var principals: Entity
        public var objects: Entity
        public init(principals: Entity, objects: Entity) {
            self.principals = principals
            self.objects = objects
        }
    }

    public var permissive: Bool
    public var rules: [Action: [Rule]]

    public init(permissive: Bool = true, rules: [Action: [Rule]] = [:]) {
        self.permissive = permissive
        self.rules = rules
    }

    /// Reads an ACLs file; unknown actions are refused so a typo cannot silently allow everything.
    public init(file path: String) throws(AuthConfigurationError) {
        guard let data = try? Files.read(path).bytes,
              let json = try? JSONValue.parse(data), case .object(let entries) = json else {
            throw AuthConfigurationError("ACLs file \(path) must be a JSON object")
        }
        self.init()
        for (key, value) in entries {
            if key == "permissive" {
                guard case .bool(let flag) = value else { throw AuthConfigurationError("ACLs file \(path): 'permissive' must be true or false") }
                permissive = flag
                continue
            }
            guard let action = Action(rawValue: key) else {
                let known = (["permissive"] + Action.allCases.map(\.rawValue)).joined(separator: ", ")
                throw AuthConfigurationError("ACLs file \(path): '\(key)' is not supported (known: \(known))")
            }
            guard case .array(let items) = value else { throw AuthConfigurationError("ACLs file \(path): '\(key)' must be a list") }
            rules[action] = try items.enumerated().map { index, item throws(AuthConfigurationError) in
                let place = "ACLs file \(path): \(key)[\(index)]"
                return Rule(principals: try ACLs.entity(item["principals"], at: "\(place).principals"),
                            objects: try ACLs.entity(item[action.objectField], at: "\(place).\(action.objectField)"))
            }
        }
    }

    /// Whether `principal` (nil when unauthenticated) may do `action` to `object`.
    public func allows(_ principal: String?, _ action: Action, _ object: String?) -> Bool {
        for rule in rules[action] ?? [] where rule.principals.matches(principal) && rule.objects.matches(object) {
            return rule.principals != .none && rule.objects != .none
        }
        return permissive
    }

    private static func entity(_ value: JSONValue?, at place: String) throws(AuthConfigurationError) -> Entity {
        guard let value else { throw AuthConfigurationError("\(place) is missing") }
        if case .string(let type)? = value["type"] {
            switch type {
            case "ANY": return .any
            case "NONE": return .none
            default: throw AuthConfigurationError("\(place).type must be ANY or NONE")
            }
        }
        guard case .array(let items)? = value["values"] else {
            throw AuthConfigurationError("\(place) needs 'values' or 'type'")
        }
        var names: Set<String> = []
        for item in items {
            guard case .string(let name) = item else { throw AuthConfigurationError("\(place).values must be strings") }
            names.insert(name)
        }
        return .values(names)
    }
}
