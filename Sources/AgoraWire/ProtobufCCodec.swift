internal import CProtobufC
import Glibc

/// Binary protobuf through libprotobuf-c: a `DynamicMessage` is laid out as the generated C struct
/// (using the descriptor's offsets), packed by `protobuf_c_message_pack`, and unpacked the same way back.
enum ProtobufCCodec {
    static func encode(_ message: DynamicMessage) throws -> [UInt8] {
        let arena = CArena()
        let cMessage = try build(message, arena: arena)
        let size = protobuf_c_message_get_packed_size(cMessage)
        return [UInt8](unsafeUninitializedCapacity: max(size, 1)) { buffer, count in
            count = protobuf_c_message_pack(cMessage, buffer.baseAddress!)
        }
    }

    static func decode(_ bytes: [UInt8], schema: MessageSchema) throws -> DynamicMessage {
        let unpacked = bytes.withUnsafeBufferPointer { buffer in
            protobuf_c_message_unpack(schema.descriptor, nil, buffer.count, buffer.baseAddress)
        }
        guard let unpacked else {
            // libprotobuf-c only says no; find out why for the caller.
            throw WireScanner.diagnose(bytes, schema: schema)
        }
        defer { protobuf_c_message_free_unpacked(unpacked, nil) }
        return try read(UnsafeRawPointer(unpacked), schema: schema)
    }

    // MARK: Swift values into C structs

    private static func build(
        _ message: DynamicMessage, arena: CArena
    ) throws -> UnsafeMutablePointer<ProtobufCMessage> {
        let schema = message.schema
        let memory = arena.allocate(Int(schema.descriptor.pointee.sizeof_message))
        agora_protobuf_init(schema.descriptor, memory)
        for (index, field) in schema.fields.enumerated() {
            guard let value = message.values[index] else {
                if field.label == .required {
                    throw WireError(.missingRequiredField, field: field.name, "required field is missing")
                }
                continue
            }
            try inField(field.name) {
                if field.label == .repeated {
                    guard case .list(let items) = value else {
                        throw WireError(.invalidValue, field: nil, "repeated field holds a single value")
                    }
                    let size = field.kind.cSize
                    let array = arena.allocate(items.count * size)
                    for (position, item) in items.enumerated() {
                        try inElement(position) { try store(item, kind: field.kind, at: array + position * size, arena: arena) }
                    }
                    (memory + field.quantifierOffset).storeBytes(of: items.count, as: Int.self)
                    (memory + field.offset).storeBytes(of: items.isEmpty ? nil : array, as: UnsafeMutableRawPointer?.self)
                } else {
                    try store(value, kind: field.kind, at: memory + field.offset, arena: arena)
                    if field.hasPresenceFlag {
                        (memory + field.quantifierOffset).storeBytes(of: 1, as: Int32.self)
                    }
                }
            }
        }
        return memory.assumingMemoryBound(to: ProtobufCMessage.self)
    }

    private static func store(
        _ value: ProtoValue, kind: FieldKind, at address: UnsafeMutableRawPointer, arena: CArena
    ) throws {
        func mismatch() -> WireError { WireError(.invalidValue, field: nil, "value does not match the field type") }
        switch (kind, value) {
        case (.int32, .int(let v)), (.sint32, .int(let v)), (.sfixed32, .int(let v)):
            guard let narrowed = Int32(exactly: v) else { throw WireError(.outOfRange, field: nil, "\(v) does not fit int32") }
            address.storeBytes(of: narrowed, as: Int32.self)
        case (.int64, .int(let v)), (.sint64, .int(let v)), (.sfixed64, .int(let v)):
            address.storeBytes(of: v, as: Int64.self)
        case (.uint32, .uint(let v)), (.fixed32, .uint(let v)):
            guard let narrowed = UInt32(exactly: v) else { throw WireError(.outOfRange, field: nil, "\(v) does not fit uint32") }
            address.storeBytes(of: narrowed, as: UInt32.self)
        case (.uint64, .uint(let v)), (.fixed64, .uint(let v)):
            address.storeBytes(of: v, as: UInt64.self)
        case (.float, .double(let v)):
            address.storeBytes(of: Float(v), as: Float.self)
        case (.double, .double(let v)):
            address.storeBytes(of: v, as: Double.self)
        case (.bool, .bool(let v)):
            address.storeBytes(of: v ? 1 : 0, as: Int32.self)
        case (.enumeration, .enumeration(let v)):
            address.storeBytes(of: v, as: Int32.self)
        case (.string, .string(let v)):
            let utf8 = Array(v.utf8)
            let copy = arena.allocate(utf8.count + 1)
            utf8.withUnsafeBytes { copy.copyMemory(from: $0.baseAddress!, byteCount: utf8.count) }
            address.storeBytes(of: copy, as: UnsafeMutableRawPointer.self)
        case (.bytes, .bytes(let v)):
            let copy = arena.allocate(max(v.count, 1))
            v.withUnsafeBytes { if let base = $0.baseAddress { copy.copyMemory(from: base, byteCount: v.count) } }
            address.storeBytes(
                of: ProtobufCBinaryData(len: v.count, data: copy.assumingMemoryBound(to: UInt8.self)),
                as: ProtobufCBinaryData.self)
        case (.message, .message(let nested)):
            let built = try build(nested, arena: arena)
            address.storeBytes(of: built, as: UnsafeMutablePointer<ProtobufCMessage>.self)
        default:
            throw mismatch()
        }
    }

