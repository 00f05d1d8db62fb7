internal import CLibUV
import Glibc

/// One libuv event loop. The thread that calls `run()` owns every handle created on it.
public final class Loop {
    let raw: UnsafeMutablePointer<uv_loop_t>
    private var isClosed = false
    /// Handles opened on this loop and not yet closed; zero once everything was cleaned up.
    public internal(set) var openHandles = 0
    /// Connections holding bytes written this turn; they go out together at the end of the turn.
    private var unflushed: [TCPConnection] = []
    /// libuv prepare and check handles that flush them: before the loop would block for I/O, and right after
    /// the I/O callbacks that wrote them. Created on first use, active only while something waits.
    private var flushHooks: (prepare: UnsafeMutablePointer<uv_prepare_t>, check: UnsafeMutablePointer<uv_check_t>)?

    /// Creates a loop. The process ignores SIGPIPE from then on: a write to a vanished peer
    /// becomes an `EPIPE` error on that connection instead of killing the process.
    public init() throws(RuntimeError) {
        agora_ignore_sigpipe()
        raw = .allocate(capacity: 1)
        let status = uv_loop_init(raw)
        if status < 0 {
            raw.deallocate()
            throw RuntimeError(status: status, call: "uv_loop_init")
        }
    }

    /// Runs until no active handle remains or `stop()` is called.
    public func run() {
        uv_run(raw, UV_RUN_DEFAULT)
    }

    /// Runs one iteration without blocking; returns whether work remains.
    @discardableResult
    public func runNoWait() -> Bool {
        uv_run(raw, UV_RUN_NOWAIT) != 0
    }

    /// Makes `run()` return after the current iteration.
    public func stop() {
        uv_stop(raw)
    }

    /// Queues `connection` to hand its buffered bytes to the kernel at the end of this loop turn, so several
    /// writes to one peer in one turn cost one system call (and one wake-up of the peer).
    func flushAtEndOfTurn(_ connection: TCPConnection) {
        if unflushed.isEmpty { startFlushHooks() }
        unflushed.append(connection)
    }

    private func startFlushHooks() {
        let hooks = flushHooks ?? {
            let hooks = (prepare: UnsafeMutablePointer<uv_prepare_t>.allocate(capacity: 1),
                         check: UnsafeMutablePointer<uv_check_t>.allocate(capacity: 1))
            uv_prepare_init(raw, hooks.prepare)
            uv_check_init(raw, hooks.check)
            let owner = Unmanaged.passUnretained(self).toOpaque()
            hooks.prepare.pointee.data = owner
            hooks.check.pointee.data = owner
            flushHooks = hooks
            return hooks
        }()
        uv_prepare_start(hooks.prepare) { handle in
            guard let data = handle?.pointee.data else { return }
            Unmanaged<Loop>.fromOpaque(data).takeUnretainedValue().flushConnections()
        }
        uv_check_start(hooks.check) { handle in
            guard let data = handle?.pointee.data else { return }
            Unmanaged<Loop>.fromOpaque(data).takeUnretainedValue().flushConnections()
        }
    }

    /// Flushes until nothing is left: a flush can let a writer go on (`onWritable`), and bytes written from
    /// the prepare hook would otherwise wait behind a blocking poll.
    private func flushConnections() {
        while !unflushed.isEmpty {
            let connections = unflushed
            unflushed = []
            for connection in connections { connection.flush() }
        }
        if let hooks = flushHooks {
            uv_prepare_stop(hooks.prepare)
            uv_check_stop(hooks.check)
        }
    }

    /// Closes the flush hooks (their memory is freed by libuv's close callbacks on the next run).
    private func closeFlushHooks() {
        guard let hooks = flushHooks else { return }
        flushHooks = nil
        uv_close(agora_uv_handle(hooks.prepare)) { handle in
            handle?.withMemoryRebound(to: uv_prepare_t.self, capacity: 1) { $0.deallocate() }
        }
        uv_close(agora_uv_handle(hooks.check)) { handle in
            handle?.withMemoryRebound(to: uv_check_t.self, capacity: 1) { $0.deallocate() }
        }
    }

    /// The loop's cached clock in milliseconds.
    public var nowMilliseconds: UInt64 { uv_now(raw) }

    /// Runs the loop until `condition` holds or `timeout` passes; for tests and tools.
    /// A short ticker keeps each iteration from blocking past the deadline. Returns whether the condition held.
    @discardableResult
    public func run(until condition: () -> Bool, timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now + timeout
        guard let ticker = try? LoopTimer(loop: self, counted: false) else { return condition() }
        ticker.start(after: .milliseconds(5), repeating: .milliseconds(5)) {}
        defer {
            ticker.close()
            // Let the ticker's close complete now: an unfinished close would keep it (and the loop) alive.
            uv_run(raw, UV_RUN_NOWAIT)
        }
        while !condition() {
            if ContinuousClock.now >= deadline { return false }
            uv_run(raw, UV_RUN_ONCE)
        }
        return true
    }

    /// The libuv type names of every handle not yet closed (including libuv's own), for diagnosing leaks.
    public var openHandleTypes: [String] {
        final class Names { var list: [String] = [] }
        let names = Names()
        withExtendedLifetime(names) {
            uv_walk(raw, { handle, context in
                guard let handle, let context, uv_is_closing(handle) == 0 else { return }
                // The flush hooks are the loop's own, not a leak.
                let type = uv_handle_get_type(handle)
                guard type != UV_PREPARE && type != UV_CHECK else { return }
                let names = Unmanaged<Names>.fromOpaque(context).takeUnretainedValue()
                names.list.append(String(cString: uv_handle_type_name(type)))
            }, Unmanaged.passUnretained(names).toOpaque())
        }
        return names.list
    }

    /// Closes the loop; fails with `EBUSY` while handles are still open.
    public func close() throws(RuntimeError) {
        guard !isClosed else { return }
        closeFlushHooks()
        // Let pending close callbacks run first.
        uv_run(raw, UV_RUN_NOWAIT)
        try check(uv_loop_close(raw), "uv_loop_close")
        isClosed = true
    }

    deinit {
        if !isClosed {
            closeFlushHooks()
            uv_run(raw, UV_RUN_NOWAIT)
            if uv_loop_close(raw) != 0 {
                // Handles are still open: their memory must stay valid, so the loop's is kept too.
                return
            }
        }
        raw.deallocate()
    }
}
