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

    /// The format of a `Content-Type` or `Accept` value, ignoring parameters, blanks and the case of letters; read in
    /// place, as every call carries one.
    public init?(contentType: String) {
        let mediaType = contentType.utf8.lazy.prefix { $0 != UInt8(ascii: ";") }.filter { $0 != 0x20 && $0 != 0x09 }
            .map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") ? $0 | 0x20 : $0 }
        if mediaType.elementsEqual("application/x-protobuf".utf8) {
            self = .protobuf
        } else if mediaType.elementsEqual("application/json".utf8) {
            self = .json
        } else {
            return nil
        }
    }
}

/// A Swift value type that is one protobuf message of the schema in `proto/`.
///
/// Conformers are plain structs whose property names match the proto field names (case and
/// underscores aside: `frameworkID` is `framework_id`), optionals for optional fields, arrays for
/// repeated ones, `[UInt8]` for bytes, and `String`-backed enums named as in the proto.
/// `scripts/generate-proto` generates their codecs (`Generated/WireCodecs.swift`) from those declarations.
public protocol WireMessage: Sendable {
    /// The full proto name, such as `mesos.v1.Offer`.
    static var protoName: String { get }
    /// Binary protobuf bytes.
    func protobuf() throws(WireError) -> [UInt8]
    /// Decodes binary protobuf; never traps on bad input.
    init(protobuf bytes: [UInt8]) throws(WireError)
    /// Writes the Mesos JSON mapping as the next value of `json`.
    func writeJSON(to json: inout JSONWriter) throws(WireError)
    /// Reads the Mesos JSON mapping from the next value of `json`; unknown keys are ignored as Mesos does.
    init(json: inout JSONReader) throws(WireError)
}

extension WireMessage {
    /// The Mesos JSON mapping as a value.
    public func jsonValue() throws(WireError) -> JSONValue {
        try JSONValue.parse(json())
    }

    /// The Mesos JSON mapping as UTF-8 text.
    public func json() throws(WireError) -> [UInt8] {
        var writer = JSONWriter()
        do {
            try writeJSON(to: &writer)
        } catch {
            throw error.within(field: Self.protoName)
        }
        return writer.bytes
    }

    public init(jsonValue: JSONValue) throws(WireError) {
        try self.init(json: jsonValue.serialized())
    }

    /// Decodes JSON text; unknown keys are ignored as Mesos does.
    public init(json bytes: [UInt8]) throws(WireError) {
        var reader = JSONReader(bytes)
        do {
            try self.init(json: &reader)
        } catch {
            // Text that is not JSON at all is reported as such, wherever the reader stopped.
            _ = try JSONValue.parse(bytes)
            throw error.within(field: Self.protoName)
        }
        try reader.finish()
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
