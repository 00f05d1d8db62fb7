internal import CLibUV

/// The loop's `uv_prepare` handle that hands every connection's corked writes to the kernel right before the loop
/// polls: what a loop turn wrote to one connection (a burst of events, pipelined answers) goes in one system call.
/// It keeps the loop alive only while writes wait; it is not counted in `Loop.openHandles`.
final class WriteFlusher: LoopHandle {
    init(loop: Loop) throws(RuntimeError) {
        super.init(loop: loop, type: UV_PREPARE)
        isCounted = false
        let prepare = memory.assumingMemoryBound(to: uv_prepare_t.self)
        try check(uv_prepare_init(loop.raw, prepare), "uv_prepare_init")
        didOpen()
        uv_unref(handle)
        try check(uv_prepare_start(prepare) { raw in
            WriteFlusher.owner(raw.map(UnsafeMutableRawPointer.init), as: WriteFlusher.self)?.loop.flushWrites()
        }, "uv_prepare_start")
    }
}
