import AgoraAuth
import AgoraHTTP
import AgoraRuntime
import AgoraWire
import Foundation
import Logging

/// The agent's connection to the master: one subscription stream for events, one keep-alive
/// connection for calls; both reconnect with backoff when the master goes away. Every call carries the agent's
/// credential (HTTP Basic, when it has one) and the agent id's token, checkpointed in `tokenFile`.
final class MasterLink {
    private let loop: Loop
    private let master: SocketAddress
    private let credential: Credential?
    private let tokenFile: String
    private var token: String?
    private let logger: Logger
    private let subscribeCall: () -> AgentCall
    private let onEvent: (AgentEvent) -> Void
    private let onDisconnected: () -> Void
    private var streamConnection: HTTPClientConnection?
    private var callConnection: HTTPClientConnection?
    private var connectingCalls = false
    private var queuedCalls: [AgentCall] = []
    private var retryTimer: LoopTimer?
    private var backoff = 0.25
    private var stopped = false

    init(
        loop: Loop, master: SocketAddress, credential: Credential?, tokenFile: String, logger: Logger,
        subscribeCall: @escaping () -> AgentCall, onEvent: @escaping (AgentEvent) -> Void,
        onDisconnected: @escaping () -> Void
    ) {
        self.loop = loop
        self.master = master
        self.credential = credential
        self.tokenFile = tokenFile
        token = (try? Files.readText(tokenFile)).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .flatMap { $0.isEmpty ? nil : $0 }
        self.logger = logger
        self.subscribeCall = subscribeCall
        self.onEvent = onEvent
        self.onDisconnected = onDisconnected
    }

    /// Whether the subscription stream is open.
    private(set) var isSubscribed = false

    func start() {
        guard !stopped else { return }
        HTTPClientConnection.connect(loop: loop, to: master) { [weak self] result in
            guard let self, !self.stopped else {
                if case .success(let connection) = result { connection.close() }
                return
            }
            switch result {
            case .success(let connection): self.subscribe(on: connection)
            case .failure(let error): self.retry(after: "cannot reach the master at \(self.master): \(error.message)")
            }
        }
    }

    private func subscribe(on connection: HTTPClientConnection) {
        streamConnection = connection
        let body: [UInt8]
        do {
            var call = subscribeCall()
            call.token = token
            body = try call.protobuf()
        } catch {
            logger.critical("cannot encode the subscription: \(error)")
            return
        }
        var decoder = RecordIODecoder()
        var accepted = false
        let request = HTTPRequest(method: .post, target: "/api/v1/agent", headers: headers(accept: true), body: body)
        connection.stream(request, onHead: { [weak self] head in
            accepted = head.status == .ok
            if !accepted { self?.logger.error("master refused the subscription: \(head.status) \(head.headers["WWW-Authenticate"] ?? "")") }
        }, onBody: { [weak self] bytes in
            guard let self, accepted else { return }
            do {
                for record in try decoder.feed(bytes) {
                    let event = try AgentEvent(protobuf: record)
                    if event.type == .subscribed {
                        self.isSubscribed = true
                        self.backoff = 0.25
                        if let token = event.subscribed?.token, token != self.token { self.keep(token: token) }
                    }
                    self.onEvent(event)
                }
            } catch {
                self.logger.error("bad event from the master: \(error)")
                connection.close()
            }
        }, onEnd: { [weak self] _ in
            // The connection served only this stream: close it, or keep-alive would hold it open.
            connection.close()
            guard let self else { return }
            let wasSubscribed = self.isSubscribed
            self.isSubscribed = false
            self.streamConnection = nil
            if wasSubscribed { self.onDisconnected() }
            self.retry(after: "subscription to the master ended")
        })
    }

    private func retry(after reason: String) {
        guard !stopped else { return }
        logger.warning("\(reason); retrying in \(backoff)s")
        retryTimer?.close()
        retryTimer = loop.schedule(after: Bounds.duration(seconds: backoff), orReport: { [logger] in
            logger.critical("cannot arm the reconnection timer: \($0)")
        }) { [weak self] in
            self?.retryTimer = nil
            self?.start()
        }
        backoff = min(backoff * 2, 10)
    }

    /// Sends a call on the keep-alive call connection; calls made while it connects are queued.
    /// Delivery is best effort: status updates are retried by their manager.
    func send(_ call: AgentCall) {
        guard !stopped else { return }
        if let connection = callConnection, connection.isOpen {
            post(call, on: connection)
            return
        }
        queuedCalls.append(call)
        guard !connectingCalls else { return }
        connectingCalls = true
        HTTPClientConnection.connect(loop: loop, to: master) { [weak self] result in
            guard let self else { return }
            self.connectingCalls = false
            let queued = self.queuedCalls
            self.queuedCalls.removeAll()
            guard case .success(let connection) = result, !self.stopped else {
                if case .success(let connection) = result { connection.close() }
                return
            }
            self.callConnection = connection
            for call in queued { self.post(call, on: connection) }
        }
    }

    private func post(_ call: AgentCall, on connection: HTTPClientConnection) {
        var call = call
        call.token = token
        guard let body = try? call.protobuf() else { return }
        let request = HTTPRequest(method: .post, target: "/api/v1/agent", headers: headers(accept: false), body: body)
        connection.send(request) { [weak self] result in
            switch result {
            case .success(let response) where response.status.isSuccess:
                break
            case .success(let response):
                self?.logger.warning("master answered \(response.status) to \(call.type?.rawValue ?? "?"): \(response.bodyText)")
            case .failure(let error):
                self?.logger.warning("call to the master failed: \(error.message)")
                if self?.callConnection === connection { self?.callConnection = nil }
            }
        }
    }

    private func headers(accept: Bool) -> HTTPHeaders {
        var headers: HTTPHeaders = ["Content-Type": WireFormat.protobuf.contentType]
        if accept { headers["Accept"] = WireFormat.protobuf.contentType }
        if let credential { headers["Authorization"] = credential.authorizationHeader }
        return headers
    }

    /// Checkpoints the agent id's token (an owner-only file, replaced atomically) before using it.
    private func keep(token: String) {
        do {
            try Files.writeAtomically(tokenFile, Array((token + "\n").utf8), mode: 0o600)
            self.token = token
        } catch {
            logger.error("cannot checkpoint the agent token in \(tokenFile): \(error)")
        }
    }

    func stop() {
        stopped = true
        retryTimer?.close()
        retryTimer = nil
        streamConnection?.close()
        callConnection?.close()
        streamConnection = nil
        callConnection = nil
    }
}
