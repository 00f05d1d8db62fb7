internal import CProtobufC

/// Binary protobuf through libprotobuf-c: a message fills its generated C struct in an arena and
/// `protobuf_c_message_pack` writes the bytes; `protobuf_c_message_unpack` (allocating from an arena)
/// reads them back into the struct, which the generated code turns into the Swift value.
enum ProtobufCCodec {
    static func encode<M: ProtobufCMessageConvertible>(_ value: M) throws(WireError) -> [UInt8] {
        let arena = ProtobufCArena.acquire()
        defer { arena.relinquish() }
        do {
            let message = try arena.message(value)
            return pack(UnsafeMutableRawPointer(message).assumingMemoryBound(to: ProtobufCMessage.self))
        } catch {
            throw error.within(field: M.protoName)
        }
    }

    static func decode<M: ProtobufCMessageConvertible>(_ bytes: [UInt8]) throws(WireError) -> M {
        do throws(WireError) {
            let arena = ProtobufCArena.acquire()
            defer { arena.relinquish() }
            let descriptor = M.cDescriptor
            return try arena.withAllocator { (allocator) throws(WireError) -> M in
                let unpacked = bytes.withUnsafeBufferPointer { buffer in
                    protobuf_c_message_unpack(descriptor, allocator, buffer.count, buffer.baseAddress)
                }
                guard let unpacked else {
                    // libprotobuf-c only says no; find out why for the caller.
                    throw WireScanner.diagnose(bytes, descriptor: descriptor)
                }
                return try M(cMessage: UnsafeRawPointer(unpacked).assumingMemoryBound(to: M.CMessage.self))
            }
        } catch {
            throw error.within(field: M.protoName)
        }
    }

    static func pack(_ message: UnsafePointer<ProtobufCMessage>) -> [UInt8] {
        let size = protobuf_c_message_get_packed_size(message)
        return [UInt8](unsafeUninitializedCapacity: max(size, 1)) { buffer, count in
            count = protobuf_c_message_pack(message, buffer.baseAddress!)
        }
    }
}

/// libprotobuf-c alone, for benchmarks: what unpacking and repacking bytes costs with no Swift value
/// on either side — the floor under `WireMessage.init(protobuf:)` plus `protobuf()`.
public enum ProtobufCFloor {
    /// Unpacks `bytes` as `type`'s message and packs it again; nil when libprotobuf-c refuses them.
    public static func unpackAndPack<M: WireMessage>(_ bytes: [UInt8], as type: M.Type) -> [UInt8]? {
        guard let descriptor = SchemaRegistry.shared.message(M.protoName)?.descriptor else { return nil }
        let unpacked = bytes.withUnsafeBufferPointer { buffer in
            protobuf_c_message_unpack(descriptor, nil, buffer.count, buffer.baseAddress)
        }
        guard let unpacked else { return nil }
        defer { protobuf_c_message_free_unpacked(unpacked, nil) }
        return ProtobufCCodec.pack(unpacked)
    }
}
