internal import AgoraProto
internal import CProtobufC
import Glibc

/// Memory for the C structs of one message: bump-allocated from a few large blocks and freed all at
/// once when the message is done. Encoding fills structs here; decoding hands it to libprotobuf-c as
/// its allocator, so an unpacked message is freed without walking it. Each thread keeps an arena for its
/// next message (`acquire`, `relinquish`): a fresh arena per message was an object, an array and a 4 KiB block
/// from a fragmented heap each time (8 % of the master's CPU).
final class ProtobufCArena {
    private static let blockSize = 4096
    private var blocks: [UnsafeMutableRawPointer] = []
    /// Allocations larger than a block, each in its own.
    private var largeBlocks: [UnsafeMutableRawPointer] = []
    private var cursor: UnsafeMutableRawPointer?
    private var remaining = 0
    /// Whether a message is using this thread's arena now (one nested inside it gets an arena of its own).
    private var inUse = false

    deinit {
        for block in blocks { free(block) }
        for block in largeBlocks { free(block) }
    }

    /// Forgets every allocation; keeps the first block for the next message.
    private func reset() {
        if !largeBlocks.isEmpty {
            for block in largeBlocks { free(block) }
            largeBlocks.removeAll(keepingCapacity: true)
        }
        guard let first = blocks.first else { return }
        if blocks.count > 1 {
            for block in blocks.dropFirst() { free(block) }
            blocks.removeSubrange(1...)
        }
        cursor = first
        remaining = Self.blockSize
    }

    /// This thread's arena, marked in use (a new arena while a caller up the stack uses it); hand it back with
    /// `relinquish()` when the message is done.
    static func acquire() -> ProtobufCArena {
        guard let kept = pthread_getspecific(threadArenaKey) else {
            let arena = ProtobufCArena()
            pthread_setspecific(threadArenaKey, Unmanaged.passRetained(arena).toOpaque())
            arena.inUse = true
            return arena
        }
        let arena = Unmanaged<ProtobufCArena>.fromOpaque(kept).takeUnretainedValue()
        guard !arena.inUse else { return ProtobufCArena() }
        arena.inUse = true
        return arena
    }

    /// Empties the thread's arena for its next message (an arena of a nested message just goes).
    func relinquish() {
        guard inUse else { return }
        reset()
        inUse = false
    }

    /// The slot of each thread's arena; a thread that ends releases its arena.
    private static let threadArenaKey: pthread_key_t = {
        var key = pthread_key_t()
        let created = pthread_key_create(&key) { kept in
            guard let kept else { return }
            Unmanaged<ProtobufCArena>.fromOpaque(kept).release()
        }
        precondition(created == 0, "pthread_key_create failed (\(created))")
        return key
    }()

    /// `size` bytes aligned for any C type; never fails (an exhausted heap traps like any allocation).
    func allocate(bytes size: Int) -> UnsafeMutableRawPointer {
        let rounded = (max(size, 1) + 15) & ~15
        if rounded > remaining {
            guard rounded <= Self.blockSize else {
                let block = Self.block(bytes: rounded)
                largeBlocks.append(block)
                return block
            }
            let block = Self.block(bytes: Self.blockSize)
            blocks.append(block)
            cursor = block
            remaining = Self.blockSize
        }
        let start = cursor!
        cursor = start + rounded
        remaining -= rounded
        return start
    }

    private static func block(bytes: Int) -> UnsafeMutableRawPointer {
        guard let block = malloc(bytes) else { fatalError("out of memory allocating \(bytes) bytes") }
        return block
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
