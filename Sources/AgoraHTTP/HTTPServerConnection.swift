import AgoraRuntime

/// One accepted connection: parses requests, hands them to the handler, writes answers in order.
final class HTTPServerConnection {
    private let tcp: TCPConnection
    /// The client's address, read once when the connection is accepted.
    private lazy var peer = tcp.peerAddress
    // The flags share the padding after `peer` (8 bytes less per connection than at the end).
    private var readingPaused = false
    private var closing = false
    private var reportedClosed = false
    private let parser: HTTPMessageParser
    private let server: HTTPServer.Shared
    /// When input last arrived (or the idle countdown last restarted), in loop milliseconds; the server's sweep
    /// (`sweepIdle`) compares it with the idle timeout.
    private var lastInput: UInt64
    private var responders = ResponderQueue()
    /// Where an ordinary request is read, made at the first one and kept for the next (a framework's connection
    /// carries one call after another); a subscriber's connection never makes it.
    private var reading: ReadingRequest?
    /// The body of the streamed request being read, handed on as it arrives.
    private var streamedBody: HTTPRequestBody?

    init(tcp: TCPConnection, server: HTTPServer.Shared) {
        self.tcp = tcp
        self.server = server
        lastInput = tcp.loop.nowMilliseconds
        parser = HTTPMessageParser(kind: .request, maxHeaderBytes: server.limits.maxHeaderBytes,
                                   maxBodyBytes: server.limits.maxBodyBytes)
        parser.delegate = self
    }

    func start() {
        tcp.setNoDelay(true)
        // The callbacks hold this connection while its TCP connection is open; closing it drops them. A closure that
        // holds one object needs no context of its own, and no weak reference means no side table.
        tcp.onWritable = { self.writable() }
        do {
            try tcp.startReading { event in self.handle(event) }
        } catch {
            close()
        }
    }

    private func writable() {
        responders.first?.stream?.onWritable?()
        resumeIfRoom()
    }

    var isWritable: Bool { tcp.isOpen && tcp.isWritable }

    /// Where `responder`'s output so far ends in the connection's outgoing bytes; nil while it waits behind an
    /// earlier response (its bytes are held here, not yet written).
    func position(of responder: HTTPResponder) -> Int? {
        tcp.isOpen && responders.first === responder ? tcp.bytesWritten : nil
    }

    /// Whether the kernel has taken every outgoing byte before `position`.
    func hasSent(upTo position: Int) -> Bool { tcp.bytesSent >= position }

    /// Called by the server's sweep: a connection without input for the idle timeout is answered 408 mid-request,
    /// closed when nothing is in flight, and otherwise (a response or stream in progress) counts again from now.
    func sweepIdle(now: UInt64, timeout: UInt64) {
        guard !closing, now &- lastInput >= timeout else { return }
        if responders.isEmpty && parser.isMidMessage {
            reject(HTTPError(.timedOut, "request incomplete after \(server.limits.idleTimeout)"))
        } else if responders.isEmpty {
            close()
        } else {
            lastInput = now
        }
    }

    private func handle(_ event: TCPConnection.ReadEvent) {
        switch event {
        case .data(let bytes):
            guard !closing else { return }
            lastInput = tcp.loop.nowMilliseconds
            do {
                try parser.feed(bytes)
            } catch {
                // A streamed request's response is already under way: no error answer can follow it.
                if streamedBody != nil { close(because: error) } else { reject(error) }
            }
        case .end:
            // The client finished sending: answer what is queued, then close. A client that leaves an
            // event stream (or stops a streamed request mid-body) is gone for good, so its stream ends now.
            closing = true
            if responders.isEmpty || streamedBody != nil || responders.contains(where: { $0.state == .streaming }) {
                close(because: HTTPError(.connectionClosed, "the client closed the connection"))
            }
        case .failed:
            close()
        }
    }

    /// Hands a streamed request to the handler at its head; its body follows through `HTTPRequestBody`, and the
    /// connection closes once the response ends.
    private func startStreamedRequest(_ head: HTTPMessageParser.Head) {
        guard !closing else { return }
        reading?.head = nil
        parser.bodyIsStreamed = true
        var request = HTTPRequest(method: head.method, target: head.target, headers: head.headers, keepAlive: false)
        request.peer = peer
        let streamed = HTTPRequestBody()
        streamedBody = streamed
        let responder = HTTPResponder(connection: self, isHead: false, keepAlive: false)
        responder.requestBody = streamed
        responders.append(responder)
        server.handler(request, responder)
    }

