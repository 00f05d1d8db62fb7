internal import CProtobufC
import Glibc

/// A generated Swift message type that fills and reads its protobuf-c struct directly.
protocol ProtobufCMessageConvertible: WireMessage {
    associatedtype CMessage
    /// The descriptor protoc-c generated for this message.
    static var cDescriptor: UnsafePointer<ProtobufCMessageDescriptor> { get }
    /// Runs protoc-c's `…__init` on fresh memory.
    static func cInitialize(_ message: UnsafeMutablePointer<CMessage>)
    /// Stores every present field; nested messages, strings and arrays live in `arena`.
    func cFill(_ message: UnsafeMutablePointer<CMessage>, in arena: ProtobufCArena) throws(WireError)
    /// Reads an unpacked struct, checking what protobuf-c does not (UTF-8, enum values, integer ranges).
    init(cMessage: UnsafePointer<CMessage>) throws(WireError)
}

/// A Swift enum standing for a proto enum: its cases' raw values are the proto names.
protocol ProtoEnum: RawRepresentable<String> {
    static var protoEnumName: String { get }
    init(protoNumber: Int32) throws(WireError)
    var protoNumber: Int32 { get }
    /// The proto name of any number the proto enum defines, whether or not Agora has a case for it.
    static func protoName(of number: Int32) -> String?
    static func protoNumber(named name: String) -> Int32?
}

extension ProtoEnum {
    /// Why `number` has no case: not in the proto at all, or a value Agora does not implement.
    static func refusal(number: Int32) -> WireError {
        if let name = protoName(of: number) {
            return WireError(.invalidValue, field: nil, "\(name) of \(protoEnumName) is not supported by Agora")
        }
        return WireError(.unknownEnumValue, field: nil, "\(number) is not a value of \(protoEnumName)")
    }

    static func refusal(name: String) -> WireError {
        if let number = protoNumber(named: name) { return refusal(number: number) }
        return WireError(.unknownEnumValue, field: nil, "\"\(name)\" is not a value of \(protoEnumName)")
    }
}

/// The conversions generated codecs share: checked integer narrowing and reading C values back.
enum WireConversion {
    /// `value` as `T`, or `.outOfRange` naming the proto (or Swift) type it does not fit.
    @inline(__always)
    static func exact<S: BinaryInteger, T: FixedWidthInteger>(_ value: S, as type: T.Type, proto: StaticString) throws(WireError) -> T {
        guard let converted = T(exactly: value) else {
            throw WireError(.outOfRange, field: nil, "\(value) does not fit \(proto)")
        }
        return converted
    }

    /// A pointer libprotobuf-c guarantees for present fields; a NULL is reported, never dereferenced.
    @inline(__always)
    static func present<T>(_ pointer: UnsafeMutablePointer<T>?) throws(WireError) -> UnsafePointer<T> {
        guard let pointer else { throw WireError(.missingRequiredField, field: nil, "embedded message is missing") }
        return UnsafePointer(pointer)
    }

    static func string(_ pointer: UnsafeMutablePointer<CChar>?) throws(WireError) -> String {
        guard let pointer else { return "" }
        let utf8 = UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self)
        guard let string = utf8String(UnsafeBufferPointer(start: utf8, count: strlen(pointer))) else {
            throw WireError(.invalidValue, field: nil, "string is not valid UTF-8")
        }
        return string
    }

    /// `bytes` as a String when they are valid UTF-8; ASCII (nearly every wire string) skips the
    /// general validator.
    static func utf8String(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        var ascii = true
        for byte in bytes where byte >= 0x80 {
            ascii = false
            break
        }
        return ascii ? String(decoding: bytes, as: UTF8.self) : String(validating: bytes, as: UTF8.self)
    }

    static func bytes(_ data: ProtobufCBinaryData) -> [UInt8] {
        guard data.len > 0, let base = data.data else { return [] }
        return Array(UnsafeBufferPointer(start: base, count: data.len))
    }

    /// Whether an optional string field was present: set, and not protobuf-c's shared default.
    @inline(__always)
    static func isSet(_ pointer: UnsafeMutablePointer<CChar>?, default initial: UnsafeRawPointer?) -> Bool {
        guard let pointer else { return false }
        return UnsafeRawPointer(pointer) != initial
    }

    /// A field's value in a freshly initialised struct (the address of a string field's default).
    static func initialValue<C, V>(
        of type: C.Type, initialize: (UnsafeMutablePointer<C>?) -> Void, _ read: (C) -> V
    ) -> V {
        let message = UnsafeMutablePointer<C>.allocate(capacity: 1)
        defer { message.deallocate() }
        initialize(message)
        return read(message.pointee)
    }

    /// The descriptor `initialize` (protoc-c's `…__init`) sets in a message of type `C`.
    static func descriptor<C>(
        of type: C.Type, initialize: (UnsafeMutablePointer<C>?) -> Void
    ) -> UnsafePointer<ProtobufCMessageDescriptor> {
        initialValue(of: type, initialize: initialize) { message in
            withUnsafeBytes(of: message) { $0.load(as: ProtobufCMessage.self).descriptor }
        }
    }

    @inline(__always)
    static func list<E, T>(
        _ count: Int, _ array: UnsafeMutablePointer<E>?, _ convert: (E) throws(WireError) -> T
    ) throws(WireError) -> [T] {
        guard count > 0, let array else { return [] }
        var items: [T] = []
        items.reserveCapacity(count)
        for index in 0..<count {
            do {
                items.append(try convert(array[index]))
            } catch {
                throw error.within(index: index)
            }
        }
        return items
    }
}
