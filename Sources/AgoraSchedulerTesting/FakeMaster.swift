import AgoraResources
import AgoraHTTP
import AgoraRuntime
import AgoraWire
import Foundation

/// An in-process master for framework tests: it speaks the v1 scheduler API on a loopback port,
/// records every call, and sends exactly the offers and updates the test asks for.
public final class FakeMaster {
    /// The loop the fake serves on.
    public let loop: Loop
    private var server: HTTPServer?
    private var stream: HTTPResponseStream?
    private var format = WireFormat.protobuf
    private var streamID = ""
    private var offerCounter = 0

    /// Every non-subscribe call received, in order.
    public private(set) var calls: [SchedulerCall] = []
    /// How many SUBSCRIBE calls arrived.
    public private(set) var subscriptions = 0
    /// The framework info of the latest subscription.
    public private(set) var framework: FrameworkInfo?
    /// The framework id handed out when a subscription carries none.
    public var assignedFrameworkID: FrameworkID = "fake-framework"
    /// The heartbeat interval announced in SUBSCRIBED (the fake sends no heartbeats unless asked).
    public var heartbeatIntervalSeconds = 15.0
    /// When set, SUBSCRIBE is answered with a 307 redirect to this master.
    public var redirect: SocketAddress?

    /// Starts serving on a free loopback port.
    public init(loop: Loop) throws {
        self.loop = loop
        let router = Router()
        router.add(.post, "/api/v1/scheduler") { [unowned self] request, responder in self.handle(request, responder) }
        server = try HTTPServer(loop: loop, address: SocketAddress(host: "127.0.0.1", port: 0), router: router)
    }

    /// Where a client should connect.
    public var address: SocketAddress { server!.localAddress }

    /// Whether a subscription stream is open.
    public var isStreaming: Bool { stream?.isOpen ?? false }

    /// Tasks from every LAUNCH received.
    public var launchedTasks: [TaskInfo] {
        calls.compactMap(\.accept).flatMap(\.operations).compactMap(\.launch).flatMap(\.taskInfos)
    }

    /// Calls of one type.
    public func calls(of type: SchedulerCall.Kind) -> [SchedulerCall] { calls.filter { $0.type == type } }

    private func handle(_ request: HTTPRequest, _ responder: HTTPResponder) {
        guard let format = request.headers["Content-Type"].flatMap(WireFormat.init(contentType:)),
              let call = try? SchedulerCall(decoding: request.body, as: format) else {
            responder.send(.error(.badRequest, "cannot decode the call"))
            return
        }
        guard call.type == .subscribe else {
            guard request.headers["Mesos-Stream-Id"] == streamID else {
                responder.send(.error(.badRequest, "wrong Mesos-Stream-Id"))
                return
            }
            calls.append(call)
            responder.send(HTTPResponse(status: .accepted))
            return
        }
        subscriptions += 1
        if let redirect {
            responder.send(HTTPResponse(status: .temporaryRedirect,
                                        headers: ["Location": "//\(redirect)/api/v1/scheduler"]))
            return
        }
        self.format = format
        framework = call.subscribe?.frameworkInfo
        stream?.finish()
        streamID = UUID().uuidString
        stream = responder.startStream(headers: ["Content-Type": format.contentType, "Mesos-Stream-Id": streamID])
        send(SchedulerEvent(type: .subscribed, subscribed: .init(
            frameworkID: call.subscribe?.frameworkInfo.id ?? assignedFrameworkID,
            heartbeatIntervalSeconds: heartbeatIntervalSeconds)))
    }

    /// Sends any event on the open subscription.
    public func send(_ event: SchedulerEvent) {
        guard let stream, let bytes = try? event.encoded(as: format) else { return }
        stream.writeRecord(bytes)
    }

    /// Offers `resources` (agent flag syntax) on `agent`; returns the offer sent.
    @discardableResult
    public func offer(_ resources: String, agent: AgentID = "fake-agent", hostname: String = "fake-host") throws -> Offer {
        offerCounter += 1
        let offer = Offer(id: OfferID("fake-offer-\(offerCounter)"), frameworkID: framework?.id ?? assignedFrameworkID,
                          agentID: agent, hostname: hostname,
                          resources: try Resources(parsing: resources).wire(allocationRole: "*"),
                          allocationInfo: .init(role: "*"))
        send(SchedulerEvent(type: .offers, offers: .init(offers: [offer])))
        return offer
    }

    /// Reports a task state; with `reliable` the update carries a uuid the framework must acknowledge.
    @discardableResult
    public func update(_ task: TaskID, _ state: TaskState, agent: AgentID = "fake-agent", reliable: Bool = true,
                       message: String? = nil, reason: TaskStatus.Reason? = nil) -> TaskStatus {
        let status = TaskStatus(taskID: task, state: state, message: message, source: .agent, reason: reason,
                                agentID: agent, timestamp: Date().timeIntervalSince1970,
                                uuid: reliable ? Array(UUID().uuidString.utf8.prefix(16)) : nil)
        send(SchedulerEvent(type: .update, update: .init(status: status)))
        return status
    }

    /// Sends a HEARTBEAT event.
    public func heartbeat() { send(.heartbeat) }

    /// Ends the subscription stream as a crashed master would.
    public func dropSubscription() {
        stream?.finish()
        stream = nil
    }

    /// Ends the subscription and stops serving.
    public func close() {
        stream?.finish()
        stream = nil
        server?.close()
        server = nil
    }
}
