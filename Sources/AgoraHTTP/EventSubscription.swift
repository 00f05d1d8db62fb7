import AgoraRuntime

/// A long-lived subscription to a Mesos-style event stream: `POST` a subscribe call, read RecordIO records from the
/// response for as long as it lasts, and send calls on a second keep-alive connection with the stream's
/// `Mesos-Stream-Id` — or, with `callsOnStream`, as RecordIO records in the subscription's own streamed request body,
/// so that each subscriber holds one connection. When the stream ends it is opened again after a jittered backoff
/// (`Backoff`), trying the next server in the list; a `307` redirect is followed at once; a stream silent for
/// `heartbeatTolerance` heartbeat intervals is dropped and renewed. The owner decodes records and says when the subscription is `established`.
/// The scheduler client, the agent's master link and the test scheduler are thin adapters over it.
public final class EventSubscription {
    /// Where and how to subscribe.
    public struct Options: Sendable {
        /// Servers tried in turn after a failure; a redirect replaces the current one.
        public var servers: [SocketAddress]
        /// The request path of both the subscription and the calls.
        public var path: String
        /// The media type of calls and events.
        public var contentType: String
        /// The `Authorization` header of every request, when the server authenticates.
        public var authorization: String?
        public var backoff: Backoff
        /// Missed heartbeat intervals after which a silent stream is dropped (0: never).
        public var heartbeatTolerance: Double = 5
        /// Whether an ended stream is opened again; a test that watches one subscription turns it off.
        public var resubscribes = true
        /// Whether calls go as RecordIO records in the body of the subscribe request (`Content-Type:
        /// application/recordio`, the subscribe call its first record) instead of on a second connection. A call
        /// made while no stream is open fails at once.
        public var callsOnStream = false

        public init(servers: [SocketAddress], path: String, contentType: String, backoff: Backoff) {
            precondition(!servers.isEmpty, "a subscription needs at least one server")
            self.servers = servers
            self.path = path
            self.contentType = contentType
            self.backoff = backoff
        }
    }

    public let loop: Loop
    private let clock: any LoopClock
    private var options: Options
    private var serverIndex = 0
    /// The server subscribed to (or being tried).
    public private(set) var server: SocketAddress
    /// The `Mesos-Stream-Id` of the open stream.
    public private(set) var streamID: String?
    /// Whether the owner has seen its subscription confirmed on the open stream.
    public private(set) var isEstablished = false
    /// Whether the subscription is stopped (before `start()` and after `stop()`).
    public private(set) var isStopped = true
    private var streamConnection: HTTPClientConnection?
    /// The rest of the subscribe request's body, with `callsOnStream`.
    private var streamBody: HTTPBodyWriter?
    private var callConnection: HTTPClientConnection?
    private var callConnecting = false
    private var queuedCalls: [([UInt8], (Result<HTTPResponse, HTTPError>) -> Void)] = []
    private var retry: (any ScheduledWork)?
    private var supervision: (any ScheduledWork)?
    private var heartbeatInterval: Duration?
    private var lastActivity = 0.0
    private var redirectsInARow = 0

    /// Asked before each connection attempt where the server is now (for a server that may come back elsewhere);
    /// nil keeps the current one.
    public var locate: () -> SocketAddress? = { nil }
    /// Makes the subscribe call each time one is sent (it may carry ids learnt since).
    public var subscribeBody: () throws -> [UInt8] = { [] }
    /// Called with each record of the stream; throwing drops the stream as corrupt.
    public var onRecord: ([UInt8]) throws -> Void = { _ in }
    /// Called when an established stream ends, with the reason.
    public var onLost: (String) -> Void = { _ in }
    /// Called when a stream or a connection attempt fails before it was established, with the reason and the delay
    /// before the next attempt (nil when the subscription does not resubscribe).
    public var onRetry: (String, Duration?) -> Void = { _, _ in }
    /// Called when the server refuses the subscription with a status other than 200 or 307, with its answer.
    public var onRefused: (HTTPStatus, String) -> Void = { _, _ in }
    /// Called when a timer cannot be armed (the loop is out of handles), for the owner to log and count.
    public var onTimerFailure: (RuntimeError) -> Void = { _ in }

    /// A subscription that starts with `start()`; timers run on `clock` (the loop unless a test drives time).
    public init(loop: Loop, clock: (any LoopClock)? = nil, options: Options) {
        self.loop = loop
        self.clock = clock ?? loop
        self.options = options
        server = options.servers[0]
    }

    /// Opens the stream and keeps it open until `stop()`.
    public func start() {
        guard isStopped else { return }
        isStopped = false
        connect()
    }

