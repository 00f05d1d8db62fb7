import AgoraAuth
import AgoraHTTP
import AgoraRuntime
import AgoraWire
import Foundation
import Logging

/// The Agora master's shell: it serves HTTP on one loop, turns what arrives into `MasterEvent`s for its
/// `MasterCore`, and carries out the effects the core returns (events on streams, registry writes, timers).
///
/// Frameworks speak the Mesos v1 scheduler API on `/api/v1/scheduler`; agents speak Agora's agent
/// protocol on `/api/v1/agent`; operators read `/state`, `/metrics` and `/health`.
public final class Master {
    let loop: Loop
    /// Where time comes from: the loop, or a manual clock in tests.
    let clock: any LoopClock
    let options: MasterOptions
    let logger: Logger
    let core: MasterCore
    let startTime: Double
    let registrar: Registrar

    private var server: HTTPServer?
    private var frameworkStreams: [FrameworkID: EventStream<SchedulerEvent>] = [:]
    private var agentStreams: [AgentID: EventStream<AgentEvent>] = [:]
    private let schedulerEncoders: EventEncoders<SchedulerEvent>
    private let agentEncoders: EventEncoders<AgentEvent>
    private var timers: [MasterTimer: any ScheduledWork] = [:]
    /// The next run of each periodic event (allocation, heartbeats, pings), by its name.
    private var periodic: [String: any ScheduledWork] = [:]
    private var allocationSoon: (any ScheduledWork)?
    private var stopped = false

    public init(loop: Loop, clock: (any LoopClock)? = nil, options: MasterOptions, logger: Logger) throws {
        self.loop = loop
        self.clock = clock ?? loop
        self.options = options
        self.logger = logger
        schedulerEncoders = EventEncoders(logger: logger)
        agentEncoders = EventEncoders(logger: logger)
        startTime = self.clock.now
        var settings = MasterCore.Settings()
        settings.heartbeatInterval = options.heartbeatInterval.seconds
        settings.agentPingInterval = options.agentPingTimeout.seconds
        settings.maxAgentPingTimeouts = options.maxAgentPingTimeouts
        settings.agentReregisterTimeout = options.agentReregisterTimeout.seconds
        settings.registryMaxAgentAge = options.registryMaxAgentAge.seconds
        settings.registryMaxAgentCount = options.registryMaxAgentCount
        settings.acls = options.acls
        core = MasterCore(masterID: Master.makeMasterID(at: startTime), settings: settings, logger: logger)
        registrar = try Registrar(path: options.workDirectory + "/registry.db")
        registrar.groupWrites(on: self.clock) { [logger] in logger.error("\($0)") }
        let router = Router()
        installRoutes(router)
        let server = try HTTPServer(loop: loop, address: options.address, router: router)
        self.server = server
        core.masterInfo = MasterInfo(
            id: core.masterID, ip: 0, port: UInt32(server.localAddress.port), pid: "master@\(server.localAddress)",
            hostname: options.hostname, version: agoraVersion,
            address: Address(hostname: options.hostname, ip: server.localAddress.host, port: Int32(server.localAddress.port)))
        every(options.allocationInterval, "allocation") { $0.allocate() }
        every(options.heartbeatInterval, "heartbeat") { $0.run(.heartbeat) }
        every(options.agentPingTimeout, "ping") { $0.run(.pingAgents) }
        try recover()
    }

    /// Restores admitted frameworks (disconnected, their failover timeouts running) and remembers admitted agents
    /// until they re-register or `agentReregisterTimeout` passes.
    private func recover() throws {
        let frameworks = try registrar.frameworks()
        let agents = try registrar.agents()
        let unreachable = try registrar.unreachableAgents()
        let gone = try registrar.goneAgents()
        for row in registrar.skippedRows { logger.error("skipped a registry row that is no longer valid: \(row)") }
        guard !frameworks.isEmpty || !agents.isEmpty || !unreachable.isEmpty || !gone.isEmpty else { return }
        logger.info("""
            recovered \(frameworks.count) framework(s), \(agents.count) agent(s), \(unreachable.count) unreachable and \
            \(gone.count) gone agent(s) from the registry
            """)
        run(.recovered(frameworks: frameworks, agents: agents, unreachable: unreachable, gone: gone))
    }

    /// The address the master listens on.
    public var address: SocketAddress { server?.localAddress ?? options.address }

    /// Closes every stream, timer and connection; the loop then has nothing left to run.
    public func stop() {
        stopped = true
        for work in periodic.values { work.cancel() }
        periodic.removeAll()
        for work in timers.values { work.cancel() }
        timers.removeAll()
        allocationSoon?.cancel()
        allocationSoon = nil
        for stream in frameworkStreams.values { stream.close() }
        for stream in agentStreams.values { stream.close() }
        frameworkStreams.removeAll()
        agentStreams.removeAll()
        server?.close()
        server = nil
        registrar.commitPending()
    }

    /// Seconds since the epoch, as the allocator and statuses count time.
    var now: Double { clock.now }

