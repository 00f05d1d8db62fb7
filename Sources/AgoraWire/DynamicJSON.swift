/// The Mesos JSON mapping of a `DynamicMessage`: proto field names, enums by name,
/// bytes as padded base64, 64-bit integers as numbers; unknown keys are ignored.
enum DynamicJSON {
    static func encode(_ message: DynamicMessage) throws -> JSONValue {
        var entries: [(key: String, value: JSONValue)] = []
        for (index, field) in message.schema.fields.enumerated() {
            guard let value = message.values[index] else { continue }
            if case .list(let items) = value, items.isEmpty { continue }
            entries.append((field.name, try inField(field.name) { try encode(value, kind: field.kind) }))
        }
        return .object(entries)
    }

    private static func encode(_ value: ProtoValue, kind: FieldKind) throws -> JSONValue {
        switch value {
        case .int(let v): return .integer(v)
        case .uint(let v): return .integer(v)
        case .double(let v):
            guard let number = JSONValue.double(v) else {
                throw WireError(.outOfRange, field: nil, "\(v) has no JSON representation")
            }
            return number
        case .bool(let v): return .bool(v)
        case .string(let v): return .string(v)
        case .bytes(let v): return .string(Base64.encode(v))
        case .enumeration(let number):
            guard case .enumeration(let schema) = kind, let name = schema.name(of: number) else {
                throw WireError(.unknownEnumValue, field: nil, "\(number) is not a known enum value")
            }
            return .string(name)
        case .message(let nested): return try encode(nested)
        case .list(let items):
            var out: [JSONValue] = []
            out.reserveCapacity(items.count)
            for (position, item) in items.enumerated() {
                out.append(try inElement(position) { try encode(item, kind: kind) })
            }
            return .array(out)
        }
    }

    static func decode(_ json: JSONValue, schema: MessageSchema) throws -> DynamicMessage {
        guard case .object(let entries) = json else {
            throw WireError(.wrongJSONType, field: nil, "expected an object, got \(json.typeName)")
        }
        var message = DynamicMessage(schema: schema)
        for (key, value) in entries {
            guard let index = schema.field(named: key) else { continue }
            let field = schema.fields[index]
            if case .null = value { continue }
            message.values[index] = try inField(field.name) { () throws -> ProtoValue in
                guard field.label == .repeated else { return try decode(value, kind: field.kind) }
                guard case .array(let items) = value else {
                    throw WireError(.wrongJSONType, field: nil, "expected an array, got \(value.typeName)")
                }
                var decoded: [ProtoValue] = []
                decoded.reserveCapacity(items.count)
                for (position, item) in items.enumerated() {
                    decoded.append(try inElement(position) { try decode(item, kind: field.kind) })
                }
                return .list(decoded)
            }
        }
        for (index, field) in schema.fields.enumerated() where field.label == .repeated && message.values[index] == nil {
            message.values[index] = .list([])
        }
        for (index, field) in schema.fields.enumerated() where field.label == .required && message.values[index] == nil {
            throw WireError(.missingRequiredField, field: field.name, "required field is missing")
        }
        return message
    }

    private static func decode(_ json: JSONValue, kind: FieldKind) throws -> ProtoValue {
        func wrong(_ expected: String) -> WireError {
            WireError(.wrongJSONType, field: nil, "expected \(expected), got \(json.typeName)")
        }
        switch kind {
        case .int32, .sint32, .sfixed32, .int64, .sint64, .sfixed64:
            let value = try integer(json, wrong: wrong)
            if case .int32 = kind, Int32(exactly: value) == nil { throw outOfRange(value, "int32") }
            if case .sint32 = kind, Int32(exactly: value) == nil { throw outOfRange(value, "int32") }
            if case .sfixed32 = kind, Int32(exactly: value) == nil { throw outOfRange(value, "int32") }
            return .int(value)
        case .uint32, .fixed32, .uint64, .fixed64:
            let value = try unsignedInteger(json, wrong: wrong)
            if case .uint32 = kind, UInt32(exactly: value) == nil { throw outOfRange(value, "uint32") }
            if case .fixed32 = kind, UInt32(exactly: value) == nil { throw outOfRange(value, "uint32") }
            return .uint(value)
        case .float, .double:
            switch json {
            case .number(let literal):
                guard let value = Double(literal) else { throw wrong("a number") }
                return .double(value)
            case .string(let text):
                guard let value = Double(text) else { throw wrong("a number") }
                return .double(value)
            default: throw wrong("a number")
            }
        case .bool:
            guard case .bool(let value) = json else { throw wrong("true or false") }
            return .bool(value)
        case .string:
            guard case .string(let value) = json else { throw wrong("a string") }
            return .string(value)
        case .bytes:
            guard case .string(let text) = json else { throw wrong("a base64 string") }
            guard let bytes = Base64.decode(text) else {
                throw WireError(.invalidBase64, field: nil, "not valid base64")
            }
            return .bytes(bytes)
        case .enumeration(let schema):
            switch json {
            case .string(let name):
                guard let number = schema.number(of: name) else {
                    throw WireError(.unknownEnumValue, field: nil, "\"\(name)\" is not a value of \(schema.fullName)")
                }
                return .enumeration(number)
            case .number(let literal):
                guard let number = Int32(literal), schema.name(of: number) != nil else {
                    throw WireError(.unknownEnumValue, field: nil, "\(literal) is not a value of \(schema.fullName)")
                }
                return .enumeration(number)
            default: throw wrong("an enum name")
            }
        case .message(let schema):
            return .message(try decode(json, schema: schema))
        }
    }

    private static func outOfRange<T>(_ value: T, _ type: String) -> WireError {
        WireError(.outOfRange, field: nil, "\(value) does not fit \(type)")
    }

    /// Integers may arrive as JSON integers, integral floats (`5.0`), or decimal strings.
    private static func integer(_ json: JSONValue, wrong: (String) -> WireError) throws -> Int64 {
        let literal: String
        switch json {
        case .number(let text), .string(let text): literal = text
        default: throw wrong("an integer")
        }
        if let value = Int64(literal) { return value }
        if let double = Double(literal) {
            guard double == double.rounded() else { throw wrong("an integer") }
            guard let value = Int64(exactly: double) else { throw outOfRange(literal, "int64") }
            return value
        }
        throw wrong("an integer")
    }

    private static func unsignedInteger(_ json: JSONValue, wrong: (String) -> WireError) throws -> UInt64 {
        let literal: String
        switch json {
        case .number(let text), .string(let text): literal = text
        default: throw wrong("a non-negative integer")
        }
        if let value = UInt64(literal) { return value }
        if let double = Double(literal) {
            guard double == double.rounded() else { throw wrong("a non-negative integer") }
            guard let value = UInt64(exactly: double) else { throw outOfRange(literal, "uint64") }
            return value
        }
        throw wrong("a non-negative integer")
    }
}

extension JSONValue {
    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}