    /// The owner saw its subscription confirmed: the backoff starts over and, with a heartbeat interval, silence is
    /// watched.
    public func established(heartbeatInterval: Duration?) {
        isEstablished = true
        options.backoff.reset()
        redirectsInARow = 0
        self.heartbeatInterval = heartbeatInterval
        lastActivity = clock.now
        superviseLater()
    }

    /// Closes the stream and the call connection; queued calls fail.
    public func stop() {
        isStopped = true
        isEstablished = false
        retry?.cancel()
        retry = nil
        supervision?.cancel()
        supervision = nil
        streamConnection?.close()
        streamConnection = nil
        streamBody = nil
        dropCallConnection()
    }

    /// Drops the open stream as if the server had gone, so a new one is opened; `reason` is what the owner is told.
    public func renew(because reason: String = "the stream was renewed") {
        guard let connection = streamConnection else { return }
        renewal = reason
        connection.close()
    }

    /// Why the open stream is being dropped by this side, when it is.
    private var renewal: String?

    // MARK: The stream

    private func connect() {
        guard !isStopped else { return }
        if let located = locate() { server = located }
        HTTPClientConnection.connect(loop: loop, to: server) { [weak self] result in
            guard let self, !self.isStopped else {
                if case .success(let connection) = result { connection.close() }
                return
            }
            switch result {
            case .success(let connection): self.subscribe(on: connection)
            case .failure(let error): self.ended("cannot reach \(self.server): \(error.message)")
            }
        }
    }

    private func subscribe(on connection: HTTPClientConnection) {
        let body: [UInt8]
        do {
            body = try subscribeBody()
        } catch {
            connection.close()
            ended("cannot encode the subscription: \(error)")
            return
        }
        streamConnection = connection
        var headers: HTTPHeaders = ["Content-Type": options.contentType, "Accept": options.contentType]
        if options.callsOnStream {
            headers["Content-Type"] = HTTPRequestBody.mediaType
            headers["Message-Content-Type"] = options.contentType
        }
        if let authorization = options.authorization { headers["Authorization"] = authorization }
        let request = HTTPRequest(method: .post, target: options.path, headers: headers,
                                  body: options.callsOnStream ? RecordIO.encode(body) : body)
        var decoder = RecordIODecoder()
        var status = HTTPStatus.ok
        var redirect: SocketAddress?
        var refusal: [UInt8] = []
        var corrupt: String?
        let onHead = { [weak self] (head: HTTPResponseHead) in
            status = head.status
            if head.status == .ok { self?.streamID = head.headers["Mesos-Stream-Id"] }
            if head.status == .temporaryRedirect { redirect = head.headers["Location"].flatMap(SocketAddress.init(parsing:)) }
        }
        let onBody = { [weak self] (bytes: [UInt8]) in
            guard let self else { return }
            guard status == .ok else {
                refusal += bytes.prefix(max(0, 4096 - refusal.count))
                return
            }
            do {
                let records = try decoder.feed(bytes)
                for record in records { try self.onRecord(record) }
                // Silence is counted from when this subscriber is ready for more: a record that kept it busy for
                // longer than the window (a large batch of offers) is not the server's silence.
                if !records.isEmpty { self.lastActivity = self.clock.now }
            } catch {
                corrupt = "bad record from \(self.server): \(error)"
                connection.close()
            }
        }
        let onEnd = { [weak self] (error: HTTPError?) in
            // The connection served only this stream: close it, or keep-alive would hold it open.
            connection.close()
            guard let self, self.streamConnection === connection else { return }
            self.streamConnection = nil
            let renewal = self.renewal
            self.renewal = nil
            if let redirect, self.redirectsInARow < self.options.servers.count + 2 {
                self.redirectsInARow += 1
                self.server = redirect
                self.ended(nil)
                self.connect()
                return
            }
            let answer = String(decoding: refusal, as: UTF8.self)
            if status != .ok && status != .temporaryRedirect { self.onRefused(status, answer) }
            let reason = renewal ?? corrupt
                ?? (status == .ok ? nil : "\(self.server) answered \(status): \(answer)")
                ?? error.map { "the stream from \(self.server) ended: \($0.message)" }
                ?? "the stream from \(self.server) ended"
            self.ended(reason)
        }
        if options.callsOnStream {
            streamBody = connection.openStream(request, onHead: onHead, onBody: onBody, onEnd: onEnd)
        } else {
            connection.stream(request, onHead: onHead, onBody: onBody, onEnd: onEnd)
        }
    }

