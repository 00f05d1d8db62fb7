internal import CLibUV

/// A handle of the loop that hands every connection's corked writes to the kernel: what a loop turn wrote to one
/// connection (a burst of events, pipelined answers or calls) goes in one system call. The loop has two: one right
/// before it polls (`uv_prepare`), for what timers and other callbacks wrote, and one right after the poll's callbacks
/// (`uv_check`), so that what they wrote does not wait for the next turn's timers (an allocation cycle, a store's
/// group commit with its fsync). Only the first keeps the loop alive, and only while writes wait; neither is counted
/// in `Loop.openHandles`.
final class WriteFlusher: LoopHandle {
    enum Phase {
        case beforePoll
        case afterPoll
    }

    init(loop: Loop, phase: Phase) throws(RuntimeError) {
        super.init(loop: loop, type: phase == .beforePoll ? UV_PREPARE : UV_CHECK)
        isCounted = false
        switch phase {
        case .beforePoll: try check(uv_prepare_init(loop.raw, prepareHandle), "uv_prepare_init")
        case .afterPoll: try check(uv_check_init(loop.raw, checkHandle), "uv_check_init")
        }
        didOpen()
        uv_unref(handle)
        switch phase {
        case .beforePoll: try check(uv_prepare_start(prepareHandle) { WriteFlusher.flush($0) }, "uv_prepare_start")
        case .afterPoll: try check(uv_check_start(checkHandle) { WriteFlusher.flush($0) }, "uv_check_start")
        }
    }

    private var prepareHandle: UnsafeMutablePointer<uv_prepare_t> { memory.assumingMemoryBound(to: uv_prepare_t.self) }
    private var checkHandle: UnsafeMutablePointer<uv_check_t> { memory.assumingMemoryBound(to: uv_check_t.self) }

    private static func flush<Handle>(_ raw: UnsafeMutablePointer<Handle>?) {
        owner(raw.map(UnsafeMutableRawPointer.init), as: WriteFlusher.self)?.loop.flushWrites()
    }
}