    // MARK: C structs into Swift values

    private static func read(_ memory: UnsafeRawPointer, schema: MessageSchema) throws -> DynamicMessage {
        var message = DynamicMessage(schema: schema)
        for (index, field) in schema.fields.enumerated() {
            message.values[index] = try inField(field.name) { () throws -> ProtoValue? in
                switch field.label {
                case .repeated:
                    let count = (memory + field.quantifierOffset).load(as: Int.self)
                    guard count > 0, let array = (memory + field.offset).load(as: UnsafeRawPointer?.self) else {
                        return .list([])
                    }
                    var items: [ProtoValue] = []
                    items.reserveCapacity(count)
                    let size = field.kind.cSize
                    for position in 0..<count {
                        items.append(try inElement(position) { try load(array + position * size, kind: field.kind) })
                    }
                    return .list(items)
                case .optional where field.hasPresenceFlag:
                    guard (memory + field.quantifierOffset).load(as: Int32.self) != 0 else { return nil }
                    return try load(memory + field.offset, kind: field.kind)
                case .optional:
                    // Strings and messages: NULL (or protobuf-c's shared default string) means absent.
                    let pointer = (memory + field.offset).load(as: UnsafeRawPointer?.self)
                    guard let pointer, pointer != field.defaultValue else { return nil }
                    return try load(memory + field.offset, kind: field.kind)
                case .required:
                    return try load(memory + field.offset, kind: field.kind)
                }
            }
        }
        return message
    }

    private static func load(_ address: UnsafeRawPointer, kind: FieldKind) throws -> ProtoValue {
        switch kind {
        case .int32, .sint32, .sfixed32: return .int(Int64(address.load(as: Int32.self)))
        case .int64, .sint64, .sfixed64: return .int(address.load(as: Int64.self))
        case .uint32, .fixed32: return .uint(UInt64(address.load(as: UInt32.self)))
        case .uint64, .fixed64: return .uint(address.load(as: UInt64.self))
        case .float: return .double(Double(address.load(as: Float.self)))
        case .double: return .double(address.load(as: Double.self))
        case .bool: return .bool(address.load(as: Int32.self) != 0)
        case .enumeration(let schema):
            let number = address.load(as: Int32.self)
            guard schema.name(of: number) != nil else {
                throw WireError(.unknownEnumValue, field: nil, "\(number) is not a value of \(schema.fullName)")
            }
            return .enumeration(number)
        case .string:
            guard let pointer = address.load(as: UnsafePointer<CChar>?.self) else { return .string("") }
            let bytes = UnsafeRawBufferPointer(start: pointer, count: strlen(pointer))
            guard let string = String(validating: bytes, as: UTF8.self) else {
                throw WireError(.invalidValue, field: nil, "string is not valid UTF-8")
            }
            return .string(string)
        case .bytes:
            let data = address.load(as: ProtobufCBinaryData.self)
            guard data.len > 0, let base = data.data else { return .bytes([]) }
            return .bytes(Array(UnsafeBufferPointer(start: base, count: data.len)))
        case .message(let schema):
            guard let pointer = address.load(as: UnsafeRawPointer?.self) else {
                throw WireError(.missingRequiredField, field: nil, "embedded message is missing")
            }
            return .message(try read(pointer, schema: schema))
        }
    }
}

/// Zeroed C allocations for one encode, all freed together.
private final class CArena {
    private var blocks: [UnsafeMutableRawPointer] = []

    func allocate(_ size: Int) -> UnsafeMutableRawPointer {
        let block = calloc(1, max(size, 1))!
        blocks.append(block)
        return block
    }

    deinit {
        for block in blocks { free(block) }
    }
}