    private func requestComplete(keepAlive: Bool) {
        if let streamed = streamedBody {
            // The client ended its body: nothing else is read from this connection.
            streamedBody = nil
            closing = true
            streamed.end(nil)
            return
        }
        guard let reading, let head = reading.head, !closing else { return }
        let body = reading.body
        reading.head = nil
        reading.body = []
        var request = HTTPRequest(
            method: head.method, target: head.target, headers: head.headers, body: body, keepAlive: keepAlive)
        request.peer = peer
        if !keepAlive {
            closing = true
            tcp.pauseReading()
        }
        let responder = HTTPResponder(connection: self, isHead: head.method == .head, keepAlive: keepAlive)
        responders.append(responder)
        if responders.count >= server.limits.maxPipelinedRequests && !readingPaused {
            readingPaused = true
            tcp.pauseReading()
        }
        server.handler(request, responder)
    }

    /// Answers a broken request with its status and `{"message": …}`, then closes this connection only.
    private func reject(_ error: HTTPError) {
        closing = true
        tcp.pauseReading()
        let responder = HTTPResponder(connection: self, isHead: false, keepAlive: false)
        responders.append(responder)
        responder.send(.error(error.status, error.message))
    }

    func emit(_ bytes: [UInt8], from responder: HTTPResponder) {
        guard tcp.isOpen else { return }
        if responders.first === responder {
            tcp.write(bytes) { error in
                if error != nil { self.close() }
            }
        } else {
            responder.pending += bytes
        }
    }

    func responderFinished(_ responder: HTTPResponder) {
        while let first = responders.first, first.state == .done {
            responders.removeFirst()
            if !first.keepAlive {
                finishAndClose()
                return
            }
            guard let next = responders.first else { break }
            if !next.pending.isEmpty {
                tcp.write(next.pending) { error in
                    if error != nil { self.close() }
                }
                next.pending = []
            }
        }
        if responders.isEmpty && closing {
            finishAndClose()
            return
        }
        resumeIfRoom()
    }

    private func resumeIfRoom() {
        if readingPaused && !closing && responders.count < server.limits.maxPipelinedRequests / 2 && tcp.isWritable {
            readingPaused = false
            try? tcp.resumeReading()
        }
    }

    private func finishAndClose() {
        closing = true
        endStreamedBody(HTTPError(.connectionClosed, "the connection closed"))
        if tcp.isOpen {
            tcp.closeAfterFlush { [self] in self.didClose() }
        } else {
            didClose()
        }
        for responder in responders { responder.connectionClosed() }
        responders.removeAll()
    }

    /// Closes at once (server shutdown, idle timeout, transport error); a streamed body being read ends with `reason`.
    func close(because reason: HTTPError = HTTPError(.connectionClosed, "the connection closed")) {
        closing = true
        endStreamedBody(reason)
        let open = tcp.isOpen
        tcp.close { [self] in self.didClose() }
        for responder in responders { responder.connectionClosed() }
        responders.removeAll()
        if !open { didClose() }
    }

    private func endStreamedBody(_ reason: HTTPError) {
        guard let streamed = streamedBody else { return }
        streamedBody = nil
        streamed.end(reason)
    }

    private func didClose() {
        guard !reportedClosed else { return }
        reportedClosed = true
        server.onClosed(self)
    }
}

extension HTTPServerConnection: HTTPMessageParserDelegate {
    func parsedHead(_ head: HTTPMessageParser.Head) -> Bool {
        if HTTPRequestBody.isStreamed(head.headers) {
            startStreamedRequest(head)
        } else {
            if reading == nil { reading = ReadingRequest() }
            reading?.start(head)
        }
        return true
    }

    func parsedBody(_ bytes: [UInt8]) {
        if let streamed = streamedBody { streamed.deliver(bytes) } else { reading?.body += bytes }
    }

    func parsedMessage(keepAlive: Bool) { requestComplete(keepAlive: keepAlive) }
}

/// The head of the request being read and its body so far; `head` is nil between requests.
private final class ReadingRequest {
    var head: HTTPMessageParser.Head?
    var body: [UInt8] = []

    func start(_ head: HTTPMessageParser.Head) {
        self.head = head
        body = []
    }
}
