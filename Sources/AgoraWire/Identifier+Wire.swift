internal import CProtobufC

/// The wire forms of the id messages (`{value}`), which all share one C layout: generated codecs
/// reach them through `ProtobufCArena.identifier` and `init(cIdentifier:)`; on their own they pack
/// and unpack through the descriptor their kind names.
extension Identifier {
    init(cIdentifier message: UnsafeRawPointer) throws(WireError) {
        let value = message.load(fromByteOffset: IdentifierLayout.valueOffset, as: UnsafeMutablePointer<CChar>?.self)
        do {
            self.init(try WireConversion.string(value))
        } catch {
            throw error.within(field: "value")
        }
    }

    private static var cDescriptor: UnsafePointer<ProtobufCMessageDescriptor> {
        SchemaRegistry.shared.message(protoName)!.descriptor
    }

    public func protobuf() throws(WireError) -> [UInt8] {
        let arena = ProtobufCArena.acquire()
        defer { arena.relinquish() }
        let descriptor = Self.cDescriptor
        let message = arena.allocate(bytes: Int(descriptor.pointee.sizeof_message))
        agora_protobuf_init(descriptor, message)
        do {
            message.storeBytes(of: try arena.string(value), toByteOffset: IdentifierLayout.valueOffset,
                               as: UnsafeMutablePointer<CChar>.self)
        } catch {
            throw error.within(field: Self.protoName + ".value")
        }
        return ProtobufCCodec.pack(message.assumingMemoryBound(to: ProtobufCMessage.self))
    }

    public init(protobuf bytes: [UInt8]) throws(WireError) {
        let arena = ProtobufCArena.acquire()
        defer { arena.relinquish() }
        let descriptor = Self.cDescriptor
        self = try arena.withAllocator { (allocator) throws(WireError) -> Self in
            let unpacked = bytes.withUnsafeBufferPointer { buffer in
                protobuf_c_message_unpack(descriptor, allocator, buffer.count, buffer.baseAddress)
            }
            do throws(WireError) {
                guard let unpacked else {
                    throw WireScanner.diagnose(bytes, descriptor: descriptor)
                }
                return try Self(cIdentifier: UnsafeRawPointer(unpacked))
            } catch {
                throw error.within(field: Self.protoName)
            }
        }
    }

    public func writeJSON(to json: inout JSONWriter) throws(WireError) {
        json.beginObject()
        json.field("value")
        json.string(value)
        json.endObject()
    }

    public init(json: inout JSONReader) throws(WireError) {
        var value: String?
        try json.beginObject()
        while let field = try json.nextField(identifierJSONFields) {
            if field == 0 {
                do { value = try json.readString() } catch { throw error.within(field: "value") }
            } else {
                try json.skipValue()
            }
        }
        guard let value else { throw WireError(.missingRequiredField, field: "value", "required field is missing") }
        self.init(value)
    }
}

/// Generic types have no static stored properties: the id messages' one key table lives here.
private let identifierJSONFields = JSONFieldTable(["value"])
