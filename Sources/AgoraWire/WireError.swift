/// Why a message could not be encoded or decoded: a stable code, the field it concerns, and a message.
public struct WireError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Stable failure kinds.
    public enum Code: String, Sendable {
        /// The bytes end in the middle of a tag, value or embedded message.
        case truncated
        /// A field arrived with a wire type its declared type cannot have.
        case invalidWireType
        /// A required field is absent.
        case missingRequiredField
        /// An enum field holds a number or name the schema does not define.
        case unknownEnumValue
        /// A JSON value has the wrong type for its field (a string where a number belongs...).
        case wrongJSONType
        /// The text is not JSON.
        case invalidJSON
        /// A bytes field is not valid base64.
        case invalidBase64
        /// A number does not fit its field's type.
        case outOfRange
        /// The bytes are not a protobuf message for another reason.
        case malformed
        /// A value is not acceptable for its Swift type.
        case invalidValue
    }

    public let code: Code
    /// The field path, such as `mesos.v1.Offer.resources[2].scalar.value`, when one applies.
    public let field: String?
    public let message: String

    public init(_ code: Code, field: String?, _ message: String) {
        self.code = code
        self.field = field
        self.message = message
    }

    public var description: String {
        field.map { "\(code.rawValue) at \($0): \(message)" } ?? "\(code.rawValue): \(message)"
    }
}

extension WireError {
    /// The same error one level up: `component` goes in front of the field path. Text that is not JSON
    /// says where by byte offset and gets no path.
    func within(field component: String) -> WireError {
        if code == .invalidJSON { return self }
        guard let field else { return WireError(code, field: component, message) }
        let separator = field.hasPrefix("[") ? "" : "."
        return WireError(code, field: component + separator + field, message)
    }

    /// The same error inside element `index` of a repeated field.
    func within(index: Int) -> WireError {
        if code == .invalidJSON { return self }
        return WireError(code, field: "[\(index)]" + (field.map { $0.hasPrefix("[") ? $0 : "." + $0 } ?? ""), message)
    }
}
