import AgoraHTTP
import AgoraRuntime
import AgoraRuntimeTesting

/// An HTTP server on its own thread and loop (`LoopThread`), so the client under test runs on another core.
final class BenchServer: @unchecked Sendable {
    private var mailbox: LoopMailbox?
    private var server: HTTPServer?
    private var thread: LoopThread<SocketAddress>!
    var address: SocketAddress { thread.value }

    init(routes: @escaping @Sendable (Router, Loop) -> Void) {
        do {
            thread = try LoopThread { [self] loop in
                let router = Router()
                routes(router, loop)
                let server = try HTTPServer(loop: loop, address: SocketAddress(host: "127.0.0.1", port: 0), router: router)
                self.server = server
                self.mailbox = try LoopMailbox(loop: loop)
                return server.localAddress
            }
        } catch {
            fatalError("bench server failed to start: \(error)")
        }
    }

    func stop() {
        mailbox?.post { [self] in
            server?.close()
            mailbox?.close()
        }
        if !thread.join(timeout: .seconds(60)) { print("bench server: its loop did not end within 60 s") }
    }
}
