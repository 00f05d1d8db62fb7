import AgoraWire

/// Whether placing one more instance on an agent keeps an app's constraints.
enum ConstraintCheck {
    /// The value of `field` on an agent: `hostname` or an attribute.
    static func value(_ field: String, hostname: String, attributes: [Attribute]) -> String? {
        if field == "hostname" { return hostname }
        guard let attribute = attributes.first(where: { $0.name == field }) else { return nil }
        if let text = attribute.text { return text.value }
        if let scalar = attribute.scalar {
            return scalar.value == scalar.value.rounded() ? String(Bounds.clampedInt64(scalar.value)) : String(scalar.value)
        }
        return nil
    }

    /// The first constraint the placement would break, described for the launch queue; nil when it fits.
    static func violation(
        _ constraints: [Constraint], hostname: String, attributes: [Attribute],
        placed: [(hostname: String, attributes: [Attribute])]
    ) -> String? {
        for constraint in constraints {
            let here = value(constraint.field, hostname: hostname, attributes: attributes)
            let others = placed.map { value(constraint.field, hostname: $0.hostname, attributes: $0.attributes) }
            let label = "\(constraint.field):\(constraint.op.rawValue)" + (constraint.value.map { ":\($0)" } ?? "")
            switch constraint.op {
            case .unique:
                if here == nil || others.contains(here) { return label }
            case .cluster:
                if here != constraint.value { return label }
            case .like:
                guard let here, let pattern = constraint.value, (try? Regex(pattern).wholeMatch(in: here)) != nil else {
                    return label
                }
            case .unlike:
                if let here, let pattern = constraint.value, (try? Regex(pattern).wholeMatch(in: here)) != nil { return label }
            case .maxPer:
                if let here, let limit = Int(constraint.value ?? ""), others.filter({ $0 == here }).count >= limit {
                    return label
                }
            case .groupBy:
                // Spread evenly: never put more here than on the least used value seen so far.
                guard let here else { return label }
                var counts: [String: Int] = [:]
                for other in others.compactMap({ $0 }) { counts[other, default: 0] += 1 }
                let groups = Int(constraint.value ?? "") ?? 0
                let hereCount = counts[here] ?? 0
                let least = counts.count < groups ? 0 : (counts.values.min() ?? 0)
                if hereCount > least { return label }
            }
        }
        return nil
    }
}
