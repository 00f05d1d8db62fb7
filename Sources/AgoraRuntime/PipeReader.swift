internal import CLibUV
import Glibc

/// Reads the parent's end of a pipe on the loop (a task's stdout or stderr), handing each chunk to `onData` and
/// calling `onEnd` once when every writer has closed its end (or the read failed). Closes itself at the end.
public final class PipeReader: LoopHandle {
    private var onData: ((UnsafeRawBufferPointer) -> Void)?
    private var onEnd: (() -> Void)?

    /// Takes ownership of `fd` (the read end of a pipe) and starts reading.
    public init(loop: Loop, fd: Int32, onData: @escaping (UnsafeRawBufferPointer) -> Void,
                onEnd: @escaping () -> Void) throws(RuntimeError) {
        self.onData = onData
        self.onEnd = onEnd
        super.init(loop: loop, type: UV_NAMED_PIPE)
        let pipe = memory.assumingMemoryBound(to: uv_pipe_t.self)
        do {
            try check(uv_pipe_init(loop.raw, pipe, 0), "uv_pipe_init")
            didOpen()
            try check(uv_pipe_open(pipe, uv_file(fd)), "uv_pipe_open")
            try check(uv_read_start(handle.withMemoryRebound(to: uv_stream_t.self, capacity: 1) { $0 }, { handle, _, buffer in
                guard let reader = PipeReader.owner(UnsafeMutableRawPointer(handle), as: PipeReader.self) else { return }
                buffer?.pointee = reader.loop.readBufferForLibUV
            }, { handle, count, buffer in
                guard let reader = PipeReader.owner(UnsafeMutableRawPointer(handle), as: PipeReader.self) else { return }
                if count > 0, let base = buffer?.pointee.base {
                    reader.onData?(UnsafeRawBufferPointer(start: base, count: count))
                } else if count < 0 {
                    reader.finish()
                }
            }), "uv_read_start")
        } catch {
            if !isOpen { Glibc.close(fd) }
            close()
            throw error
        }
    }

    private func finish() {
        let end = onEnd
        onEnd = nil
        onData = nil
        close()
        end?()
    }

    override func didClose() {
        onData = nil
        onEnd = nil
    }
}
