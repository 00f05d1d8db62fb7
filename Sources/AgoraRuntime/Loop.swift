internal import CLibUV
import Glibc

/// One libuv event loop. The thread that calls `run()` owns every handle created on it.
public final class Loop {
    let raw: UnsafeMutablePointer<uv_loop_t>
    private var isClosed = false
    /// Handles opened on this loop and not yet closed; zero once everything was cleaned up.
    public internal(set) var openHandles = 0
    private var readBufferStorage: UnsafeMutableRawPointer?
    static let readBufferSize = 64 * 1024
    /// Connections that wrote this turn, their later writes corked and flushed together right after the poll's
    /// callbacks or right before the next poll (`WriteFlusher`).
    private var corkedConnections: [TCPConnection] = []
    private var flusher: WriteFlusher?
    private var afterPollFlusher: WriteFlusher?

    /// The one buffer every connection, pipe and datagram socket of this loop reads into: libuv fills it right
    /// before a read callback, which consumes it before returning, so one serves them all (a buffer per connection
    /// kept a page or two resident for each of thousands of idle connections).
    var readBuffer: UnsafeMutableRawPointer {
        if let readBufferStorage { return readBufferStorage }
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: Loop.readBufferSize, alignment: 16)
        readBufferStorage = buffer
        return buffer
    }

    /// `readBuffer` as libuv's buffer type.
    var readBufferForLibUV: uv_buf_t { agora_uv_buf(readBuffer.assumingMemoryBound(to: CChar.self), Loop.readBufferSize) }

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

    /// Takes a connection that wrote for the first time this turn; without a flusher (the loop is out of handles)
    /// its writes all go at once.
    func cork(_ connection: TCPConnection) {
        if flusher == nil, !isClosed {
            flusher = try? WriteFlusher(loop: self, phase: .beforePoll)
            afterPollFlusher = try? WriteFlusher(loop: self, phase: .afterPoll)
        }
        guard let flusher, flusher.isOpen else { return connection.flushCorked() }
        if corkedConnections.isEmpty { flusher.setKeepsLoopAlive(true) }
        corkedConnections.append(connection)
    }

    /// Hands every corked write to the kernel. A flush may cork more (a completion or `onWritable` that writes
    /// again); those go in the same pass, since the loop may next block in poll with nothing else to wake it. Each
    /// round sends what the kernel takes at once, so the rounds end when a socket's buffer is full or nothing is
    /// written back.
    func flushWrites() {
        while !corkedConnections.isEmpty {
            let connections = corkedConnections
            corkedConnections.removeAll(keepingCapacity: true)
            for connection in connections { connection.flushCorked() }
        }
        flusher?.setKeepsLoopAlive(false)
    }

    /// Runs until no active handle remains or `stop()` is called.
    /// Writes corked in its last turn are handed to the kernel before it returns (the program may exit next).
    public func run() {
        uv_run(raw, UV_RUN_DEFAULT)
        flushWrites()
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
                let names = Unmanaged<Names>.fromOpaque(context).takeUnretainedValue()
                names.list.append(String(cString: uv_handle_type_name(uv_handle_get_type(handle))))
            }, Unmanaged.passUnretained(names).toOpaque())
        }
        return names.list
    }

    /// Closes the loop; fails with `EBUSY` while handles are still open.
    public func close() throws(RuntimeError) {
        guard !isClosed else { return }
        flusher?.close()
        flusher = nil
        afterPollFlusher?.close()
        afterPollFlusher = nil
        // Let pending close callbacks run first.
        uv_run(raw, UV_RUN_NOWAIT)
        try check(uv_loop_close(raw), "uv_loop_close")
        isClosed = true
    }

    deinit {
        if !isClosed {
            flusher?.close()
            afterPollFlusher?.close()
            uv_run(raw, UV_RUN_NOWAIT)
            if uv_loop_close(raw) != 0 {
                // Handles are still open: their memory must stay valid, so the loop's is kept too.
                return
            }
        }
        readBufferStorage?.deallocate()
        raw.deallocate()
    }
}
