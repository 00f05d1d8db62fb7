/// Decodes a Swift `Decodable` from a `ProtoValue` of a declared field kind (the mirror of `ValueEncoder`).
final class ValueDecoder: Decoder {
    let value: ProtoValue
    let kind: FieldKind
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] = [:]

    init(value: ProtoValue, kind: FieldKind) {
        self.value = value
        self.kind = kind
    }

    static func decode<T: Decodable>(_ type: T.Type, from value: ProtoValue, kind: FieldKind) throws -> T {
        if case .enumeration(let number) = value, T.self == String.self, case .enumeration(let schema) = kind {
            guard let name = schema.name(of: number) else {
                throw WireError(.unknownEnumValue, field: nil, "\(number) is not a value of \(schema.fullName)")
            }
            return name as! T
        }
        switch value {
        case .list, .message:
            break
        default:
            if let primitive = try ProtoValueConversion.primitive(type, from: value) { return primitive }
        }
        do {
            let decoded = try T(from: ValueDecoder(value: value, kind: kind))
            if let checked = decoded as? any WireValidating { try checked.validate() }
            return decoded
        } catch let error as DecodingError {
            throw WireError(.invalidValue, field: nil, error.summary)
        }
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .message(let message) = value else {
            throw WireError(.invalidValue, field: nil, "expected a message, found \(value.kindName)")
        }
        return KeyedDecodingContainer(MessageDecodingContainer<Key>(message: message))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .list(let items) = value else {
            throw WireError(.invalidValue, field: nil, "expected a list, found \(value.kindName)")
        }
        return ListDecodingContainer(items: items, kind: kind)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        SingleDecodingContainer(decoder: self)
    }
}

private struct MessageDecodingContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let message: DynamicMessage
    var codingPath: [any CodingKey] { [] }

    var allKeys: [Key] {
        message.schema.fields.indices.compactMap { index in
            message.values[index] == nil ? nil : Key(stringValue: message.schema.fields[index].name)
        }
    }

    private func field(_ key: Key) throws -> (FieldSchema, ProtoValue?) {
        guard let index = message.schema.field(named: key.stringValue) else {
            throw WireError(.invalidValue, field: key.stringValue,
                            "\(message.schema.fullName) has no field matching this property")
        }
        let field = message.schema.fields[index]
        return (field, message.values[index] ?? (field.label == .repeated ? .list([]) : nil))
    }

    func contains(_ key: Key) -> Bool {
        ((try? field(key))?.1) != nil
    }

    func decodeNil(forKey key: Key) throws -> Bool { !contains(key) }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        let (field, value) = try field(key)
        guard let value else {
            throw WireError(.missingRequiredField, field: field.name, "field is missing")
        }
        return try inField(field.name) { try ValueDecoder.decode(type, from: value, kind: field.kind) }
    }

    // Primitives skip the generic path: no metadata lookups or casts on the hot path.
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool {
        try primitive(key) { value, _ in if case .bool(let v) = value { v } else { nil } }
    }
    func decode(_ type: String.Type, forKey key: Key) throws -> String {
        try primitive(key) { value, kind in
            switch (value, kind) {
            case (.string(let v), _): v
            case (.enumeration(let number), .enumeration(let schema)): schema.name(of: number)
            default: nil
            }
        }
    }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double {
        try primitive(key) { value, _ in if case .double(let v) = value { v } else { nil } }
    }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try decode(type, key) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try decode(type, key) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try decode(type, key) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try decode(type, key) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try decode(type, key) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try decode(type, key) }

    /// Reads a primitive directly; anything `read` does not recognise goes the generic way (with its errors).
    private func primitive<T: Decodable>(_ key: Key, _ read: (ProtoValue, FieldKind) -> T?) throws -> T {
        let (field, value) = try field(key)
        if let value, let direct = read(value, field.kind) { return direct }
        return try decode(T.self, forKey: key)
    }

    private func decode<T: Decodable>(_ type: T.Type, _ key: Key) throws -> T {
        try decode(type, forKey: key)
    }

    func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type, forKey key: Key
    ) throws -> KeyedDecodingContainer<NestedKey> {
        throw WireError(.invalidValue, field: nil, "nested containers are not supported")
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        throw WireError(.invalidValue, field: nil, "nested containers are not supported")
    }

    func superDecoder() throws -> any Decoder {
        ValueDecoder(value: .message(message), kind: .message(message.schema))
    }

    func superDecoder(forKey key: Key) throws -> any Decoder { try superDecoder() }
}

private struct ListDecodingContainer: UnkeyedDecodingContainer {
    let items: [ProtoValue]
    let kind: FieldKind
    var codingPath: [any CodingKey] { [] }
    var currentIndex = 0
    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    init(items: [ProtoValue], kind: FieldKind) {
        self.items = items
        self.kind = kind
    }

    mutating func decodeNil() throws -> Bool { false }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        guard !isAtEnd else { throw WireError(.invalidValue, field: nil, "read past the end of the list") }
        let item = items[currentIndex]
        let value = try inElement(currentIndex) { try ValueDecoder.decode(type, from: item, kind: kind) }
        currentIndex += 1
        return value
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type
    ) throws -> KeyedDecodingContainer<NestedKey> {
        throw WireError(.invalidValue, field: nil, "nested containers are not supported")
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw WireError(.invalidValue, field: nil, "nested lists are not supported")
    }

    mutating func superDecoder() throws -> any Decoder {
        throw WireError(.invalidValue, field: nil, "super decoders are not supported")
    }
}

private struct SingleDecodingContainer: SingleValueDecodingContainer {
    let decoder: ValueDecoder
    var codingPath: [any CodingKey] { [] }

    func decodeNil() -> Bool { false }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        if case .message = decoder.value {
            throw WireError(.invalidValue, field: nil, "a message cannot be read as \(T.self)")
        }
        return try ValueDecoder.decode(type, from: decoder.value, kind: decoder.kind)
    }
}

extension DecodingError {
    /// The human part of a decoding error, without Swift's context dump.
    var summary: String {
        switch self {
        case .dataCorrupted(let context), .keyNotFound(_, let context),
             .typeMismatch(_, let context), .valueNotFound(_, let context):
            context.debugDescription
        @unknown default:
            "\(self)"
        }
    }
}
