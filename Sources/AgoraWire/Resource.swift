/// The kind of a resource or attribute value.
public enum ValueType: String, Codable, Sendable, CaseIterable {
    case scalar = "SCALAR"
    case ranges = "RANGES"
    case set = "SET"
    case text = "TEXT"
}

/// A scalar value (cpus, mem, disk in MB).
public struct Scalar: WireMessage, Hashable {
    public static let protoName = "mesos.v1.Value.Scalar"
    public var value: Double
    public init(_ value: Double) { self.value = value }
}

extension Scalar: WireValidating {
    public func validate() throws(WireError) {
        _ = try Bounds.real(value, in: -Bounds.maxScalar...Bounds.maxScalar, field: "value")
    }
}

extension ValueRange: WireValidating {
    public func validate() throws(WireError) {
        guard begin <= end else { throw WireError(.outOfRange, field: "end", "must not be below begin (\(begin)-\(end))") }
    }
}

/// An inclusive range of integers (ports).
public struct ValueRange: WireMessage, Hashable {
    public static let protoName = "mesos.v1.Value.Range"
    public var begin: UInt64
    public var end: UInt64
    public init(begin: UInt64, end: UInt64) {
        self.begin = begin
        self.end = end
    }
}

/// A list of ranges.
public struct ValueRanges: WireMessage, Hashable {
    public static let protoName = "mesos.v1.Value.Ranges"
    public var range: [ValueRange]
    public init(_ range: [ValueRange]) { self.range = range }
}

/// A set of strings.
public struct ValueSet: WireMessage, Hashable {
    public static let protoName = "mesos.v1.Value.Set"
    public var item: [String]
    public init(_ item: [String]) { self.item = item }
}

/// A text value (attributes only).
public struct ValueText: WireMessage, Hashable {
    public static let protoName = "mesos.v1.Value.Text"
    public var value: String
    public init(_ value: String) { self.value = value }
}

/// One named resource on an agent: a scalar, ranges or a set, optionally reserved for a role.
public struct Resource: WireMessage, Hashable {
    public static let protoName = "mesos.v1.Resource"

    /// The role an offered resource is allocated to.
    public struct AllocationInfo: WireMessage, Hashable {
        public static let protoName = "mesos.v1.Resource.AllocationInfo"
        public var role: String?
        public init(role: String? = nil) { self.role = role }
    }

    /// A reservation of the resource for a role.
    public struct ReservationInfo: WireMessage, Hashable {
        public static let protoName = "mesos.v1.Resource.ReservationInfo"

        /// Static (agent flag) or dynamic (operator or framework) reservation.
        public enum Kind: String, Codable, Sendable {
            case unknown = "UNKNOWN"
            case `static` = "STATIC"
            case dynamic = "DYNAMIC"
        }

        public var type: Kind?
        public var role: String?
        public var principal: String?
        public var labels: Labels?
        public init(type: Kind? = nil, role: String? = nil, principal: String? = nil, labels: Labels? = nil) {
            self.type = type
            self.role = role
            self.principal = principal
            self.labels = labels
        }
    }

    public var name: String
    public var type: ValueType
    public var scalar: Scalar?
    public var ranges: ValueRanges?
    public var set: ValueSet?
    /// The (pre-refinement) reservation role; absent means unreserved (`*`).
    public var role: String?
    public var allocationInfo: AllocationInfo?
    public var reservation: ReservationInfo?
    public var reservations: [ReservationInfo]

    public init(
        name: String, type: ValueType, scalar: Scalar? = nil, ranges: ValueRanges? = nil, set: ValueSet? = nil,
        role: String? = nil, allocationInfo: AllocationInfo? = nil, reservation: ReservationInfo? = nil,
        reservations: [ReservationInfo] = []
    ) {
        self.name = name
        self.type = type
        self.scalar = scalar
        self.ranges = ranges
        self.set = set
        self.role = role
        self.allocationInfo = allocationInfo
        self.reservation = reservation
        self.reservations = reservations
    }

    /// A scalar resource such as `cpus:1.5`.
    public static func scalar(_ name: String, _ value: Double, role: String? = nil) -> Resource {
        Resource(name: name, type: .scalar, scalar: Scalar(value), role: role)
    }

    /// A ranges resource such as `ports:[31000-32000]`.
    public static func ranges(_ name: String, _ ranges: [ClosedRange<UInt64>], role: String? = nil) -> Resource {
        Resource(name: name, type: .ranges,
                 ranges: ValueRanges(ranges.map { ValueRange(begin: $0.lowerBound, end: $0.upperBound) }), role: role)
    }

    /// A set resource such as `disks:{a,b}`.
    public static func set(_ name: String, _ items: [String], role: String? = nil) -> Resource {
        Resource(name: name, type: .set, set: ValueSet(items), role: role)
    }
}

extension Resource: WireValidating {
    public func validate() throws(WireError) {
        if let value = scalar?.value { _ = try Bounds.scalar(value, field: "scalar.value") }
    }
}

/// A named property of an agent (`rack:r1`), passed to frameworks in offers.
public struct Attribute: WireMessage, Hashable {
    public static let protoName = "mesos.v1.Attribute"
    public var name: String
    public var type: ValueType
    public var scalar: Scalar?
    public var ranges: ValueRanges?
    public var set: ValueSet?
    public var text: ValueText?

    public init(
        name: String, type: ValueType, scalar: Scalar? = nil, ranges: ValueRanges? = nil, set: ValueSet? = nil,
        text: ValueText? = nil
    ) {
        self.name = name
        self.type = type
        self.scalar = scalar
        self.ranges = ranges
        self.set = set
        self.text = text
    }

    /// The value as Mesos writes it: `r1`, `3.5`, `[31000-32000,33000-33001]` or `{a,b}`.
    public var valueText: String {
        switch type {
        case .text: text?.value ?? ""
        case .scalar: scalar.map { $0.value == $0.value.rounded() && abs($0.value) < 1e15 ? String(Bounds.clampedInt64($0.value)) : String($0.value) } ?? ""
        case .ranges: "[" + (ranges?.range ?? []).map { "\($0.begin)-\($0.end)" }.joined(separator: ",") + "]"
        case .set: "{" + (set?.item ?? []).joined(separator: ",") + "}"
        }
    }

    /// A text attribute such as `rack:r1`.
    public static func text(_ name: String, _ value: String) -> Attribute {
        Attribute(name: name, type: .text, text: ValueText(value))
    }
}
