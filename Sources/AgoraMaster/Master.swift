import AgoraAllocator
import AgoraResources
import AgoraAuth
import AgoraHTTP
import AgoraRuntime
import AgoraWire
import Foundation
import Logging

/// The Agora master: owns every framework, agent, offer and task, all on one loop.
///
/// Frameworks speak the Mesos v1 scheduler API on `/api/v1/scheduler`; agents speak Agora's agent
/// protocol on `/api/v1/agent`; operators read `/state`, `/metrics` and `/health`.
public final class Master {
    let loop: Loop
    /// Where time comes from: the loop, or a manual clock in tests.
    let clock: any LoopClock
    let options: MasterOptions
    let logger: Logger
    let allocator = Allocator()
    let masterID: String
    let startTime: Double
    var metrics = MasterMetrics()

    var frameworks: [FrameworkID: FrameworkRecord] = [:]
    var completedFrameworks: [FrameworkRecord] = []
    var agents: [AgentID: AgentRecord] = [:]
    var offers: [OfferID: OfferRecord] = [:]
    let registrar: Registrar
    /// Agents admitted before a restart that have not re-registered yet.
    var recoveredAgents: [AgentID: AgentInfo] = [:]

    private var server: HTTPServer?
    private var timers: [LoopTimer] = []
    private var allocationSoon: LoopTimer?
    private var counter = 0

    public init(loop: Loop, clock: (any LoopClock)? = nil, options: MasterOptions, logger: Logger) throws {
        self.loop = loop
        self.clock = clock ?? loop
        self.options = options
        self.logger = logger
        masterID = Master.makeMasterID(at: (clock ?? loop).now)
        startTime = (clock ?? loop).now
        registrar = try Registrar(path: options.workDirectory + "/registry.db")
        registrar.logWriteFailures { [logger] in logger.error("\($0)") }
        let router = Router()
        installRoutes(router)
        server = try HTTPServer(loop: loop, address: options.address, router: router)
        try startTimers()
        try recover()
    }

    /// Restores admitted frameworks (disconnected, their failover timeouts running) and remembers
    /// admitted agents until they re-register or `agentReregisterTimeout` passes.
    private func recover() throws {
        for (id, info) in try registrar.frameworks() {
            let framework = FrameworkRecord(id: id, info: info, registeredTime: now)
            frameworks[id] = framework
            allocator.addFramework(id, role: framework.role, active: false)
            startFailoverTimer(framework)
        }
        for (id, info) in try registrar.agents() { recoveredAgents[id] = info }
        for row in registrar.skippedRows { logger.error("skipped a registry row that is no longer valid: \(row)") }
        guard !frameworks.isEmpty || !recoveredAgents.isEmpty else { return }
        logger.info("recovered \(frameworks.count) framework(s) and \(recoveredAgents.count) agent(s) from the registry")
        let deadline = try LoopTimer(loop: loop)
        deadline.start(after: options.agentReregisterTimeout) { [unowned self] in
            for (id, _) in self.recoveredAgents {
                self.logger.warning("agent \(id) did not re-register after the restart; forgetting it")
                self.registrar.remove(agent: id)
            }
            self.recoveredAgents.removeAll()
        }
        timers.append(deadline)
    }

    /// The address the master listens on.
    public var address: SocketAddress { server?.localAddress ?? options.address }

    /// Closes every stream, timer and connection; the loop then has nothing left to run.
    public func stop() {
        for timer in timers { timer.close() }
        timers.removeAll()
        allocationSoon?.close()
        allocationSoon = nil
        for framework in frameworks.values {
            framework.failoverTimer?.close()
            framework.stream?.close()
        }
        for agent in agents.values { agent.stream?.close() }
        server?.close()
        server = nil
    }

    /// Seconds since the epoch, as the allocator and statuses count time.
    var now: Double { clock.now }

    /// A fresh id under this master: `<master>-<kind><number>`.
    func nextID(_ kind: String) -> String {
        counter += 1
        return "\(masterID)-\(kind)\(String(format: "%04d", counter))"
    }

    /// `20261129T093818-5f3a9c1e`: the start time in UTC (without a formatter) and a random suffix.
    private static func makeMasterID(at time: Double) -> String {
        let stamp = UTCTimestamp.string(secondsSince1970: time).prefix(19)
            .filter { $0 != "-" && $0 != ":" }
        return stamp + "-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
    }

    private func startTimers() throws {
        let allocation = try LoopTimer(loop: loop)
        allocation.start(after: options.allocationInterval, repeating: options.allocationInterval) { [unowned self] in
            self.allocate()
        }
        let heartbeat = try LoopTimer(loop: loop)
        heartbeat.start(after: options.heartbeatInterval, repeating: options.heartbeatInterval) { [unowned self] in
            for framework in self.frameworks.values { framework.stream?.send(SchedulerEvent.heartbeat) }
        }
        let ping = try LoopTimer(loop: loop)
        ping.start(after: options.agentPingTimeout, repeating: options.agentPingTimeout) { [unowned self] in
            self.pingAgents()
        }
        timers = [allocation, heartbeat, ping]
    }

    /// Runs an allocation cycle on the next loop turn, coalescing bursts of events into one.
    func requestAllocation() {
        guard allocationSoon == nil else { return }
        allocationSoon = loop.schedule(after: .zero, orReport: timerFailed) { [unowned self] in
            self.allocationSoon = nil
            self.allocate()
        }
    }

    private func installRoutes(_ router: Router) {
        router.add(.post, "/api/v1/scheduler") { [unowned self] request, responder in
            self.handleSchedulerCall(request, responder)
        }
        router.add(.post, "/api/v1/agent") { [unowned self] request, responder in
            self.handleAgentCall(request, responder)
        }
        router.add(.get, "/state") { [unowned self] _ in
            HTTPResponse(status: .ok, headers: ["Content-Type": "application/json"], body: self.stateJSON().serialized())
        }
        router.add(.get, "/metrics") { [unowned self] _ in self.prometheusMetrics().response }
        router.add(.post, "/tasks/kill") { [unowned self] request, responder in
            self.asOperator(request, responder) { principal throws(AuthRejection) in try self.operatorKill(request, principal: principal) }
        }
        router.add(.post, "/teardown") { [unowned self] request, responder in
            self.asOperator(request, responder) { principal throws(AuthRejection) in try self.operatorTeardown(request, principal: principal) }
        }
        router.add(.get, "/openapi.json") { _ in HTTPResponse(status: .ok, contentType: "application/json", body: MasterOpenAPI.document) }
        router.add(.get, "/health") { _ in HTTPResponse(status: .ok, contentType: "text/plain", body: "OK\n") }
        router.add(.get, "/version") { _ in
            HTTPResponse(status: .ok, contentType: "application/json",
                         body: "{\"version\":\"\(agoraVersion)\",\"build_user\":\"agora\"}")
        }
    }
}
