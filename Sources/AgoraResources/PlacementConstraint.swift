import AgoraWire

/// A placement rule on an agent field (`hostname` or an attribute), with Marathon's operators and Chronos'
/// `EQUALS`; one evaluator serves the services and cron frameworks and outside framework authors.
public struct PlacementConstraint: Equatable, Sendable {
    /// The operators: Marathon's, plus Chronos' `EQUALS` (which means `IS`).
    public enum Operator: String, Sendable, CaseIterable {
        case unique = "UNIQUE", cluster = "CLUSTER", groupBy = "GROUP_BY", like = "LIKE", unlike = "UNLIKE"
        case maxPer = "MAX_PER", `is` = "IS", equals = "EQUALS"

        /// Whether the operator needs a value.
        var needsValue: Bool { ![.unique, .groupBy].contains(self) }
    }

    public let field: String
    public let op: Operator
    public let value: String?

    public init(field: String, op: Operator, value: String?) {
        self.field = field
        self.op = op
        self.value = value
    }

    /// Reads `[field, OPERATOR, value?]`; the error says what is wrong.
    public init(parts: [String]) throws(PlacementConstraintError) {
        let operators = Operator.allCases.map(\.rawValue).joined(separator: "|")
        guard parts.count == 2 || parts.count == 3, let op = Operator(rawValue: parts[1]) else {
            throw PlacementConstraintError(message: "must be [field, \(operators), value?]")
        }
        let value = parts.count > 2 ? parts[2] : nil
        if op.needsValue && value == nil { throw PlacementConstraintError(message: "\(op.rawValue) needs a value") }
        if op == .like || op == .unlike, let value, (try? Regex(value)) == nil {
            throw PlacementConstraintError(message: "\(value) is not a regular expression")
        }
        if op == .maxPer, Int(value ?? "").map({ $0 > 0 }) != true {
            throw PlacementConstraintError(message: "MAX_PER needs a positive number")
        }
        self.init(field: parts[0], op: op, value: value)
    }

    /// `[field, OPERATOR, value?]`, as Marathon and Chronos write a constraint.
    public var parts: [String] { [field, op.rawValue] + (value.map { [$0] } ?? []) }

    /// `field:OPERATOR[:value]`, as Marathon's launch queue names a constraint.
    public var label: String { "\(field):\(op.rawValue)" + (value.map { ":\($0)" } ?? "") }

    /// The value of `field` on an agent: its hostname or an attribute's value.
    public static func value(_ field: String, hostname: String, attributes: [Attribute]) -> String? {
        if field == "hostname" { return hostname }
        return attributes.first { $0.name == field }?.valueText
    }

    /// The first of `constraints` that placing one more instance on this agent would break; nil when all hold.
    /// `placed` are the agents (hostname, attributes) the other instances already run on.
    public static func violation(
        _ constraints: [PlacementConstraint], hostname: String, attributes: [Attribute],
        placed: [(hostname: String, attributes: [Attribute])]
    ) -> PlacementConstraint? {
        constraints.first { !$0.holds(hostname: hostname, attributes: attributes, placed: placed) }
    }

    /// Whether placing one more instance on this agent keeps the rule.
    public func holds(hostname: String, attributes: [Attribute], placed: [(hostname: String, attributes: [Attribute])]) -> Bool {
        let here = Self.value(field, hostname: hostname, attributes: attributes)
        let others = placed.map { Self.value(field, hostname: $0.hostname, attributes: $0.attributes) }
        switch op {
        case .unique:
            return here != nil && !others.contains(here)
        case .cluster, .is, .equals:
            return here != nil && here == value
        case .like:
            guard let here, let value, let regex = try? Regex(value) else { return false }
            return (try? regex.wholeMatch(in: here)) != nil
        case .unlike:
            guard let here, let value, let regex = try? Regex(value) else { return true }
            return (try? regex.wholeMatch(in: here)) == nil
        case .maxPer:
            guard let here, let limit = Int(value ?? "") else { return false }
            return others.filter { $0 == here }.count < limit
        case .groupBy:
            // Spread evenly: never put more here than on the least used value seen so far.
            guard let here else { return false }
            var counts: [String: Int] = [:]
            for other in others.compactMap({ $0 }) { counts[other, default: 0] += 1 }
            let groups = Int(value ?? "") ?? 0
            let least = counts.count < groups ? 0 : (counts.values.min() ?? 0)
            return (counts[here] ?? 0) <= least
        }
    }
}

/// Why a constraint could not be read.
public struct PlacementConstraintError: Error, Sendable {
    public let message: String
}
