/// Encodes a Swift `Encodable` into a `ProtoValue` of a declared field kind.
///
/// Message types encode through a keyed container whose keys are matched to proto fields
/// by name; arrays through an unkeyed container (repeated fields); enums and other wrappers
/// through a single-value container.
final class ValueEncoder: Encoder {
    let kind: FieldKind
    let repeated: Bool
    var message: DynamicMessage?
    var list: [ProtoValue]?
    var single: ProtoValue?
    var failure: WireError?
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] = [:]

    init(kind: FieldKind, repeated: Bool) {
        self.kind = kind
        self.repeated = repeated
    }

    /// Encodes `value` as a field of `kind` (a repeated field when `repeated`).
    static func encode<T: Encodable>(_ value: T, kind: FieldKind, repeated: Bool) throws -> ProtoValue {
        if case .message = kind {
            // Messages go through their keyed container below; boxing them into `Any` would only cost.
        } else if !repeated, let direct = try ProtoValueConversion.value(of: value, kind: kind) {
            return direct
        }
        let encoder = ValueEncoder(kind: kind, repeated: repeated)
        try value.encode(to: encoder)
        if let failure = encoder.failure { throw failure }
        if repeated { return .list(encoder.list ?? []) }
        if let message = encoder.message { return .message(message) }
        if let single = encoder.single { return single }
        throw WireError(.invalidValue, field: nil, "\(T.self) encoded no value")
    }

    func fail(_ error: WireError) {
        if failure == nil { failure = error }
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .message(let schema) = kind, !repeated {
            if message == nil { message = DynamicMessage(schema: schema) }
        } else {
            fail(WireError(.invalidValue, field: nil, "a keyed value cannot encode a non-message field"))
        }
        return KeyedEncodingContainer(MessageEncodingContainer<Key>(encoder: self))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if !repeated { fail(WireError(.invalidValue, field: nil, "a list cannot encode a singular field")) }
        if list == nil { list = [] }
        return ListEncodingContainer(encoder: self)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleEncodingContainer(encoder: self)
    }
}

private struct MessageEncodingContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let encoder: ValueEncoder
    var codingPath: [any CodingKey] { encoder.codingPath }

    mutating func encodeNil(forKey key: Key) throws {}

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        guard let schema = encoder.message?.schema else { return }
        guard let index = schema.field(named: key.stringValue) else {
            throw WireError(.invalidValue, field: key.stringValue, "\(schema.fullName) has no field matching this property")
        }
        let field = schema.fields[index]
        encoder.message?.values[index] = try inField(field.name) {
            try ValueEncoder.encode(value, kind: field.kind, repeated: field.label == .repeated)
        }
    }

    // Primitives skip the generic path: no existential casts on the hot path.
    mutating func encode(_ value: Bool, forKey key: Key) throws { try set(key) { _ in .bool(value) } }
    mutating func encode(_ value: String, forKey key: Key) throws {
        try set(key) { kind in
            guard case .enumeration = kind else { return .string(value) }
            return try ProtoValueConversion.value(of: value, kind: kind)
        }
    }
    mutating func encode(_ value: Double, forKey key: Key) throws { try set(key) { _ in .double(value) } }
    mutating func encode(_ value: Float, forKey key: Key) throws { try set(key) { _ in .double(Double(value)) } }
    mutating func encode(_ value: Int, forKey key: Key) throws { try encodeInteger(value, key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { try encodeInteger(value, key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { try encodeInteger(value, key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { try encodeInteger(value, key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { try encodeInteger(value, key) }

    private mutating func encodeInteger<T: FixedWidthInteger & Encodable>(_ value: T, _ key: Key) throws {
        try set(key) { kind in try ProtoValueConversion.integer(value, kind: kind) }
    }

    /// Stores a primitive, checking it suits the field's declared type.
    private mutating func set(_ key: Key, _ make: (FieldKind) throws -> ProtoValue?) throws {
        guard let schema = encoder.message?.schema else { return }
        guard let index = schema.field(named: key.stringValue) else {
            throw WireError(.invalidValue, field: key.stringValue, "\(schema.fullName) has no field matching this property")
        }
        let field = schema.fields[index]
        encoder.message?.values[index] = try inField(field.name) {
            guard field.label != .repeated, let value = try make(field.kind), value.suits(field.kind) else {
                throw WireError(.invalidValue, field: nil, "value does not match the field type")
            }
            return value
        }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        encoder.fail(WireError(.invalidValue, field: nil, "nested containers are not supported"))
        return KeyedEncodingContainer(MessageEncodingContainer<NestedKey>(encoder: encoder))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        encoder.fail(WireError(.invalidValue, field: nil, "nested containers are not supported"))
        return ListEncodingContainer(encoder: encoder)
    }

    mutating func superEncoder() -> any Encoder { encoder }
    mutating func superEncoder(forKey key: Key) -> any Encoder { encoder }
}

private struct ListEncodingContainer: UnkeyedEncodingContainer {
    let encoder: ValueEncoder
    var codingPath: [any CodingKey] { encoder.codingPath }
    var count: Int { encoder.list?.count ?? 0 }

    mutating func encodeNil() throws {
        throw WireError(.invalidValue, field: nil, "a repeated field cannot hold null")
    }

    mutating func encode<T: Encodable>(_ value: T) throws {
        let position = count
        let item = try inElement(position) { try ValueEncoder.encode(value, kind: encoder.kind, repeated: false) }
        encoder.list?.append(item)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        encoder.fail(WireError(.invalidValue, field: nil, "nested containers are not supported"))
        return KeyedEncodingContainer(MessageEncodingContainer<NestedKey>(encoder: encoder))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        encoder.fail(WireError(.invalidValue, field: nil, "nested lists are not supported"))
        return self
    }

    mutating func superEncoder() -> any Encoder { encoder }
}

private struct SingleEncodingContainer: SingleValueEncodingContainer {
    let encoder: ValueEncoder
    var codingPath: [any CodingKey] { encoder.codingPath }

    mutating func encodeNil() throws {
        throw WireError(.invalidValue, field: nil, "null is not a field value")
    }

    mutating func encode<T: Encodable>(_ value: T) throws {
        encoder.single = try ValueEncoder.encode(value, kind: encoder.kind, repeated: false)
    }
}
