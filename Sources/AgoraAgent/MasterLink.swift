import AgoraAuth
import AgoraHTTP
import AgoraRuntime
import AgoraWire
import Foundation
import Logging

/// The agent's connection to the master: an `EventSubscription` to `/api/v1/agent` in protobuf, its calls on the same
/// connection as its events (one connection per agent, whatever the cluster's size). Every call carries
/// the agent's credential (HTTP Basic, when it has one) and the agent id's token, checkpointed in `tokenFile`; a
/// master silent for five ping intervals is dropped and subscribed to again.
final class MasterLink {
    private let subscription: EventSubscription
    private let tokenFile: String
    private var token: String?
    private let logger: Logger

    init(
        loop: Loop, master: SocketAddress, credential: Credential?, tokenFile: String, logger: Logger,
        subscribeCall: @escaping () -> AgentCall, onEvent: @escaping (AgentEvent) -> Void,
        onDisconnected: @escaping () -> Void, onTimerFailure: @escaping (RuntimeError) -> Void
    ) {
        var options = EventSubscription.Options(
            servers: [master], path: "/api/v1/agent", contentType: WireFormat.protobuf.contentType,
            backoff: Backoff(minimum: .milliseconds(250), maximum: .seconds(10)))
        options.authorization = credential?.authorizationHeader
        options.callsOnStream = true
        subscription = EventSubscription(loop: loop, options: options)
        self.tokenFile = tokenFile
        token = (try? Files.readText(tokenFile)).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .flatMap { $0.isEmpty ? nil : $0 }
        self.logger = logger
        subscription.subscribeBody = { [unowned self] in
            var call = subscribeCall()
            call.token = self.token
            return try call.protobuf()
        }
        subscription.onRecord = { [unowned self] record in
            let event = try AgentEvent(protobuf: record)
            if event.type == .subscribed, let subscribed = event.subscribed {
                self.subscription.established(
                    heartbeatInterval: subscribed.pingIntervalSeconds.map { Bounds.duration(seconds: $0) })
                if let token = subscribed.token, token != self.token { self.keep(token: token) }
            }
            onEvent(event)
        }
        subscription.onLost = { _ in onDisconnected() }
        subscription.onRefused = { status, answer in logger.error("master refused the subscription: \(status) \(answer)") }
        subscription.onRetry = { reason, delay in
            logger.warning("\(reason); retrying in \(delay.map { "\($0.seconds)s" } ?? "never")")
        }
        subscription.onTimerFailure = onTimerFailure
    }

    /// Whether the subscription stream is open and confirmed.
    var isSubscribed: Bool { subscription.isEstablished }

    func start() { subscription.start() }

    /// Sends a call on the open stream; one made while no stream is open is dropped with a warning.
    /// Delivery is best effort: status updates are retried by their manager.
    func send(_ call: AgentCall) {
        var call = call
        call.token = token
        let body: [UInt8]
        do {
            body = try call.protobuf()
        } catch {
            logger.error("cannot encode \(call.type?.rawValue ?? "a call") for the master: \(error)")
            return
        }
        subscription.send(body) { [logger] result in
            switch result {
            case .success(let response) where response.status.isSuccess:
                break
            case .success(let response):
                logger.warning("master answered \(response.status) to \(call.type?.rawValue ?? "?"): \(response.bodyText)")
            case .failure(let error):
                logger.warning("call to the master failed: \(error.message)")
            }
        }
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

    func stop() { subscription.stop() }
}
