import AgoraAuth
import AgoraHTTP
import AgoraRuntime
import AgoraWire
import Foundation
import Logging

/// A framework's connection to the Agora (or any Mesos v1) master.
///
/// An adapter over `EventSubscription` (AgoraHTTP), which subscribes and keeps the subscription alive (heartbeat
/// supervision, redirects, resubscription with jittered backoff); this type adds the scheduler API: the framework
/// id kept across subscriptions, events decoded and delivered to the delegate on the loop's thread, automatic
/// acknowledgements, reconciliation, and typed calls. Create it on the loop's thread and call `start()`.
public final class SchedulerClient {
    /// The loop that owns the client; every callback runs on its thread.
    public let loop: Loop
    public private(set) var configuration: SchedulerConfiguration
    public weak var delegate: SchedulerDelegate?

    /// The id the master assigned (kept across resubscriptions).
    public var frameworkID: FrameworkID? { configuration.framework.id }
    /// Whether a subscription is open right now.
    public var isSubscribed: Bool { subscription.isEstablished }

    private let subscription: EventSubscription
    let reconciliation = ReconciliationTracker()
    /// Terminal updates received, and repeated ends of one task.
    public private(set) var terminalUpdates = TerminalUpdateCounter()
    /// Whether the master was last told, for every role, that this framework wants offers (REVIVE) or not (SUPPRESS);
    /// nil after each subscription and after a call naming roles, when the master's view is not known here.
    public internal(set) var offersWanted: Bool?
    /// Updates to acknowledge once this loop turn ends: one deferral for all of them, not a timer each.
    private var acknowledgeAfterTurn: [TaskStatus] = []
    private let logger = Logger(label: "agora.scheduler")

    /// Creates a client; nothing is sent before `start()`. The delegate is held weakly.
    public init(loop: Loop, configuration: SchedulerConfiguration, delegate: SchedulerDelegate?) {
        precondition(!configuration.masters.isEmpty, "a scheduler needs at least one master address")
        self.loop = loop
        self.configuration = configuration
        self.delegate = delegate
        var options = EventSubscription.Options(
            servers: configuration.masters, path: "/api/v1/scheduler", contentType: configuration.format.contentType,
            backoff: Backoff(minimum: configuration.minimumBackoff, maximum: configuration.maximumBackoff))
        options.authorization = configuration.credential?.authorizationHeader
        options.heartbeatTolerance = configuration.heartbeatTolerance
        subscription = EventSubscription(loop: loop, options: options)
        subscription.subscribeBody = { [unowned self] in try self.subscribeCall().encoded(as: self.configuration.format) }
        subscription.onRecord = { [unowned self] record in
            self.handle(try SchedulerEvent(decoding: record, as: self.configuration.format))
        }
        subscription.onLost = { [unowned self] reason in self.delegate?.disconnected(self, reason: reason) }
        subscription.onRetry = { [logger] reason, delay in
            logger.warning("\(reason); retrying in \(delay.map { "\($0.seconds)s" } ?? "never")")
        }
        subscription.onTimerFailure = { [logger] in logger.error("cannot arm a subscription timer: \($0)") }
    }

    /// Subscribes and keeps the subscription alive until `stop()`.
    public func start() {
        subscription.start()
    }

    /// Closes the subscription and every connection; the framework stays registered until its failover timeout.
    public func stop() {
        reconciliation.stop()
        subscription.stop()
    }

    private func subscribeCall() -> SchedulerCall {
        var info = configuration.framework
        if let credential = configuration.credential { info.principal = credential.principal }
        return SchedulerCall(type: .subscribe, frameworkID: info.id, subscribe: .init(frameworkInfo: info))
    }

    // MARK: Events

    private func handle(_ event: SchedulerEvent) {
        switch event.type {
        case .subscribed?:
            guard let subscribed = event.subscribed else { return }
            configuration.framework.id = subscribed.frameworkID
            subscription.established(heartbeatInterval: Bounds.duration(seconds: subscribed.heartbeatIntervalSeconds ?? 15))
            offersWanted = nil
            delegate?.subscribed(self, frameworkID: subscribed.frameworkID, masterInfo: subscribed.masterInfo)
            reconciliation.resubscribed(self)
        case .offers?:
            delegate?.offers(self, event.offers?.offers ?? [])
        case .rescind?:
            if let id = event.rescind?.offerID { delegate?.rescinded(self, offerID: id) }
        case .update?:
            guard let status = event.update?.status else { return }
            reconciliation.observe(status)
            terminalUpdates.observe(status)
            delegate?.update(self, status)
            guard configuration.acknowledgeAutomatically, status.uuid != nil else { return }
            // After the loop turn, so what the delegate stored for this update (a store that groups its writes per
            // turn commits them first) is durable before the master forgets the update.
            acknowledgeAfterTurn.append(status)
            guard acknowledgeAfterTurn.count == 1 else { return }
            let deferred = loop.schedule(after: .zero, orReport: { [logger] in logger.error("cannot defer acknowledgements: \($0)") }) {
                [weak self] in
                guard let self else { return }
                let statuses = self.acknowledgeAfterTurn
                self.acknowledgeAfterTurn = []
                for status in statuses { self.acknowledge(status) }
            }
            if deferred == nil { acknowledgeAfterTurn = [] }
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
        let body: [UInt8]
        do {
            body = try call.encoded(as: configuration.format)
        } catch {
            completion(.failure(SchedulerCallError(status: nil, message: "cannot encode the call: \(error)")))
            return
        }
        subscription.send(body) { result in
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
