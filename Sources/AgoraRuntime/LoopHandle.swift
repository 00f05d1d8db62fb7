internal import CLibUV
import Glibc

/// Owns one libuv handle: its memory, its retained `data` pointer, and its single `uv_close`.
///
/// While open, the handle's `data` holds a retained reference to this object, so the object lives
/// at least until libuv's close callback; its memory is freed only in `deinit`, never earlier.
public class LoopHandle {
    /// The loop this handle belongs to.
    public let loop: Loop
    let memory: UnsafeMutableRawPointer
    private var closeCallback: (() -> Void)?
    // The flags come last and together: a subclass's fields then start 8 bytes earlier (one per connection).
    /// Whether the handle was initialised and `close()` has not been called yet.
    public private(set) var isOpen = false
    /// Internal helpers (the test ticker) are not counted in `Loop.openHandles`.
    var isCounted = true

    init(loop: Loop, type: uv_handle_type) {
        self.loop = loop
        let size = uv_handle_size(type)
        memory = .allocate(byteCount: size, alignment: 16)
        memory.initializeMemory(as: UInt8.self, repeating: 0, count: size)
    }

    var handle: UnsafeMutablePointer<uv_handle_t> { memory.assumingMemoryBound(to: uv_handle_t.self) }

    /// Call right after a successful `uv_*_init`.
    func didOpen() {
        isOpen = true
        handle.pointee.data = Unmanaged.passRetained(self).toOpaque()
        if isCounted { loop.openHandles += 1 }
    }

    /// Closes the handle once; `completion` runs from libuv's close callback.
    public func close(_ completion: (() -> Void)? = nil) {
        guard isOpen else { return }
        isOpen = false
        closeCallback = completion
        willClose()
        uv_close(handle) { handle in
            guard let handle, let data = handle.pointee.data else { return }
            handle.pointee.data = nil
            let owner = Unmanaged<LoopHandle>.fromOpaque(data).takeRetainedValue()
            if owner.isCounted { owner.loop.openHandles -= 1 }
            let callback = owner.closeCallback
            owner.closeCallback = nil
            owner.didClose()
            callback?()
        }
    }

    /// Hook for subclasses: runs when `close()` is called.
    func willClose() {}

    /// Hook for subclasses: drop callbacks (and the cycles they may hold) after the close.
    func didClose() {}

    /// Keeps the loop alive for this handle (the default) or lets `run()` return while it is active.
    public func setKeepsLoopAlive(_ keep: Bool) {
        guard isOpen else { return }
        if keep { uv_ref(handle) } else { uv_unref(handle) }
    }

    static func owner<T: LoopHandle>(_ raw: UnsafeMutableRawPointer?, as type: T.Type) -> T? {
        guard let raw else { return nil }
        let handle = raw.assumingMemoryBound(to: uv_handle_t.self)
        guard let data = handle.pointee.data else { return nil }
        return Unmanaged<LoopHandle>.fromOpaque(data).takeUnretainedValue() as? T
    }

    deinit {
        memory.deallocate()
    }
}
