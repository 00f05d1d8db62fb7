/// A set of unsigned integers kept as sorted, disjoint, non-adjacent closed ranges (ports).
public struct RangeSet: Hashable, Sendable, CustomStringConvertible {
    public private(set) var ranges: [ClosedRange<UInt64>] = []

    public init() {}

    public init<S: Sequence>(_ ranges: S) where S.Element == ClosedRange<UInt64> {
        for range in ranges { insert(range) }
    }

    public var isEmpty: Bool { ranges.isEmpty }

    /// How many integers the set holds, saturating at `UInt64.max` (the full range holds 2^64).
    public var count: UInt64 {
        var total: UInt64 = 0
        for range in ranges {
            let (size, wrapped) = (range.upperBound - range.lowerBound).addingReportingOverflow(1)
            let (sum, overflow) = total.addingReportingOverflow(size)
            if wrapped || overflow { return .max }
            total = sum
        }
        return total
    }

    public mutating func insert(_ range: ClosedRange<UInt64>) {
        var merged = range
        var result: [ClosedRange<UInt64>] = []
        result.reserveCapacity(ranges.count + 1)
        var placed = false
        for existing in ranges {
            if existing.upperBound < merged.lowerBound && merged.lowerBound - existing.upperBound > 1 {
                result.append(existing)
            } else if merged.upperBound < existing.lowerBound && existing.lowerBound - merged.upperBound > 1 {
                if !placed {
                    result.append(merged)
                    placed = true
                }
                result.append(existing)
            } else {
                merged = min(existing.lowerBound, merged.lowerBound)...max(existing.upperBound, merged.upperBound)
            }
        }
        if !placed { result.append(merged) }
        ranges = result
    }

    public mutating func remove(_ range: ClosedRange<UInt64>) {
        var result: [ClosedRange<UInt64>] = []
        for existing in ranges {
            if existing.upperBound < range.lowerBound || existing.lowerBound > range.upperBound {
                result.append(existing)
                continue
            }
            if existing.lowerBound < range.lowerBound { result.append(existing.lowerBound...(range.lowerBound - 1)) }
            if existing.upperBound > range.upperBound { result.append((range.upperBound + 1)...existing.upperBound) }
        }
        ranges = result
    }

    public func contains(_ other: RangeSet) -> Bool {
        var index = 0
        for range in other.ranges {
            while index < ranges.count && ranges[index].upperBound < range.lowerBound { index += 1 }
            guard index < ranges.count, ranges[index].lowerBound <= range.lowerBound,
                  ranges[index].upperBound >= range.upperBound else { return false }
        }
        return true
    }

    public static func + (lhs: RangeSet, rhs: RangeSet) -> RangeSet {
        var out = lhs
        for range in rhs.ranges { out.insert(range) }
        return out
    }

    public static func - (lhs: RangeSet, rhs: RangeSet) -> RangeSet {
        var out = lhs
        for range in rhs.ranges { out.remove(range) }
        return out
    }

    /// The first `count` integers of the set, as a set.
    public func prefix(_ count: UInt64) -> RangeSet {
        var remaining = count
        var out = RangeSet()
        for range in ranges where remaining > 0 {
            let last = range.lowerBound + min(range.upperBound - range.lowerBound, remaining - 1)
            out.ranges.append(range.lowerBound...last)
            remaining -= last - range.lowerBound + 1
        }
        return out
    }

    /// Every integer in order.
    public var values: [UInt64] { ranges.flatMap { Array($0) } }

    public var description: String {
        "[" + ranges.map { "\($0.lowerBound)-\($0.upperBound)" }.joined(separator: ", ") + "]"
    }
}
