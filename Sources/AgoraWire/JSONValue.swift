/// A JSON document. Numbers keep their literal text so 64-bit integers survive untouched.
public enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([(key: String, value: JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case let (.bool(a), .bool(b)): a == b
        case let (.number(a), .number(b)): a == b || (Double(a) != nil && Double(a) == Double(b))
        case let (.string(a), .string(b)): a == b
        case let (.array(a), .array(b)): a == b
        case let (.object(a), .object(b)):
            a.count == b.count && a.allSatisfy { entry in b.contains { $0.key == entry.key && $0.value == entry.value } }
        default: false
        }
    }

    /// The value of `key` in an object.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let entries) = self else { return nil }
        return entries.first { $0.key == key }?.value
    }

    /// The text of a string value, the flag of a boolean; nil for anything else.
    public var string: String? { if case .string(let value) = self { value } else { nil } }
    public var bool: Bool? { if case .bool(let value) = self { value } else { nil } }
    /// A number that is a whole `Int`; nil for anything else.
    public var integerValue: Int? { if case .number(let text) = self { Int(text) } else { nil } }
    /// The items of a list; nil for anything else.
    public var array: [JSONValue]? { if case .array(let items) = self { items } else { nil } }

    /// The text of `key` in an object, when it is a string.
    public func stringValue(_ key: String) -> String? { self[key]?.string }

    /// An integer as a JSON number.
    public static func integer<T: BinaryInteger>(_ value: T) -> JSONValue { .number(String(value)) }

    /// A double as a JSON number; nil for NaN and infinities, which JSON cannot express.
    public static func double(_ value: Double) -> JSONValue? {
        JSONWriter.literal(of: value).map { .number($0) }
    }

    /// Compact JSON text.
    public func serialized() -> [UInt8] {
        var writer = JSONWriter()
        write(to: &writer)
        return writer.bytes
    }

    public var text: String { String(decoding: serialized(), as: UTF8.self) }

    /// Writes this value as the next value of `writer`.
    public func write(to writer: inout JSONWriter) {
        switch self {
        case .null: writer.null()
        case .bool(let value): writer.bool(value)
        case .number(let literal): writer.number(literal: literal)
        case .string(let string): writer.string(string)
        case .array(let items):
            writer.beginArray()
            for item in items { item.write(to: &writer) }
            writer.endArray()
        case .object(let entries):
            writer.beginObject()
            for entry in entries {
                writer.key(entry.key)
                entry.value.write(to: &writer)
            }
            writer.endObject()
        }
    }
}

extension JSONValue {
    /// Parses JSON text. Nesting deeper than `maxDepth` is refused rather than recursed into.
    public static func parse(_ bytes: [UInt8], maxDepth: Int = 100) throws(WireError) -> JSONValue {
        var reader = JSONReader(bytes, maxDepth: maxDepth)
        let value = try reader.readValue()
        try reader.finish()
        return value
    }

    public static func parse(_ text: String) throws(WireError) -> JSONValue {
        try parse(Array(text.utf8))
    }
}