    /// `20261129T093818-5f3a9c1e`: the start time in UTC (without a formatter) and a random suffix.
    private static func makeMasterID(at time: Double) -> String {
        let stamp = UTCTimestamp.string(secondsSince1970: time).prefix(19)
            .filter { $0 != "-" && $0 != ":" }
        return stamp + "-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
    }

    // MARK: Running the core

    /// Hands `event` to the core and carries out what it returns. `stream` is the response of a SUBSCRIBE, turned
    /// into the subscriber's event stream when the core opens one.
    func run(_ event: MasterEvent, opening stream: Subscriber? = nil) {
        var subscriber = stream
        for effect in core.handle(event, now: clock.now) { apply(effect, subscriber: &subscriber) }
        subscriber?.responder.send(.error(.internalServerError, "the subscription was not opened"))
    }

    /// The response of a SUBSCRIBE, and the encoding its events go out in.
    typealias Subscriber = (responder: HTTPResponder, format: WireFormat)

    private func apply(_ effect: MasterEffect, subscriber: inout Subscriber?) {
        switch effect {
        case .toFramework(let id, let event):
            frameworkStreams[id]?.send(event)
        case .taskStatusToFramework(let id, let event, let task, let resend):
            guard let stream = frameworkStreams[id] else { return }
            if resend, let copy = task.queuedStatus, copy.stream === stream, !stream.hasSent(upTo: copy.end) {
                core.metrics.resendsStillQueued += 1
                return
            }
            stream.send(event)
            task.queuedStatus = stream.position.map { QueuedCopy(stream: stream, end: $0) }
        case .toAgent(let id, let event):
            agentStreams[id]?.send(event)
        case .toAgents(let ids, let event):
            for id in ids { agentStreams[id]?.send(event) }
        case .openFrameworkStream(let id, let streamID):
            guard let stream = open(&subscriber, schedulerEncoders, headers: [
                "Mesos-Stream-Id": streamID, "Cache-Control": "no-cache",
            ]) else { return }
            frameworkStreams[id] = stream
            // The stream is told apart by its identity (a weak reference would give it a side table); the master
            // outlives its streams (`stop` closes them), as for its timers.
            stream.onClose = { [unowned self, identity = ObjectIdentifier(stream)] in
                guard self.frameworkStreams[id].map(ObjectIdentifier.init) == identity else { return }
                self.frameworkStreams[id] = nil
                self.run(.frameworkDisconnected(id, streamID: streamID))
            }
        case .openAgentStream(let id):
            guard let stream = open(&subscriber, agentEncoders, headers: [:]) else { return }
            agentStreams[id] = stream
            stream.onClose = { [unowned self, identity = ObjectIdentifier(stream)] in
                guard self.agentStreams[id].map(ObjectIdentifier.init) == identity else { return }
                self.agentStreams[id] = nil
                self.run(.agentDisconnected(id))
            }
        case .closeFrameworkStream(let id):
            frameworkStreams.removeValue(forKey: id)?.close()
        case .closeAgentStream(let id):
            agentStreams.removeValue(forKey: id)?.close()
        case .persist(let write):
            registrar.apply(write)
        case .arm(let timer, let seconds):
            timers.removeValue(forKey: timer)?.cancel()
            timers[timer] = schedule(after: Bounds.duration(seconds: seconds)) { [unowned self] in
                self.timers[timer] = nil
                self.run(.timerFired(timer))
            }
        case .cancel(let timer):
            timers.removeValue(forKey: timer)?.cancel()
        case .allocateSoon:
            guard allocationSoon == nil else { return }
            allocationSoon = schedule(after: .zero) { [unowned self] in
                self.allocationSoon = nil
                self.allocate()
            }
        }
    }

    /// Turns the subscriber's response into its event stream (once).
    private func open<Event: WireMessage>(_ subscriber: inout Subscriber?, _ encoders: EventEncoders<Event>,
                                          headers: HTTPHeaders) -> EventStream<Event>? {
        guard let subscriber = subscriber.take() else { return nil }
        var headers = headers
        headers["Content-Type"] = subscriber.format.contentType
        return EventStream(stream: subscriber.responder.startStream(status: .ok, headers: headers),
                           encoder: encoders[subscriber.format])
    }

    /// An allocation cycle, timed for `/metrics`.
    private func allocate() {
        let started = clock.now
        run(.allocate)
        core.metrics.allocationSeconds += max(0, clock.now - started)
    }

    private func schedule(after delay: Duration, _ work: @escaping () -> Void) -> (any ScheduledWork)? {
        do {
            return try clock.schedule(in: delay, work)
        } catch {
            timerFailed(error)
            return nil
        }
    }

    /// Runs `work` every `interval` until `stop()`.
    private func every(_ interval: Duration, _ name: String, _ work: @escaping (Master) -> Void) {
        guard !stopped else { return }
        periodic[name] = schedule(after: interval) { [unowned self] in
            work(self)
            self.every(interval, name, work)
        }
    }
}
