import AgoraCollections
import AgoraWire

/// A bag of resources with arithmetic: scalars (kept in thousandths, as Mesos does, so sums never drift),
/// ranges and sets, each under a name and a reservation role (`*` when unreserved).
public struct Resources: Hashable, Sendable, CustomStringConvertible {
    /// A resource's name and role.
    public struct Key: Hashable, Sendable, Comparable {
        public let name: String
        public let role: String
        public init(_ name: String, role: String = "*") {
            self.name = name
            self.role = role
        }
        public static func < (lhs: Key, rhs: Key) -> Bool { (lhs.name, lhs.role) < (rhs.name, rhs.role) }
    }

    // A bag holds a few names: sorted maps compare them instead of hashing them.
    var scalars = SortedMap<Key, Int64>()
    var ranges = SortedMap<Key, RangeSet>()
    var sets = SortedMap<Key, Set<String>>()

    public init() {}

    public var isEmpty: Bool { scalars.isEmpty && ranges.isEmpty && sets.isEmpty }

    /// Adds a scalar amount (rounded to three decimals; sums saturate instead of overflowing).
    public mutating func add(scalar name: String, _ value: Double, role: String = "*") {
        let milli = Bounds.clampedInt64(value * 1000)
        guard milli > 0 else { return }
        scalars[Key(name, role: role), default: 0].addSaturating(milli)
    }

    public mutating func add(ranges name: String, _ set: RangeSet, role: String = "*") {
        guard !set.isEmpty else { return }
        ranges[Key(name, role: role), default: RangeSet()] = (ranges[Key(name, role: role)] ?? RangeSet()) + set
    }

    public mutating func add(set name: String, _ items: Set<String>, role: String = "*") {
        guard !items.isEmpty else { return }
        sets[Key(name, role: role), default: []].formUnion(items)
    }

    /// The total of scalar `name` across roles.
    public func scalar(_ name: String) -> Double {
        var total: Int64 = 0
        for (key, value) in scalars where key.name == name { total.addSaturating(value) }
        return Double(total) / 1000
    }

    /// The union of ranges `name` across roles.
    public func ranges(_ name: String) -> RangeSet {
        ranges.reduce(RangeSet()) { $1.key.name == name ? $0 + $1.value : $0 }
    }

    /// The union of set `name` across roles.
    public func set(_ name: String) -> Set<String> {
        sets.reduce([]) { $1.key.name == name ? $0.union($1.value) : $0 }
    }

    /// Every resource name present.
    public var names: Set<String> {
        Set(scalars.keys.map(\.name)).union(ranges.keys.map(\.name)).union(sets.keys.map(\.name))
    }

    /// A size per name for share computations: scalars as their amount, ranges and sets by element count.
    public var quantities: SortedMap<String, Double> {
        var out = SortedMap<String, Double>()
        for (key, value) in scalars { out[key.name, default: 0] += Double(value) / 1000 }
        for (key, value) in ranges { out[key.name, default: 0] += Double(value.count) }
        for (key, value) in sets { out[key.name, default: 0] += Double(value.count) }
        return out
    }

    /// Whether every resource of `other` is here too, under the same role.
    public func contains(_ other: Resources) -> Bool {
        for (key, value) in other.scalars where (scalars[key] ?? 0) < value { return false }
        for (key, value) in other.ranges where !(ranges[key] ?? RangeSet()).contains(value) { return false }
        for (key, value) in other.sets where !value.isSubset(of: sets[key] ?? []) { return false }
        return true
    }

    public static func + (lhs: Resources, rhs: Resources) -> Resources {
        var out = lhs
        out += rhs
        return out
    }

    public static func += (lhs: inout Resources, rhs: Resources) {
        for (key, value) in rhs.scalars { lhs.scalars[key, default: 0].addSaturating(value) }
        for (key, value) in rhs.ranges { lhs.ranges[key] = (lhs.ranges[key] ?? RangeSet()) + value }
        for (key, value) in rhs.sets { lhs.sets[key, default: []].formUnion(value) }
    }

    /// Removes what `rhs` holds; amounts never go below zero and empty entries disappear.
    public static func - (lhs: Resources, rhs: Resources) -> Resources {
        var out = lhs
        out -= rhs
        return out
    }

