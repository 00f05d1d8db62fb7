internal import AgoraProto
internal import CProtobufC

/// The declared type of a field, read from protobuf-c's descriptors.
enum FieldKind {
    case int32, sint32, sfixed32, int64, sint64, sfixed64
    case uint32, fixed32, uint64, fixed64
    case float, double, bool, string, bytes
    case enumeration
    case message(MessageSchema)

    /// The protobuf wire type a non-packed value of this kind uses.
    var wireType: UInt8 {
        switch self {
        case .int32, .sint32, .int64, .sint64, .uint32, .uint64, .bool, .enumeration: 0
        case .fixed64, .sfixed64, .double: 1
        case .string, .bytes, .message: 2
        case .fixed32, .sfixed32, .float: 5
        }
    }
}

/// One field of a message schema.
struct FieldSchema {
    enum Label { case required, optional, repeated }

    let name: String
    let number: UInt32
    let label: Label
    let kind: FieldKind
}

/// A message's fields, in declaration order, with a lookup by number: what `WireScanner` needs to say
/// why libprotobuf-c refused some bytes.
final class MessageSchema: @unchecked Sendable {
    let fullName: String
    let descriptor: UnsafePointer<ProtobufCMessageDescriptor>
    private(set) var fields: [FieldSchema] = []
    private var byNumber: [UInt32: Int] = [:]

    init(descriptor: UnsafePointer<ProtobufCMessageDescriptor>) {
        self.descriptor = descriptor
        fullName = String(cString: descriptor.pointee.name)
    }

    func field(number: UInt32) -> Int? { byNumber[number] }

    fileprivate func fill(_ fields: [FieldSchema]) {
        self.fields = fields
        for (index, field) in fields.enumerated() { byNumber[field.number] = index }
    }
}

/// Every message of the compiled schema, keyed by full name (`mesos.v1.Offer`) and by descriptor;
/// built once, read-only afterwards.
final class SchemaRegistry: @unchecked Sendable {
    static let shared = SchemaRegistry()

    private var messages: [String: MessageSchema] = [:]
    private var byDescriptor: [UnsafeRawPointer: MessageSchema] = [:]

    private init() {
        for index in 0..<agora_proto_descriptor_count() {
            guard let descriptor = agora_proto_descriptor_at(index) else { continue }
            _ = schema(for: descriptor)
        }
    }

    func message(_ fullName: String) -> MessageSchema? { messages[fullName] }

    func message(describedBy descriptor: UnsafePointer<ProtobufCMessageDescriptor>) -> MessageSchema? {
        byDescriptor[UnsafeRawPointer(descriptor)]
    }

    private func schema(for descriptor: UnsafePointer<ProtobufCMessageDescriptor>) -> MessageSchema {
        if let known = byDescriptor[UnsafeRawPointer(descriptor)] { return known }
        let schema = MessageSchema(descriptor: descriptor)
        // Registered before its fields are read, so recursive messages resolve to this same object.
        byDescriptor[UnsafeRawPointer(descriptor)] = schema
        messages[schema.fullName] = schema
        var fields: [FieldSchema] = []
        for index in 0..<Int(descriptor.pointee.n_fields) {
            fields.append(fieldSchema(descriptor.pointee.fields.advanced(by: index)))
        }
        schema.fill(fields)
        return schema
    }

    private func fieldSchema(_ field: UnsafePointer<ProtobufCFieldDescriptor>) -> FieldSchema {
        let kind: FieldKind
        switch field.pointee.type {
        case PROTOBUF_C_TYPE_INT32: kind = .int32
        case PROTOBUF_C_TYPE_SINT32: kind = .sint32
        case PROTOBUF_C_TYPE_SFIXED32: kind = .sfixed32
        case PROTOBUF_C_TYPE_INT64: kind = .int64
        case PROTOBUF_C_TYPE_SINT64: kind = .sint64
        case PROTOBUF_C_TYPE_SFIXED64: kind = .sfixed64
        case PROTOBUF_C_TYPE_UINT32: kind = .uint32
        case PROTOBUF_C_TYPE_FIXED32: kind = .fixed32
        case PROTOBUF_C_TYPE_UINT64: kind = .uint64
        case PROTOBUF_C_TYPE_FIXED64: kind = .fixed64
        case PROTOBUF_C_TYPE_FLOAT: kind = .float
        case PROTOBUF_C_TYPE_DOUBLE: kind = .double
        case PROTOBUF_C_TYPE_BOOL: kind = .bool
        case PROTOBUF_C_TYPE_STRING: kind = .string
        case PROTOBUF_C_TYPE_BYTES: kind = .bytes
        case PROTOBUF_C_TYPE_ENUM: kind = .enumeration
        default: kind = .message(schema(for: agora_protobuf_message_descriptor(field)!))
        }
        let label: FieldSchema.Label = switch field.pointee.label {
        case PROTOBUF_C_LABEL_REQUIRED: .required
        case PROTOBUF_C_LABEL_REPEATED: .repeated
        default: .optional
        }
        return FieldSchema(name: String(cString: field.pointee.name), number: field.pointee.id, label: label, kind: kind)
    }
}
