import AgoraRuntime

/// The status line and headers of a response, delivered before its body.
public struct HTTPResponseHead: Sendable {
    public var status: HTTPStatus
    public var headers: HTTPHeaders
}

/// A keep-alive client connection to one server. Requests are sent in order; responses are
/// matched to them in order, whole (`send`) or streamed chunk by chunk (`stream`).
public final class HTTPClientConnection {
    private struct Exchange {
        var isHead: Bool
        var onHead: (HTTPResponseHead) -> Void
        var onBody: ([UInt8]) -> Void
        var onEnd: (HTTPError?) -> Void
    }

    private let tcp: TCPConnection
    private let parser: HTTPMessageParser
    private let address: SocketAddress
    /// Requests sent and not yet answered, oldest first (a scheduler may have thousands pipelined).
    private var exchanges = FIFO<Exchange>()
    /// Called once when the connection closes for any reason.
    public var onClose: (() -> Void)?

    private init(tcp: TCPConnection, address: SocketAddress, maxHeaderBytes: Int) {
        self.tcp = tcp
        self.address = address
        parser = HTTPMessageParser(kind: .response, maxHeaderBytes: maxHeaderBytes, maxBodyBytes: nil)
        parser.delegate = self
    }

    /// Connects to `address`.
    public static func connect(
        loop: Loop, to address: SocketAddress, maxHeaderBytes: Int = 64 * 1024,
        _ completion: @escaping (Result<HTTPClientConnection, HTTPError>) -> Void
    ) {
        do {
            try TCPConnection.connect(loop: loop, to: address) { result in
                switch result {
                case .success(let tcp):
                    let connection = HTTPClientConnection(tcp: tcp, address: address, maxHeaderBytes: maxHeaderBytes)
                    connection.start()
                    completion(.success(connection))
                case .failure(let error):
                    completion(.failure(HTTPError(.transport, "cannot connect to \(address)", cause: error)))
                }
            }
        } catch {
            completion(.failure(HTTPError(.transport, "cannot connect to \(address)", cause: error)))
        }
    }

    public var isOpen: Bool { tcp.isOpen }

    private func start() {
        tcp.setNoDelay(true)
        do {
            // The read callback holds the connection alive while it is open; closing drops the cycle.
            try tcp.startReading { event in self.handle(event) }
        } catch {
            close()
        }
    }

    private func handle(_ event: TCPConnection.ReadEvent) {
        switch event {
        case .data(let bytes):
            do {
                try parser.feed(bytes)
            } catch {
                fail(error)
            }
        case .end:
            // A response without a length ends with the stream.
            try? parser.finish()
            fail(HTTPError(.connectionClosed, "server closed the connection"))
        case .failed(let error):
            fail(HTTPError(.transport, "read from \(address) failed", cause: error))
        }
    }

    private func fail(_ error: HTTPError) {
        let pending = exchanges.removeAll()
        close()
        for exchange in pending { exchange.onEnd(error) }
    }

    /// Sends `request` and delivers the whole response. `maxBodyBytes` bounds what is buffered.
    public func send(
        _ request: HTTPRequest, chunked: Bool = false, maxBodyBytes: Int = 64 * 1024 * 1024,
        _ completion: @escaping (Result<HTTPResponse, HTTPError>) -> Void
    ) {
        var head = HTTPResponseHead(status: .ok, headers: [:])
        var body: [UInt8] = []
        var overflowed = false
        stream(request, chunked: chunked, onHead: { head = $0 }, onBody: { bytes in
            guard !overflowed else { return }
            body += bytes
            if body.count > maxBodyBytes {
                overflowed = true
                body = []
            }
        }, onEnd: { error in
            if let error {
                completion(.failure(error))
            } else if overflowed {
                completion(.failure(HTTPError(.bodyTooLarge, "response body exceeds \(maxBodyBytes) bytes")))
            } else {
                completion(.success(HTTPResponse(status: head.status, headers: head.headers, body: body)))
            }
        })
    }

    /// Sends `request` and delivers the response head, then each body piece as it arrives.
    /// `onEnd` is called once: nil when the response completed, or the error.
    public func stream(
        _ request: HTTPRequest, chunked: Bool = false,
        onHead: @escaping (HTTPResponseHead) -> Void, onBody: @escaping ([UInt8]) -> Void,
        onEnd: @escaping (HTTPError?) -> Void
    ) {
        guard tcp.isOpen else {
            onEnd(HTTPError(.connectionClosed, "connection to \(address) is closed"))
            return
        }
        exchanges.append(Exchange(isHead: request.method == .head, onHead: onHead, onBody: onBody, onEnd: onEnd))
        write(serialize(request, chunked: chunked))
    }

