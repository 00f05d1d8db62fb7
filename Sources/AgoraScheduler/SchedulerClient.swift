import AgoraAuth
import AgoraHTTP
import AgoraRuntime
import AgoraWire
import Foundation
import Logging

/// A framework's connection to the Agora (or any Mesos v1) master.
///
/// It subscribes, keeps the subscription alive (heartbeat supervision, resubscription with the
/// framework id and jittered backoff), delivers events to the delegate on the loop's thread, and
/// sends calls. Create it on the loop's thread and call `start()`.
public final class SchedulerClient {
    /// The loop that owns the client; every callback runs on its thread.
    public let loop: Loop
    public private(set) var configuration: SchedulerConfiguration
    public weak var delegate: SchedulerDelegate?

    /// The id the master assigned (kept across resubscriptions).
    public var frameworkID: FrameworkID? { configuration.framework.id }
    /// Whether a subscription is open right now.
    public private(set) var isSubscribed = false

    private var streamConnection: HTTPClientConnection?
    private var callConnection: HTTPClientConnection?
    private var callConnecting = false
    private var queuedCalls: [(SchedulerCall, (Result<Void, SchedulerCallError>) -> Void)] = []
    private var streamID: String?
    private var master: SocketAddress
    private var masterIndex = 0
    private var attempts = 0
    private var heartbeatInterval: Double = 15
    private var lastEvent = ContinuousClock.now
    private var supervisor: LoopTimer?
    private var retry: LoopTimer?
    private var stopped = true
    let reconciliation = ReconciliationTracker()
    private let logger = Logger(label: "agora.scheduler")

    /// Creates a client; nothing is sent before `start()`. The delegate is held weakly.
    public init(loop: Loop, configuration: SchedulerConfiguration, delegate: SchedulerDelegate?) {
        precondition(!configuration.masters.isEmpty, "a scheduler needs at least one master address")
        self.loop = loop
        self.configuration = configuration
        self.delegate = delegate
        master = configuration.masters[0]
    }

    /// Subscribes and keeps the subscription alive until `stop()`.
    public func start() {
        guard stopped else { return }
        stopped = false
        supervisor = try? LoopTimer(loop: loop)
        supervisor?.start(after: .seconds(1), repeating: .seconds(1)) { [weak self] in self?.superviseHeartbeats() }
        subscribe()
    }

    /// Closes the subscription and every connection; the framework stays registered until its failover timeout.
    public func stop() {
        stopped = true
        isSubscribed = false
        supervisor?.close()
        supervisor = nil
        retry?.close()
        retry = nil
        reconciliation.stop()
        streamConnection?.close()
        callConnection?.close()
        streamConnection = nil
        callConnection = nil
    }

    // MARK: Subscription

    private func subscribe() {
        guard !stopped else { return }
        HTTPClientConnection.connect(loop: loop, to: master) { [weak self] result in
            guard let self, !self.stopped else {
                if case .success(let connection) = result { connection.close() }
                return
            }
            switch result {
            case .success(let connection): self.subscribe(on: connection)
            case .failure(let error): self.reconnect("cannot reach the master at \(self.master): \(error.message)")
            }
        }
    }

    private func subscribe(on connection: HTTPClientConnection) {
        streamConnection = connection
        let format = configuration.format
        var info = configuration.framework
        if let credential = configuration.credential { info.principal = credential.principal }
        let call = SchedulerCall(type: .subscribe, frameworkID: info.id, subscribe: .init(frameworkInfo: info))
        guard let body = try? call.encoded(as: format) else {
            reconnect("cannot encode the subscription")
            return
        }
        var headers: HTTPHeaders = ["Content-Type": format.contentType, "Accept": format.contentType]
        if let credential = configuration.credential { headers["Authorization"] = credential.authorizationHeader }
        let request = HTTPRequest(method: .post, target: "/api/v1/scheduler", headers: headers, body: body)
        var decoder = RecordIODecoder()
        var accepted = false
        var refusal: (HTTPStatus, [UInt8])?
        var redirect: String?
        connection.stream(request, onHead: { [weak self] head in
            accepted = head.status == .ok
            if head.status == .temporaryRedirect { redirect = head.headers["Location"] }
            if !accepted { refusal = (head.status, []) }
            if accepted { self?.streamID = head.headers["Mesos-Stream-Id"] }
        }, onBody: { [weak self] bytes in
            guard let self else { return }
            guard accepted else {
                refusal?.1 += bytes
                return
            }
            do {
                for record in try decoder.feed(bytes) {
                    self.handle(try SchedulerEvent(decoding: record, as: format))
                }
            } catch {
                connection.close()
            }
        }, onEnd: { [weak self] error in
            // The connection served only this stream: close it, or keep-alive would hold it open.
            connection.close()
            guard let self else { return }
            self.streamConnection = nil
            if let redirect, let address = SocketAddress(parsing: redirect) {
                self.master = address
                self.subscribe()
                return
            }
            let reason = refusal.map { "master answered \($0.0): \(String(decoding: $0.1, as: UTF8.self))" }
                ?? error.map { "subscription ended: \($0.message)" } ?? "subscription ended"
            self.lost(reason)
        })
    }

