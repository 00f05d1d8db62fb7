internal import CLibUV
import Glibc

/// One TCP stream: reads delivered as events, queued writes with a high-water mark, one close. The first write of a
/// loop turn goes at once (the peer starts on it while this loop works on) and the later ones are corked, to go to
/// the kernel together at the end of the loop's phase (`WriteFlusher`): a burst of events to one subscriber, or of
/// calls a client pipelines (a framework acknowledging the updates of one turn), is one system call.
public final class TCPConnection: LoopHandle {
    /// What a read delivers.
    public enum ReadEvent {
        case data([UInt8])
        case end
        case failed(RuntimeError)
    }

    private var reader: ((ReadEvent) -> Void)?
    /// What `closeAfterFlush` was asked to run once the deferred close happened.
    private var closeCompletion: (() -> Void)?
    /// Bytes accepted by `write` and not yet handed to the kernel.
    public private(set) var pendingWriteBytes = 0
    /// Every byte `write` ever accepted on this connection: a position in its outgoing stream.
    public private(set) var bytesWritten = 0
    /// How far into the outgoing stream the kernel has taken the bytes.
    public var bytesSent: Int { bytesWritten - pendingWriteBytes }
    /// Above this many pending bytes `isWritable` turns false; callers should stop producing.
    public var highWaterMark = 1 << 20
    /// Called once pending bytes drop back under half the high-water mark after exceeding it.
    public var onWritable: (() -> Void)?
    /// The bytes written in this loop turn after its first write and not yet handed on, with their writers'
    /// completions.
    private var corked: [UInt8] = []
    private var corkedCompletions: [(RuntimeError?) -> Void] = []
    // The flags come last and together: each alone between 8-byte fields took 8 bytes (per connection).
    private var closeWhenFlushed = false
    private var wasBlocked = false
    /// Whether this connection wrote in the current loop turn.
    private var wroteThisTurn = false
    /// Writes handed to libuv and not completed; 32 bits, beside the flags, to keep the object in a smaller size
    /// class (more than four billion writes in flight would have exhausted memory long before).
    private var pendingWrites: UInt32 = 0

    init(loop: Loop) throws(RuntimeError) {
        super.init(loop: loop, type: UV_TCP)
        try check(uv_tcp_init(loop.raw, tcp), "uv_tcp_init")
        didOpen()
    }

    var tcp: UnsafeMutablePointer<uv_tcp_t> { memory.assumingMemoryBound(to: uv_tcp_t.self) }
    var stream: UnsafeMutablePointer<uv_stream_t> { agora_uv_stream(memory) }

    /// Opens a connection; `completion` gets the connected stream or the error (and the stream is closed).
    public static func connect(
        loop: Loop, to address: SocketAddress,
        _ completion: @escaping (Result<TCPConnection, RuntimeError>) -> Void
    ) throws(RuntimeError) {
        let connection = try TCPConnection(loop: loop)
        let request = ConnectRequest(connection: connection, completion: completion)
        do {
            _ = try address.withSockaddr { (sockaddr) throws(RuntimeError) in
                try check(uv_tcp_connect(request.raw, connection.tcp, sockaddr) { raw, status in
                    guard let raw, let data = raw.pointee.data else { return }
                    let request = Unmanaged<ConnectRequest>.fromOpaque(data).takeRetainedValue()
                    request.finish(status: status)
                }, "uv_tcp_connect")
            }
            request.retainUntilCallback()
        } catch {
            connection.close()
            throw error
        }
    }

    /// The remote end's address, when known.
    public var peerAddress: SocketAddress? {
        SocketAddress.named { uv_tcp_getpeername(tcp, $0, $1) }
    }

    /// Disables Nagle's algorithm (small writes go out at once).
    public func setNoDelay(_ enabled: Bool) {
        guard isOpen else { return }
        uv_tcp_nodelay(tcp, enabled ? 1 : 0)
    }

    /// Starts delivering reads; `.end` and `.failed` are the last events.
    public func startReading(_ reader: @escaping (ReadEvent) -> Void) throws(RuntimeError) {
        guard isOpen else { throw RuntimeError(code: "ECLOSED", message: "connection is closed", call: "startReading") }
        self.reader = reader
        try resumeReading()
    }

    /// Resumes reads paused with `pauseReading()` (back-pressure).
    public func resumeReading() throws(RuntimeError) {
        guard isOpen, reader != nil else { return }
        try check(uv_read_start(stream, { handle, _, buffer in
            guard let connection = TCPConnection.owner(UnsafeMutableRawPointer(handle), as: TCPConnection.self) else {
                return
            }
            buffer?.pointee = connection.loop.readBufferForLibUV
        }, { handle, count, buffer in
            guard let connection = TCPConnection.owner(UnsafeMutableRawPointer(handle), as: TCPConnection.self) else {
                return
            }
            connection.didRead(count: count, base: buffer?.pointee.base)
        }), "uv_read_start")
    }

    /// Stops reading until `resumeReading()`; the kernel buffers, the peer slows down.
    public func pauseReading() {
        guard isOpen else { return }
        uv_read_stop(stream)
    }

    private func didRead(count: Int, base: UnsafeMutablePointer<CChar>?) {
        if count > 0, let base {
            let bytes = [UInt8](UnsafeRawBufferPointer(start: base, count: count))
            reader?(.data(bytes))
        } else if count == Int(UV_EOF.rawValue) {
            uv_read_stop(stream)
            reader?(.end)
        } else if count < 0 {
            uv_read_stop(stream)
            reader?(.failed(RuntimeError(status: Int32(count), call: "uv_read")))
        }
    }

