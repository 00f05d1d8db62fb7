internal import CLibUV
import Glibc

/// A listening TCP socket that hands each accepted connection to a callback.
public final class TCPListener: LoopHandle {
    private var onConnection: ((TCPConnection) -> Void)?
    /// Called when accepting fails (for example too many open files); the listener keeps going.
    public var onAcceptError: ((RuntimeError) -> Void)?

    /// Binds to `address`; port 0 picks a free port (see `localAddress`).
    public init(loop: Loop, address: SocketAddress) throws(RuntimeError) {
        super.init(loop: loop, type: UV_TCP)
        try check(uv_tcp_init(loop.raw, tcp), "uv_tcp_init")
        didOpen()
        do {
            _ = try address.withSockaddr { (sockaddr) throws(RuntimeError) in
                try check(uv_tcp_bind(tcp, sockaddr, 0), "uv_tcp_bind(\(address))")
            }
        } catch {
            close()
            throw error
        }
    }

    var tcp: UnsafeMutablePointer<uv_tcp_t> { memory.assumingMemoryBound(to: uv_tcp_t.self) }

    /// The bound address, with the real port when 0 was asked for.
    public var localAddress: SocketAddress? {
        SocketAddress.named { uv_tcp_getsockname(tcp, $0, $1) }
    }

    /// Starts accepting; each connection arrives open and not yet reading.
    /// On failure (for example `EADDRINUSE`) the listener is closed.
    public func listen(backlog: Int32 = 511, _ onConnection: @escaping (TCPConnection) -> Void) throws(RuntimeError) {
        self.onConnection = onConnection
        let status = uv_listen(agora_uv_stream(memory), backlog) { server, status in
            guard let listener = TCPListener.owner(UnsafeMutableRawPointer(server), as: TCPListener.self) else {
                return
            }
            listener.accept(status: status)
        }
        if status < 0 {
            close()
            throw RuntimeError(status: status, call: "uv_listen")
        }
    }

    private func accept(status: Int32) {
        guard status >= 0 else {
            onAcceptError?(RuntimeError(status: status, call: "uv_listen"))
            return
        }
        do {
            let connection = try TCPConnection(loop: loop)
            let accepted = uv_accept(agora_uv_stream(memory), connection.stream)
            if accepted < 0 {
                connection.close()
                onAcceptError?(RuntimeError(status: accepted, call: "uv_accept"))
                return
            }
            onConnection?(connection)
        } catch {
            onAcceptError?(error)
        }
    }

    override func didClose() {
        onConnection = nil
        onAcceptError = nil
    }
}
