/// The answer slot for one request: send a whole response once, or start a chunked stream.
///
/// Responses leave the connection in request order, so a handler may answer late without
/// a pipelined request behind it overtaking.
public final class HTTPResponder {
    enum State { case waiting, streaming, done }

    /// Held strongly while the response is under way (the connection holds its responders until then): no weak
    /// reference, so no side table per connection. Dropped once the response is done or the connection closed, so
    /// a responder or stream kept afterwards holds nothing of the connection.
    var connection: HTTPServerConnection?
    let isHead: Bool
    let keepAlive: Bool
    var state = State.waiting
    var pending: [UInt8] = []
    /// The stream of a response under way; dropped once it is done, as the stream holds this responder.
    fileprivate(set) var stream: HTTPResponseStream?
    /// The body of a streamed request, read while this response goes out (nil for a request read whole).
    public internal(set) var requestBody: HTTPRequestBody?

    init(connection: HTTPServerConnection, isHead: Bool, keepAlive: Bool) {
        self.connection = connection
        self.isHead = isHead
        self.keepAlive = keepAlive
    }

    /// Closes the connection at once: a streamed request whose client broke the protocol mid-stream. An event stream
    /// of this response sees its `onClose`.
    public func closeConnection() {
        connection?.close(because: HTTPError(.connectionClosed, "the server closed the connection"))
    }

    /// Whether a response was already sent or started.
    public var hasResponded: Bool { state != .waiting }

    /// Sends a complete response with a `Content-Length` body. Later calls are ignored.
    public func send(_ response: HTTPResponse) {
        guard state == .waiting else { return }
        var headers = response.headers
        let bodyless = response.status.rawValue == 204 || response.status.rawValue == 304
        if bodyless {
            headers.remove("Content-Length")
        } else {
            headers["Content-Length"] = String(response.body.count)
        }
        headers.remove("Transfer-Encoding")
        if !keepAlive { headers["Connection"] = "close" }
        let withBody = !isHead && !bodyless
        var bytes = Self.head(status: response.status, headers: headers, room: withBody ? response.body.count : 0)
        if withBody { bytes += response.body }
        state = .done
        connection?.emit(bytes, from: self)
        connection?.responderFinished(self)
        connection = nil
    }

    /// Starts a chunked response the handler keeps writing to; finish it with `finish()`.
    public func startStream(status: HTTPStatus = .ok, headers: HTTPHeaders = [:]) -> HTTPResponseStream {
        if let stream { return stream }
        var headers = headers
        headers.remove("Content-Length")
        headers["Transfer-Encoding"] = "chunked"
        if !keepAlive { headers["Connection"] = "close" }
        let stream = HTTPResponseStream(responder: self)
        guard state == .waiting else {
            stream.isOpen = false
            return stream
        }
        self.stream = stream
        state = .streaming
        connection?.emit(Self.head(status: status, headers: headers), from: self)
        return stream
    }

    fileprivate func finishStream() {
        guard state == .streaming else { return }
        state = .done
        stream = nil
        connection?.emit(HTTPChunk.last, from: self)
        connection?.responderFinished(self)
        connection = nil
    }

    /// The connection closed before (or while) this response went out.
    func connectionClosed() {
        state = .done
        connection = nil
        guard let stream else { return }
        self.stream = nil
        guard stream.isOpen else { return }
        stream.isOpen = false
        let callback = stream.onClose
        stream.onClose = nil
        stream.onWritable = nil
        callback?()
    }

    /// The status line and header fields, written straight as bytes into one array (every response has one: an
    /// interpolated String and its copy into bytes cost more than the rest of an empty 202).
    /// `room` is the size of a body the caller appends.
    static func head(status: HTTPStatus, headers: HTTPHeaders, room: Int = 0) -> [UInt8] {
        let reason = status.reasonPhrase
        var bytes: [UInt8] = []
        bytes.reserveCapacity(headers.fields.reduce(16 + reason.utf8.count + room) {
            $0 + $1.name.utf8.count + $1.value.utf8.count + 4
        })
        // Single bytes, not array literals: a literal may be a fresh array each time, on every response.
        func endLine() {
            bytes.append(13)
            bytes.append(10)
        }
        bytes.append(contentsOf: "HTTP/1.1 ".utf8)
        bytes.append(contentsOf: String(status.rawValue).utf8)
        bytes.append(32)
        bytes.append(contentsOf: reason.utf8)
        endLine()
        for (name, value) in headers {
            bytes.append(contentsOf: name.utf8)
            bytes.append(58)
            bytes.append(32)
            bytes.append(contentsOf: value.utf8)
            endLine()
        }
        endLine()
        return bytes
    }
}

/// A chunked response body written piece by piece (an event stream).
public final class HTTPResponseStream {
    /// Held strongly (a weak reference would give every responder a side table); the responder lets go of this
    /// stream when the response is done, which ends the cycle.
    private let responder: HTTPResponder
    /// False once finished or once the client went away.
    public internal(set) var isOpen = true
    /// Called once if the client disconnects before `finish()`.
    public var onClose: (() -> Void)?
    /// Called when the client has caught up after `isWritable` turned false.
    public var onWritable: (() -> Void)?

    init(responder: HTTPResponder) {
        self.responder = responder
    }

    /// Sends `bytes` as one chunk. Empty writes are skipped (an empty chunk would end the body).
    public func write(_ bytes: [UInt8]) {
        guard isOpen, !bytes.isEmpty else { return }
        responder.connection?.emit(HTTPChunk.frame(bytes), from: responder)
    }

    /// Sends `record` as one RecordIO record in one chunk (an event of a stream).
    public func writeRecord(_ record: [UInt8]) {
        guard isOpen else { return }
        responder.connection?.emit(HTTPChunk.frame(record, asRecord: true), from: responder)
    }

    /// Whether the client is keeping up; when false, slow down until `onWritable` fires.
    public var isWritable: Bool { responder.connection?.isWritable ?? false }

    /// Where what was written so far ends, to pass to `hasSent(upTo:)` later; nil once closed, or while an earlier
    /// response on the connection holds this one back.
    public var position: Int? {
        guard isOpen, let connection = responder.connection else { return nil }
        return connection.position(of: responder)
    }

    /// Whether what was written before `position` has left this process (handed to the kernel); false once closed.
    public func hasSent(upTo position: Int) -> Bool {
        guard isOpen, let connection = responder.connection else { return false }
        return connection.hasSent(upTo: position)
    }

    /// Ends the body; the connection then serves the next request or closes.
    public func finish() {
        guard isOpen else { return }
        isOpen = false
        onClose = nil
        onWritable = nil
        responder.finishStream()
    }
}