    /// The stream ended: tell the owner, then try again (after a backoff when `reason` says it failed).
    private func ended(_ reason: String?) {
        let wasEstablished = isEstablished
        isEstablished = false
        streamID = nil
        streamBody = nil
        supervision?.cancel()
        supervision = nil
        dropCallConnection()
        guard let reason else { return }
        if wasEstablished { onLost(reason) }
        guard !isStopped else { return }
        guard options.resubscribes else {
            onRetry(reason, nil)
            return
        }
        if options.servers.count > 1 && !wasEstablished {
            serverIndex = (serverIndex + 1) % options.servers.count
            server = options.servers[serverIndex]
        }
        let delay = options.backoff.next()
        onRetry(reason, delay)
        retry?.cancel()
        do {
            retry = try clock.schedule(in: delay) { [weak self] in
                self?.retry = nil
                self?.connect()
            }
        } catch {
            onTimerFailure(error)
        }
    }

    /// Watches the stream for silence. When the window has passed, silence is confirmed once more a millisecond
    /// later: timers run before the loop polls for input, so after this subscriber's own loop was busy (a slow
    /// handler), records may be waiting unread in the socket, and the loop reads them before the second look.
    private func superviseLater(confirming: Bool = false) {
        supervision?.cancel()
        supervision = nil
        guard let interval = heartbeatInterval, options.heartbeatTolerance > 0, isEstablished else { return }
        let window = interval.seconds * options.heartbeatTolerance
        let wait = confirming ? 0.001 : max(0.001, lastActivity + window - clock.now)
        do {
            // `wait` is finite and at most one window, both from bounded durations.
            supervision = try clock.schedule(in: .seconds(wait)) { [weak self] in
                guard let self else { return }
                self.supervision = nil
                if self.clock.now - self.lastActivity < window {
                    self.superviseLater()
                } else if confirming {
                    self.renew(because: "no event from \(self.server) for \((window * 1000).rounded() / 1000)s (\(self.options.heartbeatTolerance) heartbeat intervals)")
                } else {
                    self.superviseLater(confirming: true)
                }
            }
        } catch {
            onTimerFailure(error)
        }
    }

    // MARK: Calls

    /// Sends a call body on the keep-alive call connection (with the stream id, when there is one); calls made while
    /// it connects are queued. `completion` gets the server's answer or the transport failure. With `callsOnStream`,
    /// the call goes on the open stream and `completion` gets 202 once it is handed to the connection: a call the
    /// server refuses ends the stream.
    public func send(_ body: [UInt8], completion: @escaping (Result<HTTPResponse, HTTPError>) -> Void) {
        guard !isStopped else {
            completion(.failure(HTTPError(.connectionClosed, "the subscription to \(server) is stopped")))
            return
        }
        if options.callsOnStream {
            guard let streamBody, streamBody.isOpen else {
                completion(.failure(HTTPError(.connectionClosed, "no stream to \(server) is open")))
                return
            }
            streamBody.writeRecord(body)
            completion(.success(HTTPResponse(status: .accepted)))
            return
        }
        if let connection = callConnection, connection.isOpen {
            post(body, on: connection, completion)
            return
        }
        queuedCalls.append((body, completion))
        guard !callConnecting else { return }
        callConnecting = true
        HTTPClientConnection.connect(loop: loop, to: server) { [weak self] result in
            guard let self else { return }
            self.callConnecting = false
            let queued = self.queuedCalls
            self.queuedCalls.removeAll()
            switch result {
            case .success(let connection) where self.isStopped:
                connection.close()
                for (_, completion) in queued {
                    completion(.failure(HTTPError(.connectionClosed, "the subscription to \(self.server) is stopped")))
                }
            case .success(let connection):
                self.callConnection = connection
                for (body, completion) in queued { self.post(body, on: connection, completion) }
            case .failure(let error):
                for (_, completion) in queued { completion(.failure(error)) }
            }
        }
    }

    private func post(_ body: [UInt8], on connection: HTTPClientConnection,
                      _ completion: @escaping (Result<HTTPResponse, HTTPError>) -> Void) {
        var headers: HTTPHeaders = ["Content-Type": options.contentType]
        if let streamID { headers["Mesos-Stream-Id"] = streamID }
        if let authorization = options.authorization { headers["Authorization"] = authorization }
        connection.send(HTTPRequest(method: .post, target: options.path, headers: headers, body: body)) { [weak self] result in
            if case .failure = result, self?.callConnection === connection { self?.callConnection = nil }
            completion(result)
        }
    }

    private func dropCallConnection() {
        callConnection?.close()
        callConnection = nil
    }
}