    private func lost(_ reason: String) {
        let wasSubscribed = isSubscribed
        isSubscribed = false
        callConnection?.close()
        callConnection = nil
        if wasSubscribed { delegate?.disconnected(self, reason: reason) }
        reconnect(reason)
    }

    private func reconnect(_ reason: String) {
        guard !stopped else { return }
        attempts += 1
        logger.warning("\(reason); retrying (attempt \(attempts))")
        // Next master in the list, so a dead one does not hold us back.
        masterIndex = (masterIndex + 1) % configuration.masters.count
        master = configuration.masters[masterIndex]
        let ceiling = min(configuration.maximumBackoff.seconds,
                          configuration.minimumBackoff.seconds * pow(2, Double(min(attempts - 1, 16))))
        let delay = ceiling * Double.random(in: 0.5...1.0)
        retry?.close()
        retry = try? loop.schedule(after: Bounds.duration(seconds: delay)) { [weak self] in
            self?.retry = nil
            self?.subscribe()
        }
    }

    private func superviseHeartbeats() {
        guard isSubscribed else { return }
        let silence = (ContinuousClock.now - lastEvent).seconds
        if silence > heartbeatInterval * configuration.heartbeatTolerance {
            streamConnection?.close()
        }
    }

    // MARK: Events

    private func handle(_ event: SchedulerEvent) {
        lastEvent = .now
        switch event.type {
        case .subscribed?:
            guard let subscribed = event.subscribed else { return }
            configuration.framework.id = subscribed.frameworkID
            heartbeatInterval = subscribed.heartbeatIntervalSeconds ?? 15
            isSubscribed = true
            attempts = 0
            delegate?.subscribed(self, frameworkID: subscribed.frameworkID, masterInfo: subscribed.masterInfo)
            reconciliation.resubscribed(self)
        case .offers?:
            delegate?.offers(self, event.offers?.offers ?? [])
        case .rescind?:
            if let id = event.rescind?.offerID { delegate?.rescinded(self, offerID: id) }
        case .update?:
            guard let status = event.update?.status else { return }
            reconciliation.observe(status)
            delegate?.update(self, status)
            if configuration.acknowledgeAutomatically { acknowledge(status) }
        case .failure?:
            let failure = event.failure
            delegate?.failure(self, agentID: failure?.agentID, executorID: failure?.executorID, status: failure?.status)
        case .message?:
            guard let message = event.message else { return }
            delegate?.message(self, agentID: message.agentID, executorID: message.executorID, data: message.data)
        case .error?:
            delegate?.error(self, message: event.error?.message ?? "unknown error")
        case .heartbeat?, .inverseOffers?, .rescindInverseOffer?, .updateOperationStatus?, .unknown?, nil:
            break
        }
    }

    // MARK: Calls

    /// Sends a call (framework id filled in). `completion` gets the outcome of the HTTP exchange.
    public func send(_ call: SchedulerCall, completion: @escaping (Result<Void, SchedulerCallError>) -> Void = { _ in }) {
        guard isSubscribed, let id = frameworkID else {
            completion(.failure(SchedulerCallError(status: nil, message: "not subscribed")))
            return
        }
        var call = call
        call.frameworkID = id
        if let connection = callConnection, connection.isOpen {
            post(call, on: connection, completion)
            return
        }
        queuedCalls.append((call, completion))
        guard !callConnecting else { return }
        callConnecting = true
        HTTPClientConnection.connect(loop: loop, to: master) { [weak self] result in
            guard let self else { return }
            self.callConnecting = false
            let queued = self.queuedCalls
            self.queuedCalls.removeAll()
            switch result {
            case .success(let connection) where self.stopped:
                connection.close()
                for (_, completion) in queued {
                    completion(.failure(SchedulerCallError(status: nil, message: "the client was stopped")))
                }
            case .success(let connection):
                self.callConnection = connection
                for (call, completion) in queued { self.post(call, on: connection, completion) }
            case .failure(let error):
                for (_, completion) in queued {
                    completion(.failure(SchedulerCallError(status: nil, message: error.message)))
                }
            }
        }
    }

    private func post(
        _ call: SchedulerCall, on connection: HTTPClientConnection,
        _ completion: @escaping (Result<Void, SchedulerCallError>) -> Void
    ) {
        let format = configuration.format
        guard let body = try? call.encoded(as: format) else {
            completion(.failure(SchedulerCallError(status: nil, message: "cannot encode the call")))
            return
        }
        var headers: HTTPHeaders = ["Content-Type": format.contentType]
        if let streamID { headers["Mesos-Stream-Id"] = streamID }
        if let credential = configuration.credential { headers["Authorization"] = credential.authorizationHeader }
        connection.send(HTTPRequest(method: .post, target: "/api/v1/scheduler", headers: headers, body: body)) { result in
            switch result {
            case .success(let response) where response.status.isSuccess:
                completion(.success(()))
            case .success(let response):
                completion(.failure(SchedulerCallError(status: response.status.rawValue, message: response.bodyText)))
            case .failure(let error):
                completion(.failure(SchedulerCallError(status: nil, message: error.message)))
            }
        }
    }
}
