import AgoraHTTP
import AgoraRuntime
import Foundation

/// An HTTP server on its own thread and loop, so the client under test runs on another core.
final class BenchServer: @unchecked Sendable {
    private let ready = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private var mailbox: LoopMailbox?
    private var server: HTTPServer?
    private(set) var address = SocketAddress(host: "127.0.0.1", port: 0)

    init(routes: @escaping @Sendable (Router, Loop) -> Void) {
        let thread = Thread { [self] in
            do {
                let loop = try Loop()
                let router = Router()
                routes(router, loop)
                let server = try HTTPServer(loop: loop, address: SocketAddress(host: "127.0.0.1", port: 0), router: router)
                self.server = server
                self.address = server.localAddress
                self.mailbox = try LoopMailbox(loop: loop)
                ready.signal()
                loop.run()
                try? loop.close()
            } catch {
                fatalError("bench server failed to start: \(error)")
            }
            finished.signal()
        }
        thread.start()
        ready.wait()
    }

    func stop() {
        mailbox?.post { [self] in
            server?.close()
            mailbox?.close()
        }
        finished.wait()
    }
}
