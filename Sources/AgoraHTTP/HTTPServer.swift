import AgoraRuntime

/// An HTTP/1.1 server on one loop: keep-alive, pipelining in order, limits, streaming responses.
public final class HTTPServer {
    /// Bounds that protect the server from a misbehaving client.
    public struct Limits: Sendable {
        /// Request line plus headers.
        public var maxHeaderBytes = 64 * 1024
        /// A request body, Content-Length or chunked.
        public var maxBodyBytes = 8 * 1024 * 1024
        /// A connection with nothing in flight closes after this long without input.
        public var idleTimeout: Duration = .seconds(60)
        /// Requests parsed but unanswered before the server stops reading from that client.
        public var maxPipelinedRequests = 64

        public init() {}
    }

    /// What every connection of one server shares: its limits, its handler and where a closed connection reports.
    final class Shared {
        let limits: Limits
        let handler: (HTTPRequest, HTTPResponder) -> Void
        var onClosed: (HTTPServerConnection) -> Void = { _ in }

        init(limits: Limits, handler: @escaping (HTTPRequest, HTTPResponder) -> Void) {
            self.limits = limits
            self.handler = handler
        }
    }

    private let listener: TCPListener
    private let shared: Shared
    private var connections: [ObjectIdentifier: HTTPServerConnection] = [:]
    /// One timer for every connection's idle timeout (a timer each was a few hundred bytes per connection): it looks
    /// at them four times per timeout, so a connection goes between one and one and a quarter timeouts after its
    /// last input.
    private let idleSweep: LoopTimer

    /// Binds `address` (port 0 picks one) and starts serving with `handler`.
    public init(
        loop: Loop, address: SocketAddress, limits: Limits = Limits(),
        handler: @escaping (HTTPRequest, HTTPResponder) -> Void
    ) throws(RuntimeError) {
        shared = Shared(limits: limits, handler: handler)
        listener = try TCPListener(loop: loop, address: address)
        idleSweep = try LoopTimer(loop: loop)
        shared.onClosed = { [weak self] closed in self?.connections[ObjectIdentifier(closed)] = nil }
        try listener.listen { [unowned self] tcp in self.accept(tcp) }
        let timeout = limits.idleTimeout.milliseconds
        let interval = Duration.milliseconds(max(1, timeout / 4))
        idleSweep.start(after: interval, repeating: interval) { [weak self, unowned loop] in
            guard let self else { return }
            let now = loop.nowMilliseconds
            for connection in Array(self.connections.values) { connection.sweepIdle(now: now, timeout: timeout) }
        }
    }

    /// Serves the routes of `router`.
    public convenience init(loop: Loop, address: SocketAddress, limits: Limits = Limits(), router: Router)
        throws(RuntimeError) {
        try self.init(loop: loop, address: address, limits: limits) { request, responder in
            router.handle(request, responder)
        }
    }

    /// The address actually bound.
    public var localAddress: SocketAddress { listener.localAddress ?? SocketAddress(host: "0.0.0.0", port: 0) }

    /// Open client connections.
    public var connectionCount: Int { connections.count }

    private func accept(_ tcp: TCPConnection) {
        let connection = HTTPServerConnection(tcp: tcp, server: shared)
        connections[ObjectIdentifier(connection)] = connection
        connection.start()
    }

    /// Stops listening and closes every client connection (open streams see their `onClose`).
    public func close() {
        idleSweep.close()
        listener.close()
        for connection in Array(connections.values) { connection.close() }
    }
}
