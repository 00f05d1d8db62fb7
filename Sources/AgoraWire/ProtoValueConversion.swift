/// Conversions between Swift primitives and `ProtoValue`s of a declared field kind, with range checks.
enum ProtoValueConversion {
    /// The `ProtoValue` for a Swift primitive, or nil when `value` is not a primitive.
    static func value(of value: Any, kind: FieldKind) throws -> ProtoValue? {
        switch kind {
        case .string:
            guard let string = value as? String else { return nil }
            return .string(string)
        case .bool:
            guard let bool = value as? Bool else { return nil }
            return .bool(bool)
        case .float, .double:
            if let double = value as? Double { return .double(double) }
            if let float = value as? Float { return .double(Double(float)) }
            if let integer = integerValue(value) { return .double(Double(integer)) }
            return nil
        case .int32, .sint32, .sfixed32, .int64, .sint64, .sfixed64:
            guard let integer = integerValue(value) else { return nil }
            guard let signed = Int64(exactly: integer) else { throw rangeError(integer) }
            if kind.is32Bit && Int32(exactly: signed) == nil { throw rangeError(integer) }
            return .int(signed)
        case .uint32, .fixed32, .uint64, .fixed64:
            guard let integer = integerValue(value) else { return nil }
            guard let unsigned = UInt64(exactly: integer) else { throw rangeError(integer) }
            if kind.is32Bit && UInt32(exactly: unsigned) == nil { throw rangeError(integer) }
            return .uint(unsigned)
        case .enumeration(let schema):
            if let name = value as? String {
                guard let number = schema.number(of: name) else {
                    throw WireError(.unknownEnumValue, field: nil, "\"\(name)\" is not a value of \(schema.fullName)")
                }
                return .enumeration(number)
            }
            guard let integer = integerValue(value) else { return nil }
            guard let number = Int32(exactly: integer), schema.name(of: number) != nil else {
                throw WireError(.unknownEnumValue, field: nil, "\(integer) is not a value of \(schema.fullName)")
            }
            return .enumeration(number)
        case .bytes:
            return (value as? [UInt8]).map { .bytes($0) }
        case .message:
            return nil
        }
    }

    /// An integer as a value of an integer, float or enum field, with range checks; nil for other kinds.
    static func integer<T: FixedWidthInteger>(_ value: T, kind: FieldKind) throws -> ProtoValue? {
        switch kind {
        case .int32, .sint32, .sfixed32, .int64, .sint64, .sfixed64:
            guard let signed = Int64(exactly: value), !kind.is32Bit || Int32(exactly: signed) != nil else {
                throw rangeError(value)
            }
            return .int(signed)
        case .uint32, .fixed32, .uint64, .fixed64:
            guard let unsigned = UInt64(exactly: value), !kind.is32Bit || UInt32(exactly: unsigned) != nil else {
                throw rangeError(value)
            }
            return .uint(unsigned)
        case .float, .double:
            return .double(Double(value))
        case .enumeration:
            return try self.value(of: value, kind: kind)
        default:
            return nil
        }
    }

    /// The Swift primitive `type` for a `ProtoValue`, or nil when `type` is not a primitive.
    static func primitive<T>(_ type: T.Type, from value: ProtoValue) throws -> T? {
        func mismatch() -> WireError {
            WireError(.invalidValue, field: nil, "cannot read \(value.kindName) as \(T.self)")
        }
        if T.self == String.self {
            switch value {
            case .string(let string): return string as? T
            default: throw mismatch()
            }
        }
        if T.self == Bool.self {
            guard case .bool(let bool) = value else { throw mismatch() }
            return bool as? T
        }
        if T.self == Double.self || T.self == Float.self {
            let double: Double
            switch value {
            case .double(let v): double = v
            case .int(let v): double = Double(v)
            case .uint(let v): double = Double(v)
            default: throw mismatch()
            }
            if T.self == Float.self { return Float(double) as? T }
            return double as? T
        }
        if T.self == [UInt8].self {
            guard case .bytes(let bytes) = value else { throw mismatch() }
            return bytes as? T
        }
        guard let integerType = T.self as? any FixedWidthInteger.Type else { return nil }
        let converted: (any FixedWidthInteger)?
        switch value {
        case .int(let v): converted = integerType.init(exactly: v)
        case .uint(let v): converted = integerType.init(exactly: v)
        case .enumeration(let v): converted = integerType.init(exactly: v)
        default: throw mismatch()
        }
        guard let converted else { throw WireError(.outOfRange, field: nil, "\(value) does not fit \(T.self)") }
        return converted as? T
    }

    private static func integerValue(_ value: Any) -> (any BinaryInteger)? {
        value as? any BinaryInteger
    }

    private static func rangeError(_ value: any BinaryInteger) -> WireError {
        WireError(.outOfRange, field: nil, "\(value) does not fit the field's integer type")
    }
}

extension ProtoValue {
    /// Whether this value can be stored in a field of `kind`.
    func suits(_ kind: FieldKind) -> Bool {
        switch (self, kind) {
        case (.int, .int32), (.int, .sint32), (.int, .sfixed32), (.int, .int64), (.int, .sint64), (.int, .sfixed64),
             (.uint, .uint32), (.uint, .fixed32), (.uint, .uint64), (.uint, .fixed64),
             (.double, .float), (.double, .double), (.bool, .bool), (.string, .string), (.bytes, .bytes),
             (.enumeration, .enumeration), (.message, .message):
            true
        default:
            false
        }
    }
}

extension FieldKind {
    var is32Bit: Bool {
        switch self {
        case .int32, .sint32, .sfixed32, .uint32, .fixed32: true
        default: false
        }
    }
}

extension ProtoValue {
    var kindName: String {
        switch self {
        case .int: "an integer"
        case .uint: "an unsigned integer"
        case .double: "a number"
        case .bool: "a boolean"
        case .string: "a string"
        case .bytes: "bytes"
        case .enumeration: "an enum value"
        case .message: "a message"
        case .list: "a list"
        }
    }
}
