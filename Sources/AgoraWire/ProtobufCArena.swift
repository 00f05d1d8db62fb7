internal import AgoraProto
internal import CProtobufC
import Glibc

/// Memory for the C structs of one message: bump-allocated from a few large blocks and freed all at
/// once when the arena goes. Encoding fills structs here; decoding hands it to libprotobuf-c as its
/// allocator, so an unpacked message is freed without walking it.
final class ProtobufCArena {
    private static let blockSize = 4096
    private var blocks: [UnsafeMutableRawPointer] = []
    private var cursor: UnsafeMutableRawPointer?
    private var remaining = 0

    deinit {
        for block in blocks { free(block) }
    }

    /// `size` bytes aligned for any C type; never fails (an exhausted heap traps like any allocation).
    func allocate(bytes size: Int) -> UnsafeMutableRawPointer {
        let rounded = (max(size, 1) + 15) & ~15
        if rounded > remaining {
            let blockSize = max(Self.blockSize, rounded)
            guard let block = malloc(blockSize) else { fatalError("out of memory allocating \(blockSize) bytes") }
            blocks.append(block)
            cursor = block
            remaining = blockSize
        }
        let start = cursor!
        cursor = start + rounded
        remaining -= rounded
        return start
    }

    func allocate<T>(_ type: T.Type, count: Int = 1) -> UnsafeMutablePointer<T> {
        allocate(bytes: MemoryLayout<T>.stride * count).bindMemory(to: T.self, capacity: count)
    }

    /// A NUL-terminated copy; a string holding NUL itself cannot be a C string and is refused.
    func string(_ value: String) throws(WireError) -> UnsafeMutablePointer<CChar> {
        let count = value.utf8.count
        let copy = allocate(CChar.self, count: count + 1)
        let clean = value.withCString { source in
            // Wire strings are short: a loop beats a call to memchr.
            for index in 0..<count where source[index] == 0 { return false }
            memcpy(copy, source, count + 1)
            return true
        }
        guard clean else { throw WireError(.invalidValue, field: nil, "a string holds a NUL character") }
        return copy
    }

    func bytes(_ value: [UInt8]) -> ProtobufCBinaryData {
        let copy = allocate(UInt8.self, count: max(value.count, 1))
        value.withUnsafeBufferPointer { if let base = $0.baseAddress { copy.update(from: base, count: value.count) } }
        return ProtobufCBinaryData(len: value.count, data: copy)
    }

    /// A nested message's C struct, initialised and filled.
    @inline(__always)
    func message<M: ProtobufCMessageConvertible>(_ value: M) throws(WireError) -> UnsafeMutablePointer<M.CMessage> {
        let message = allocate(M.CMessage.self)
        M.cInitialize(message)
        try value.cFill(message, in: self)
        return message
    }

    /// An id message (`{value}`) of the C type `initialize` sets up.
    @inline(__always)
    func identifier<Kind, C>(
        _ id: Identifier<Kind>, _ initialize: (UnsafeMutablePointer<C>?) -> Void
    ) throws(WireError) -> UnsafeMutablePointer<C> {
        let message = allocate(C.self)
        initialize(message)
        UnsafeMutableRawPointer(message).storeBytes(
            of: try string(id.value), toByteOffset: IdentifierLayout.valueOffset, as: UnsafeMutablePointer<CChar>.self)
        return message
    }

    /// A repeated field: its count and a C array of the converted elements (nil when empty).
    @inline(__always)
    func list<T, E>(
        _ values: [T], _ convert: (T) throws(WireError) -> E
    ) throws(WireError) -> (Int, UnsafeMutablePointer<E>?) {
        guard !values.isEmpty else { return (0, nil) }
        let array = allocate(E.self, count: values.count)
        var failure: WireError?
        values.withUnsafeBufferPointer { items in
            for index in items.indices {
                do throws(WireError) {
                    (array + index).initialize(to: try convert(items[index]))
                } catch {
                    failure = error.within(index: index)
                    return
                }
            }
        }
        if let failure { throw failure }
        return (values.count, array)
    }

    /// This arena as libprotobuf-c's allocator; `free` does nothing, the arena frees everything at once.
    func withAllocator<R>(_ body: (UnsafeMutablePointer<ProtobufCAllocator>) throws(WireError) -> R) throws(WireError) -> R {
        var allocator = ProtobufCAllocator(
            alloc: { data, size in
                Unmanaged<ProtobufCArena>.fromOpaque(data!)._withUnsafeGuaranteedRef { $0.allocate(bytes: size) }
            },
            free: { _, _ in },
            allocator_data: Unmanaged.passUnretained(self).toOpaque())
        return try withExtendedLifetime(self) { () throws(WireError) -> R in try body(&allocator) }
    }
}

/// Where the `value` string sits in every id message's C struct (all are `{base, value}`).
enum IdentifierLayout {
    static let valueOffset = MemoryLayout<Mesos__V1__FrameworkID>.offset(of: \Mesos__V1__FrameworkID.value)!
}
