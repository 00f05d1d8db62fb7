internal import CLibUV
import Synchronization

/// Lets other threads hand work to a loop: `post` from anywhere, the work runs on the loop's thread.
///
/// This is the only lock in the runtime; it guards the queue between threads, never loop state.
public final class LoopMailbox: LoopHandle, @unchecked Sendable {
    private let queue = Mutex<(open: Bool, work: [@Sendable () -> Void])>((true, []))

    public init(loop: Loop) throws(RuntimeError) {
        super.init(loop: loop, type: UV_ASYNC)
        try check(uv_async_init(loop.raw, raw) { handle in
            LoopMailbox.owner(handle.map(UnsafeMutableRawPointer.init), as: LoopMailbox.self)?.drain()
        }, "uv_async_init")
        didOpen()
    }

    var raw: UnsafeMutablePointer<uv_async_t> { memory.assumingMemoryBound(to: uv_async_t.self) }

    /// Queues `work` for the loop's thread. Safe from any thread; returns false once the mailbox closed.
    @discardableResult
    public func post(_ work: @escaping @Sendable () -> Void) -> Bool {
        queue.withLock { state -> Bool in
            guard state.open else { return false }
            state.work.append(work)
            // Sending under the lock keeps the handle from being closed underneath the call.
            uv_async_send(raw)
            return true
        }
    }

    private func drain() {
        let batch = queue.withLock { state -> [@Sendable () -> Void] in
            let work = state.work
            state.work.removeAll()
            return work
        }
        for work in batch { work() }
    }

    override func willClose() {
        queue.withLock { $0.open = false }
    }
}
