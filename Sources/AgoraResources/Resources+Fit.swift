import AgoraCollections
import AgoraWire

/// What a task needs, before concrete resources are chosen: amounts of scalars, counts of range
/// values (ports), particular range values that must be had exactly, and counts of set items.
public struct ResourceDemand: Hashable, Sendable {
    public var scalars: [String: Double]
    public var ranges: [String: Int]
    public var exactRanges: [String: RangeSet]
    public var sets: [String: Int]

    public init(scalars: [String: Double] = [:], ranges: [String: Int] = [:],
                exactRanges: [String: RangeSet] = [:], sets: [String: Int] = [:]) {
        self.scalars = scalars
        self.ranges = ranges
        self.exactRanges = exactRanges
        self.sets = sets
    }

    /// The usual task shape: cpus, mem, disk and a number of ports.
    public init(cpus: Double, mem: Double, disk: Double = 0, ports: Int = 0) {
        self.init(scalars: ["cpus": cpus, "mem": mem, "disk": disk].filter { $0.value > 0 },
                  ranges: ports > 0 ? ["ports": ports] : [:])
    }
}

extension Resources {
    /// Finds room for `demand` here: concrete resources (actual port numbers, actual set items) that
    /// this bag contains, reserved roles first then unreserved; nil when it does not fit.
    public func fit(_ demand: ResourceDemand) -> Resources? {
        var chosen = Resources()
        func keys<V>(_ entries: SortedMap<Key, V>, _ name: String) -> [Key] {
            entries.keys.filter { $0.name == name }.sorted { ($0.role == "*" ? 1 : 0, $0.role) < ($1.role == "*" ? 1 : 0, $1.role) }
        }
        for (name, amount) in demand.scalars where amount > 0 {
            var needed = Bounds.clampedInt64(amount * 1000)
            for key in keys(scalars, name) where needed > 0 {
                let take = min(needed, scalars[key] ?? 0)
                chosen.scalars[key, default: 0] += take
                needed -= take
            }
            if needed > 0 { return nil }
        }
        for (name, wanted) in demand.exactRanges where !wanted.isEmpty {
            var missing = wanted
            for key in keys(ranges, name) where !missing.isEmpty {
                let here = missing - (missing - (ranges[key] ?? RangeSet()))
                if !here.isEmpty { chosen.ranges[key] = (chosen.ranges[key] ?? RangeSet()) + here }
                missing = missing - here
            }
            if !missing.isEmpty { return nil }
        }
        for (name, count) in demand.ranges where count > 0 {
            var needed = UInt64(count)
            for key in keys(ranges, name) where needed > 0 {
                let already = chosen.ranges[key] ?? RangeSet()
                let taken = ((ranges[key] ?? RangeSet()) - already).prefix(needed)
                chosen.ranges[key] = already + taken
                needed -= taken.count
            }
            if needed > 0 { return nil }
        }
        for (name, count) in demand.sets where count > 0 {
            var needed = count
            for key in keys(sets, name) where needed > 0 {
                let taken = Set((sets[key] ?? []).sorted().prefix(needed))
                chosen.sets[key] = taken
                needed -= taken.count
            }
            if needed > 0 { return nil }
        }
        return chosen
    }
}