    public static func -= (lhs: inout Resources, rhs: Resources) {
        for (key, value) in rhs.scalars {
            guard let current = lhs.scalars[key] else { continue }
            lhs.scalars[key] = current > value ? current - value : nil
        }
        for (key, value) in rhs.ranges {
            guard let current = lhs.ranges[key] else { continue }
            let left = current - value
            lhs.ranges[key] = left.isEmpty ? nil : left
        }
        for (key, value) in rhs.sets {
            guard let current = lhs.sets[key] else { continue }
            let left = current.subtracting(value)
            lhs.sets[key] = left.isEmpty ? nil : left
        }
    }

    /// Readable form in the `--resources` syntax: `cpus:2;mem:1024;ports:[31000-32000]`.
    public var description: String {
        var parts: [(Key, String)] = []
        func name(_ key: Key) -> String { key.role == "*" ? key.name : "\(key.name)(\(key.role))" }
        for (key, value) in scalars { parts.append((key, "\(name(key)):\(Resources.format(value))")) }
        for (key, value) in ranges {
            let text = value.ranges.map { "\($0.lowerBound)-\($0.upperBound)" }.joined(separator: ",")
            parts.append((key, "\(name(key)):[\(text)]"))
        }
        for (key, value) in sets { parts.append((key, "\(name(key)):{\(value.sorted().joined(separator: ","))}")) }
        return parts.sorted { $0.0 < $1.0 }.map(\.1).joined(separator: ";")
    }

    static func format(_ milli: Int64) -> String {
        milli % 1000 == 0 ? String(milli / 1000) : String(Double(milli) / 1000)
    }
}

extension Resources {
    /// From wire resources; entries of unknown type are skipped.
    public init(_ resources: [Resource]) {
        self.init()
        for resource in resources {
            let role = resource.reservation?.role ?? resource.reservations.last?.role ?? resource.role ?? "*"
            switch resource.type {
            case .scalar: add(scalar: resource.name, resource.scalar?.value ?? 0, role: role)
            case .ranges:
                add(ranges: resource.name, RangeSet((resource.ranges?.range ?? []).compactMap { range in
                    range.begin <= range.end ? range.begin...range.end : nil
                }), role: role)
            case .set: add(set: resource.name, Set(resource.set?.item ?? []), role: role)
            case .text: break
            }
        }
    }

    /// As wire resources, sorted by name and role; `allocationRole` marks offered resources' allocation.
    public func wire(allocationRole: String? = nil) -> [Resource] {
        let allocation = allocationRole.map { Resource.AllocationInfo(role: $0) }
        func role(_ key: Key) -> String? { key.role == "*" ? nil : key.role }
        var out: [(Key, Resource)] = []
        for (key, value) in scalars {
            out.append((key, Resource(name: key.name, type: .scalar, scalar: Scalar(Double(value) / 1000),
                                      role: role(key), allocationInfo: allocation)))
        }
        for (key, value) in ranges {
            out.append((key, Resource(
                name: key.name, type: .ranges,
                ranges: ValueRanges(value.ranges.map { ValueRange(begin: $0.lowerBound, end: $0.upperBound) }),
                role: role(key), allocationInfo: allocation)))
        }
        for (key, value) in sets {
            out.append((key, Resource(name: key.name, type: .set, set: ValueSet(value.sorted()), role: role(key),
                                      allocationInfo: allocation)))
        }
        return out.sorted { $0.0 < $1.0 }.map(\.1)
    }
}

extension Int64 {
    /// Adds `other`, stopping at `Int64.max` instead of trapping (amounts are never negative).
    mutating func addSaturating(_ other: Int64) {
        let (sum, overflow) = addingReportingOverflow(other)
        self = overflow ? .max : sum
    }
}

extension Resources {
    /// Whether any of these resources is reserved for a role.
    public var hasReservations: Bool {
        scalars.keys.contains { $0.role != "*" } || ranges.keys.contains { $0.role != "*" } || sets.keys.contains { $0.role != "*" }
    }

    /// The roles some of these resources are reserved for (`*`, unreserved, excluded).
    public var reservedRoles: Set<String> {
        Set(scalars.keys.map(\.role) + ranges.keys.map(\.role) + sets.keys.map(\.role)).subtracting(["*"])
    }

    /// Only the resources reserved for `role` (`*`: only the unreserved ones).
    public func reserved(for role: String) -> Resources {
        var out = Resources()
        out.scalars = scalars.filter { $0.key.role == role }
        out.ranges = ranges.filter { $0.key.role == role }
        out.sets = sets.filter { $0.key.role == role }
        return out
    }
}