    /// Whether the caller may keep writing without growing the queue past the high-water mark.
    public var isWritable: Bool { pendingWriteBytes < highWaterMark }

    /// Queues bytes for writing, in order. `completion` gets nil once they reached the kernel.
    public func write(_ bytes: [UInt8], completion: ((RuntimeError?) -> Void)? = nil) {
        guard isOpen, !closeWhenFlushed else {
            completion?(RuntimeError(code: "ECLOSED", message: "connection is closed", call: "write"))
            return
        }
        if bytes.isEmpty {
            completion?(nil)
            return
        }
        bytesWritten += bytes.count
        guard wroteThisTurn else {
            wroteThisTurn = true
            loop.cork(self)
            return send(bytes, completion: completion)
        }
        corked += bytes
        if let completion { corkedCompletions.append(completion) }
        pendingWriteBytes += bytes.count
        if !isWritable { wasBlocked = true }
    }

    /// Hands the corked bytes on: straight to the kernel when nothing is queued before them, else behind the queue.
    func flushCorked() {
        wroteThisTurn = false
        guard !corked.isEmpty, uv_is_closing(handle) == 0 else { return }
        let bytes = corked
        let completions = corkedCompletions
        corked = []
        corkedCompletions = []
        pendingWriteBytes -= bytes.count
        send(bytes, completion: completions.isEmpty ? nil : { error in for completion in completions { completion(error) } })
        if wasBlocked && pendingWriteBytes < highWaterMark / 2 {
            wasBlocked = false
            onWritable?()
        }
    }

    private func send(_ bytes: [UInt8], completion: ((RuntimeError?) -> Void)?) {
        var offset = 0
        if pendingWrites == 0 {
            let written = bytes.withUnsafeBufferPointer { buffer -> Int32 in
                var uvBuffer = agora_uv_buf(
                    UnsafeMutableRawPointer(mutating: buffer.baseAddress!).assumingMemoryBound(to: CChar.self),
                    buffer.count)
                return uv_try_write(stream, &uvBuffer, 1)
            }
            if written == Int32(bytes.count) {
                completion?(nil)
                return
            }
            if written > 0 { offset = Int(written) }
        }
        let request = WriteRequest(bytes: bytes[offset...], connection: self, completion: completion)
        var uvBuffer = agora_uv_buf(request.buffer.assumingMemoryBound(to: CChar.self), request.count)
        let status = uv_write(request.raw, stream, &uvBuffer, 1) { raw, status in
            guard let raw, let data = raw.pointee.data else { return }
            Unmanaged<WriteRequest>.fromOpaque(data).takeRetainedValue().finish(status: status)
        }
        if status < 0 {
            completion?(RuntimeError(status: status, call: "uv_write"))
            return
        }
        request.retainUntilCallback()
        pendingWrites += 1
        pendingWriteBytes += request.count
        if !isWritable { wasBlocked = true }
    }

    fileprivate func writeFinished(count: Int) {
        pendingWrites -= 1
        pendingWriteBytes -= count
        if wasBlocked && pendingWriteBytes < highWaterMark / 2 {
            wasBlocked = false
            onWritable?()
        }
        if closeWhenFlushed && pendingWrites == 0 {
            close(closeCompletion)
        }
    }

    /// Closes once every queued write has been handed to the kernel.
    public func closeAfterFlush(_ completion: (() -> Void)? = nil) {
        guard isOpen else { return }
        flushCorked()
        if pendingWrites == 0 {
            close(completion)
        } else {
            closeWhenFlushed = true
            closeCompletion = completion
        }
    }

    /// What was written just before an immediate close still goes (as far as the kernel takes it at once).
    override func willClose() {
        flushCorked()
    }

    override func didClose() {
        corked = []
        corkedCompletions = []
        closeCompletion = nil
        reader = nil
        onWritable = nil
    }
}

/// A `uv_connect_t` kept alive (retained through `data`) until libuv calls back.
private final class ConnectRequest {
    let raw = UnsafeMutablePointer<uv_connect_t>.allocate(capacity: 1)
    let connection: TCPConnection
    let completion: (Result<TCPConnection, RuntimeError>) -> Void

    init(connection: TCPConnection, completion: @escaping (Result<TCPConnection, RuntimeError>) -> Void) {
        self.connection = connection
        self.completion = completion
    }

    func retainUntilCallback() { raw.pointee.data = Unmanaged.passRetained(self).toOpaque() }

    func finish(status: Int32) {
        if status < 0 {
            connection.close()
            completion(.failure(RuntimeError(status: status, call: "uv_tcp_connect")))
        } else {
            completion(.success(connection))
        }
    }

    deinit { raw.deallocate() }
}

/// A `uv_write_t` with its own copy of the bytes, freed when libuv calls back.
private final class WriteRequest {
    let raw = UnsafeMutablePointer<uv_write_t>.allocate(capacity: 1)
    let buffer: UnsafeMutableRawPointer
    let count: Int
    let connection: TCPConnection
    let completion: ((RuntimeError?) -> Void)?

    init(bytes: ArraySlice<UInt8>, connection: TCPConnection, completion: ((RuntimeError?) -> Void)?) {
        count = bytes.count
        buffer = .allocate(byteCount: max(bytes.count, 1), alignment: 1)
        let destination = buffer
        bytes.withUnsafeBytes { destination.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        self.connection = connection
        self.completion = completion
    }

    func retainUntilCallback() { raw.pointee.data = Unmanaged.passRetained(self).toOpaque() }

    func finish(status: Int32) {
        connection.writeFinished(count: count)
        completion?(status < 0 ? RuntimeError(status: status, call: "uv_write") : nil)
    }

    deinit {
        buffer.deallocate()
        raw.deallocate()
    }
}