    /// Sends `request` with a chunked body that stays open (its `body` the first chunk) and delivers the response as
    /// `stream` does, while the returned writer sends the rest of the body: calls on the connection of their own event
    /// stream. Nothing else can be sent on this connection afterwards.
    public func openStream(
        _ request: HTTPRequest,
        onHead: @escaping (HTTPResponseHead) -> Void, onBody: @escaping ([UInt8]) -> Void,
        onEnd: @escaping (HTTPError?) -> Void
    ) -> HTTPBodyWriter {
        let writer = HTTPBodyWriter(connection: self)
        guard tcp.isOpen else {
            onEnd(HTTPError(.connectionClosed, "connection to \(address) is closed"))
            return writer
        }
        exchanges.append(Exchange(isHead: false, onHead: onHead, onBody: onBody, onEnd: onEnd))
        write(serialize(request, chunked: true, open: true))
        return writer
    }

    /// Writes bytes as they are; a failed write closes the connection.
    fileprivate func write(_ bytes: [UInt8]) {
        tcp.write(bytes) { [weak self] error in
            if let error { self?.fail(HTTPError(.transport, "write to \(self?.address.description ?? "") failed", cause: error)) }
        }
    }

    /// The request's head and body; a chunked body `open` gets no last chunk (its writer sends the rest).
    private func serialize(_ request: HTTPRequest, chunked: Bool, open: Bool = false) -> [UInt8] {
        var headers = request.headers
        if !headers.contains("Host") { headers["Host"] = address.description }
        headers.remove("Content-Length")
        headers.remove("Transfer-Encoding")
        if chunked {
            headers["Transfer-Encoding"] = "chunked"
        } else if !request.body.isEmpty || request.method == .post || request.method == .put {
            headers["Content-Length"] = String(request.body.count)
        }
        if !request.keepAlive { headers["Connection"] = "close" }
        var text = "\(request.method.rawValue) \(request.target) HTTP/1.1\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        text += "\r\n"
        var bytes = Array(text.utf8)
        guard chunked else { return bytes + request.body }
        var offset = 0
        while offset < request.body.count {
            let end = min(offset + 4096, request.body.count)
            bytes += HTTPChunk.frame(Array(request.body[offset..<end]))
            offset = end
        }
        return open ? bytes : bytes + HTTPChunk.last
    }

    /// Closes the connection; pending exchanges end with `connectionClosed`.
    public func close() {
        guard tcp.isOpen else { return }
        let pending = exchanges.removeAll()
        let callback = onClose
        onClose = nil
        tcp.close()
        for exchange in pending {
            exchange.onEnd(HTTPError(.connectionClosed, "connection to \(address) closed"))
        }
        callback?()
    }
}

/// One-shot requests over a fresh connection, for tools and tests.
public enum HTTPClient {
    /// Connects, sends `request`, delivers the response and closes.
    public static func send(
        loop: Loop, to address: SocketAddress, _ request: HTTPRequest,
        _ completion: @escaping (Result<HTTPResponse, HTTPError>) -> Void
    ) {
        HTTPClientConnection.connect(loop: loop, to: address) { result in
            switch result {
            case .success(let connection):
                connection.send(request) { response in
                    connection.close()
                    completion(response)
                }
            case .failure(let error):
                completion(.failure(error))
            }
        }
    }
}

/// The rest of a request body sent with `HTTPClientConnection.openStream`: each write goes out as one chunk.
public final class HTTPBodyWriter {
    private weak var connection: HTTPClientConnection?
    private var finished = false

    fileprivate init(connection: HTTPClientConnection) {
        self.connection = connection
    }

    /// Whether writes still reach the server (the body is not finished and the connection is open).
    public var isOpen: Bool { !finished && connection?.isOpen == true }

    /// Sends `bytes` as one chunk; empty writes are skipped (an empty chunk would end the body).
    public func write(_ bytes: [UInt8]) {
        guard isOpen, !bytes.isEmpty else { return }
        connection?.write(HTTPChunk.frame(bytes))
    }

    /// Sends `record` as one RecordIO record in one chunk.
    public func writeRecord(_ record: [UInt8]) {
        guard isOpen else { return }
        connection?.write(HTTPChunk.frame(record, asRecord: true))
    }

    /// Ends the body.
    public func finish() {
        guard isOpen else { return }
        finished = true
        connection?.write(HTTPChunk.last)
    }
}

extension HTTPClientConnection: HTTPMessageParserDelegate {
    func parsedHead(_ head: HTTPMessageParser.Head) -> Bool {
        guard let exchange = exchanges.first else { return true }
        exchange.onHead(HTTPResponseHead(status: head.status, headers: head.headers))
        return !exchange.isHead
    }

    func parsedBody(_ bytes: [UInt8]) { exchanges.first?.onBody(bytes) }

    func parsedMessage(keepAlive: Bool) {
        guard let exchange = exchanges.popFirst() else { return }
        exchange.onEnd(nil)
        if !keepAlive { close() }
    }
}
