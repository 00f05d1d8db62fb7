import AgoraResources
import AgoraHTTP
import AgoraRuntime
import AgoraWire
import Foundation

/// A minimal Mesos v1 HTTP scheduler for tests, in either encoding: subscribes, records every event,
/// keeps the outstanding offers, and acknowledges updates that carry a uuid. Its tasks run as the user of this
/// process (`info.user`), whom an agent of the same user may run them as.
public final class TestScheduler {
    public let loop: Loop
    public let master: SocketAddress
    public let format: WireFormat
    public var info: FrameworkInfo
    public private(set) var frameworkID: FrameworkID?
    public private(set) var streamID: String?
    public private(set) var events: [SchedulerEvent] = []
    public private(set) var offers: [OfferID: Offer] = [:]
    public private(set) var updates: [TaskStatus] = []
    public private(set) var rejectedCalls: [HTTPResponse] = []
    public private(set) var streamEnded = false
    /// Called for each OFFERS event after the offers are recorded.
    public var onOffers: (([Offer]) -> Void)?
    /// Whether updates carrying a uuid are acknowledged as they arrive (as pymesos does).
    public var autoAcknowledge = true
    /// The `Authorization` header sent with every call, for masters that authenticate frameworks.
    public var authorization: String?
    /// The answer to SUBSCRIBE when the master refused it.
    public private(set) var subscribeRefusal: HTTPStatus?
    private var subscription: EventSubscription?

    public init(loop: Loop, master: SocketAddress, name: String, format: WireFormat, role: String = "*") {
        self.loop = loop
        self.master = master
        self.format = format
        info = FrameworkInfo(user: UnixAccount.currentName, name: name, role: role)
    }

    public var isSubscribed: Bool { frameworkID != nil && !streamEnded }

    /// Opens one subscription (it is not renewed when it ends: `streamEnded` tells).
    public func subscribe() {
        var options = EventSubscription.Options(servers: [master], path: "/api/v1/scheduler",
                                                contentType: format.contentType,
                                                backoff: Backoff(minimum: .milliseconds(10), maximum: .milliseconds(10)))
        options.authorization = authorization
        options.resubscribes = false
        options.heartbeatTolerance = 0
        let subscription = EventSubscription(loop: loop, options: options)
        // Weak: a test may drop its scheduler before the cluster stops, while the stream can still end or retry.
        subscription.subscribeBody = { [weak self] in
            guard let self else { return [] }
            return try SchedulerCall(type: .subscribe, subscribe: .init(frameworkInfo: info)).encoded(as: format)
        }
        subscription.onRecord = { [weak self, unowned subscription] record in
            guard let self else { return }
            let event = try SchedulerEvent(decoding: record, as: format)
            if event.type == .subscribed {
                subscription.established(heartbeatInterval: nil)
                streamID = subscription.streamID
            }
            handle(event)
        }
        subscription.onRefused = { [weak self] status, _ in self?.subscribeRefusal = status }
        subscription.onRetry = { [weak self] _, _ in self?.streamEnded = true }
        self.subscription = subscription
        subscription.start()
    }

    private func handle(_ event: SchedulerEvent) {
        events.append(event)
        switch event.type {
        case .subscribed?:
            frameworkID = event.subscribed?.frameworkID
        case .offers?:
            let list = event.offers?.offers ?? []
            for offer in list { offers[offer.id] = offer }
            onOffers?(list)
        case .rescind?:
            if let id = event.rescind?.offerID { offers[id] = nil }
        case .update?:
            guard let status = event.update?.status else { return }
            updates.append(status)
            if autoAcknowledge { acknowledge(status) }
        default:
            break
        }
    }

    /// Acknowledges an update that carries a uuid.
    public func acknowledge(_ status: TaskStatus) {
        guard let uuid = status.uuid, let agentID = status.agentID else { return }
        call(SchedulerCall(type: .acknowledge, acknowledge: .init(agentID: agentID, taskID: status.taskID, uuid: uuid)))
    }

    /// Sends a call with the framework id and stream id filled in; non-2xx answers are recorded.
    public func call(_ call: SchedulerCall, _ completion: ((HTTPResponse) -> Void)? = nil) {
        var call = call
        call.frameworkID = call.frameworkID ?? frameworkID
        guard let subscription, let body = try? call.encoded(as: format) else { return }
        subscription.send(body) { [self] result in
            guard case .success(let response) = result else { return }
            if !response.status.isSuccess { rejectedCalls.append(response) }
            completion?(response)
        }
    }

    /// Launches `tasks` on `offer`; unused resources come back with `refuseSeconds`.
    public func launch(_ tasks: [TaskInfo], on offer: Offer, refuseSeconds: Double = 0) {
        offers[offer.id] = nil
        call(SchedulerCall(type: .accept, accept: .init(offerIDs: [offer.id], operations: [.launch(tasks)],
                                                        filters: Filters(refuseSeconds: refuseSeconds))))
    }

    public func decline(_ offer: Offer, refuseSeconds: Double) {
        offers[offer.id] = nil
        call(SchedulerCall(type: .decline, decline: .init(offerIDs: [offer.id], filters: Filters(refuseSeconds: refuseSeconds))))
    }

    public func kill(_ task: TaskID) {
        call(SchedulerCall(type: .kill, kill: .init(taskID: task)))
    }

    /// The states reported for `task`, in order.
    public func states(of task: TaskID) -> [TaskState] {
        updates.filter { $0.taskID == task }.map(\.state)
    }

    public func lastStatus(of task: TaskID) -> TaskStatus? {
        updates.last { $0.taskID == task }
    }

    public func close() {
        onOffers = nil
        subscription?.stop()
    }

    /// A scheduler a test drops ends its stream with it.
    deinit { subscription?.stop() }
}

/// A shell task using `resources` from `offer`.
public func shellTask(_ id: String, _ command: String, on offer: Offer, resources: String) throws -> TaskInfo {
    TaskInfo(name: id, taskID: TaskID(id), agentID: offer.agentID,
             resources: try Resources(parsing: resources).wire(allocationRole: offer.allocationInfo?.role),
             command: .shell(command))
}

extension Cluster {
    /// A test scheduler subscribed to this cluster's master; `configure` runs before it subscribes.
    public func scheduler(_ name: String, format: WireFormat, configure: (TestScheduler) -> Void = { _ in }) -> TestScheduler {
        let scheduler = TestScheduler(loop: loop, master: masterAddress, name: name, format: format)
        configure(scheduler)
        scheduler.subscribe()
        return scheduler
    }

    /// Waits for `scheduler` to hold an offer and returns one.
    public func offer(for scheduler: TestScheduler) throws -> Offer {
        try wait("an offer for \(scheduler.info.name)") { !scheduler.offers.isEmpty }
        return scheduler.offers.values.first!
    }
}
