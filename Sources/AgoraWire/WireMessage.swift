/// The two encodings every Agora message has on the wire.
public enum WireFormat: Sendable {
    /// Binary protobuf (`application/x-protobuf`), via libprotobuf-c.
    case protobuf
    /// The Mesos JSON mapping (`application/json`).
    case json

    public var contentType: String {
        switch self {
        case .protobuf: "application/x-protobuf"
        case .json: "application/json"
        }
    }

    /// The format of a `Content-Type` or `Accept` value, ignoring parameters.
    public init?(contentType: String) {
        let mediaType = contentType.split(separator: ";").first?.filter { $0 != " " && $0 != "\t" }.lowercased()
        switch mediaType {
        case "application/x-protobuf": self = .protobuf
        case "application/json": self = .json
        default: return nil
        }
    }
}

/// A Swift value type that is one protobuf message of the schema in `proto/`.
///
/// Conformers are plain `Codable` structs whose property names match the proto field names
/// (case and underscores aside: `frameworkID` is `framework_id`), optionals for optional fields,
/// arrays for repeated ones, `[UInt8]` for bytes, and `String`-backed enums named as in the proto.
public protocol WireMessage: Codable, Sendable {
    /// The full proto name, such as `mesos.v1.Offer`.
    static var protoName: String { get }
}

extension WireMessage {
    static var schema: MessageSchema {
        guard let schema = SchemaRegistry.shared.message(protoName) else {
            preconditionFailure("\(Self.self).protoName \(protoName) is not in the compiled schema")
        }
        return schema
    }

    /// Runs `body` and reports any failure as a `WireError` whose path starts at this message.
    static func rooted<T>(_ body: () throws -> T) throws(WireError) -> T {
        do {
            return try body()
        } catch let error as WireError {
            throw error.within(field: protoName)
        } catch {
            throw WireError(.invalidValue, field: protoName, "\(error)")
        }
    }

    func dynamicMessage() throws -> DynamicMessage {
        let schema = Self.schema
        guard case .message(let message) = try ValueEncoder.encode(self, kind: .message(schema), repeated: false) else {
            throw WireError(.invalidValue, field: nil, "did not encode as a message")
        }
        return message
    }

    init(dynamicMessage message: DynamicMessage) throws {
        self = try ValueDecoder.decode(Self.self, from: .message(message), kind: .message(message.schema))
    }

    /// Binary protobuf bytes.
    public func protobuf() throws(WireError) -> [UInt8] {
        try Self.rooted { try ProtobufCCodec.encode(dynamicMessage()) }
    }

    /// Decodes binary protobuf; never traps on bad input.
    public init(protobuf bytes: [UInt8]) throws(WireError) {
        self = try Self.rooted { try Self(dynamicMessage: ProtobufCCodec.decode(bytes, schema: Self.schema)) }
    }

    /// The Mesos JSON mapping as a value.
    public func jsonValue() throws(WireError) -> JSONValue {
        try Self.rooted { try DynamicJSON.encode(dynamicMessage()) }
    }

    /// The Mesos JSON mapping as UTF-8 text.
    public func json() throws(WireError) -> [UInt8] {
        try jsonValue().serialized()
    }

    public init(jsonValue: JSONValue) throws(WireError) {
        self = try Self.rooted { try Self(dynamicMessage: DynamicJSON.decode(jsonValue, schema: Self.schema)) }
    }

    /// Decodes JSON text; unknown keys are ignored as Mesos does.
    public init(json bytes: [UInt8]) throws(WireError) {
        try self.init(jsonValue: JSONValue.parse(bytes))
    }

    public func encoded(as format: WireFormat) throws(WireError) -> [UInt8] {
        switch format {
        case .protobuf: try protobuf()
        case .json: try json()
        }
    }

    public init(decoding bytes: [UInt8], as format: WireFormat) throws(WireError) {
        switch format {
        case .protobuf: try self.init(protobuf: bytes)
        case .json: try self.init(json: bytes)
        }
    }
}
