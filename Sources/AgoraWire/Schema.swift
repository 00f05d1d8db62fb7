internal import AgoraProto
internal import CProtobufC

/// The declared type of a field, read from protobuf-c's descriptors.
enum FieldKind {
    case int32, sint32, sfixed32, int64, sint64, sfixed64
    case uint32, fixed32, uint64, fixed64
    case float, double, bool, string, bytes
    case enumeration(EnumSchema)
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

    /// Bytes one value occupies in a protobuf-c struct or repeated array.
    var cSize: Int {
        switch self {
        case .int32, .sint32, .sfixed32, .uint32, .fixed32, .float, .bool, .enumeration: 4
        case .int64, .sint64, .sfixed64, .uint64, .fixed64, .double: 8
        case .string, .message: MemoryLayout<UnsafeRawPointer>.size
        case .bytes: MemoryLayout<ProtobufCBinaryData>.size
        }
    }
}

/// One field of a message schema (a class: it is shared, never copied, on every encode and decode).
final class FieldSchema: @unchecked Sendable {
    enum Label { case required, optional, repeated }

    let name: String
    let number: UInt32
    let label: Label
    let kind: FieldKind
    let offset: Int
    let quantifierOffset: Int
    let defaultValue: UnsafeRawPointer?

    init(
        name: String, number: UInt32, label: Label, kind: FieldKind, offset: Int, quantifierOffset: Int,
        defaultValue: UnsafeRawPointer?
    ) {
        self.name = name
        self.number = number
        self.label = label
        self.kind = kind
        self.offset = offset
        self.quantifierOffset = quantifierOffset
        self.defaultValue = defaultValue
    }

    /// Optional scalars (and bytes) carry a `has_` flag in the C struct; strings and messages use NULL.
    var hasPresenceFlag: Bool { label == .optional && quantifierOffset != 0 }
}

/// An enum's names and numbers.
final class EnumSchema: @unchecked Sendable {
    let fullName: String
    let names: [(name: String, number: Int32)]
    private let byName: [String: Int32]
    private let byNumber: [Int32: String]

    init(_ descriptor: UnsafePointer<ProtobufCEnumDescriptor>) {
        fullName = String(cString: descriptor.pointee.name)
        var names: [(String, Int32)] = []
        for index in 0..<Int(descriptor.pointee.n_values) {
            let value = descriptor.pointee.values[index]
            names.append((String(cString: value.name), value.value))
        }
        self.names = names
        byName = Dictionary(names.map { ($0.0, $0.1) }, uniquingKeysWith: { first, _ in first })
        byNumber = Dictionary(names.map { ($0.1, $0.0) }, uniquingKeysWith: { first, _ in first })
    }

    func number(of name: String) -> Int32? { byName[name] }
    func name(of number: Int32) -> String? { byNumber[number] }
}

/// A message's fields, in declaration order, with lookups by number and by name.
///
/// Names match loosely (case and underscores ignored), so the Swift property `frameworkID`
/// and the JSON key `framework_id` (or `frameworkId`) all find the field `framework_id`.
final class MessageSchema: @unchecked Sendable {
    let fullName: String
    let descriptor: UnsafePointer<ProtobufCMessageDescriptor>
    private(set) var fields: [FieldSchema] = []
    private var byNumber: [UInt32: Int] = [:]
    private var byName: [String: Int] = [:]
    private var byLooseName: [String: Int] = [:]

    init(descriptor: UnsafePointer<ProtobufCMessageDescriptor>) {
        self.descriptor = descriptor
        fullName = String(cString: descriptor.pointee.name)
    }

    func field(number: UInt32) -> Int? { byNumber[number] }
    /// Exact proto and Swift-style spellings hit a prepared table; anything else is matched loosely.
    func field(named name: String) -> Int? { byName[name] ?? byLooseName[MessageSchema.loose(name)] }

    static func loose(_ name: String) -> String {
        String(name.lowercased().filter { $0 != "_" })
    }

    /// `framework_id` → `frameworkId` and `frameworkID`; `offer_ids` → `offerIds` and `offerIDs`.
    static func camelCaseSpellings(_ name: String) -> [String] {
        let words = name.split(separator: "_").map(String.init)
        guard let first = words.first else { return [] }
        let acronyms: [String: String] = ["id": "ID", "ids": "IDs", "url": "URL", "uuid": "UUID"]
        let plain = first + words.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        let swift = first + words.dropFirst().map { acronyms[$0] ?? ($0.prefix(1).uppercased() + $0.dropFirst()) }.joined()
        return [plain, swift]
    }

    fileprivate func fill(_ fields: [FieldSchema]) {
        self.fields = fields
        for (index, field) in fields.enumerated() {
            byNumber[field.number] = index
            byLooseName[MessageSchema.loose(field.name)] = index
            byName[field.name] = index
            for spelling in MessageSchema.camelCaseSpellings(field.name) where byName[spelling] == nil {
                byName[spelling] = index
            }
        }
    }
}

/// Every message of the compiled schema, keyed by full name (`mesos.v1.Offer`).
final class SchemaRegistry: @unchecked Sendable {
    static let shared = SchemaRegistry()

    private var messages: [String: MessageSchema] = [:]
    private var byDescriptor: [UnsafeRawPointer: MessageSchema] = [:]
    private var enums: [UnsafeRawPointer: EnumSchema] = [:]

    private init() {
        for index in 0..<agora_proto_descriptor_count() {
            guard let descriptor = agora_proto_descriptor_at(index) else { continue }
            _ = schema(for: descriptor)
        }
    }

    func message(_ fullName: String) -> MessageSchema? { messages[fullName] }

    private func schema(for descriptor: UnsafePointer<ProtobufCMessageDescriptor>) -> MessageSchema {
        if let known = byDescriptor[UnsafeRawPointer(descriptor)] { return known }
        let schema = MessageSchema(descriptor: descriptor)
        // Registered before its fields are read, so recursive messages resolve to this same object.
        byDescriptor[UnsafeRawPointer(descriptor)] = schema
        messages[schema.fullName] = schema
        var fields: [FieldSchema] = []
        for index in 0..<Int(descriptor.pointee.n_fields) {
            let field = descriptor.pointee.fields.advanced(by: index)
            fields.append(fieldSchema(field))
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
        case PROTOBUF_C_TYPE_ENUM:
            let descriptor = agora_protobuf_enum_descriptor(field)!
            let key = UnsafeRawPointer(descriptor)
            let schema = enums[key] ?? EnumSchema(descriptor)
            enums[key] = schema
            kind = .enumeration(schema)
        default:
            kind = .message(schema(for: agora_protobuf_message_descriptor(field)!))
        }
        let label: FieldSchema.Label = switch field.pointee.label {
        case PROTOBUF_C_LABEL_REQUIRED: .required
        case PROTOBUF_C_LABEL_REPEATED: .repeated
        default: .optional
        }
        return FieldSchema(
            name: String(cString: field.pointee.name),
            number: field.pointee.id,
            label: label,
            kind: kind,
            offset: Int(field.pointee.offset),
            quantifierOffset: Int(field.pointee.quantifier_offset),
            defaultValue: field.pointee.default_value)
    }
}
