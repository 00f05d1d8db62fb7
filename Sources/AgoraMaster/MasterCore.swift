import AgoraAllocator
import AgoraAuth
import AgoraResources
import AgoraWire
import Logging

/// The master's bookkeeping of frameworks, agents, offers and tasks, without I/O: `handle(event, now)` changes the
/// state and returns what the shell (`Master`) must do — send events on streams, write the registry, arm timers.
/// Time comes in as `now`; ids come from `masterID` and a counter. One function, `taskEnded`, owns what happens when
/// a task ends, whoever saw it end.
final class MasterCore {
    /// The knobs the rules use.
    struct Settings {
        var heartbeatInterval: Double = 15
        var agentPingInterval: Double = 15
        var maxAgentPingTimeouts = 5
        var agentReregisterTimeout: Double = 600
        /// Unreachable agents are kept in the registry this long, and at most this many (the oldest go first).
        var registryMaxAgentAge: Double = 14 * 24 * 3600
        var registryMaxAgentCount = 100_000
        var acls = ACLs()
    }

    let masterID: String
    let settings: Settings
    let logger: Logger
    let allocator = Allocator()
    var metrics = MasterMetrics()
    /// Sent in SUBSCRIBED; the shell fills it in once it listens.
    var masterInfo: MasterInfo?

    // The state: read by the shell (endpoints, admission checks), changed only by the core's own functions.
    var frameworks: [FrameworkID: FrameworkRecord] = [:]
    var completedFrameworks: [FrameworkRecord] = []
    var agents: [AgentID: AgentRecord] = [:]
    var offers: [OfferID: OfferRecord] = [:]
    /// Agents admitted before a restart that have not re-registered yet.
    var recoveredAgents: [AgentID: AgentInfo] = [:]
    /// Agents that missed their pings, with when: their tasks are unreachable until they come back.
    var unreachableAgents: [AgentID: (info: AgentInfo, since: Double)] = [:]
    /// Agents an operator marked gone: never admitted again.
    var goneAgents: Set<AgentID> = []
    private var counter = 0
    /// Resources of tasks and agents, each shared with the one before when equal (a few hundred bytes each).
    var taskResources = LastValue(Resources())
    var agentResources = LastValue([Resource]())
    var agentTotals = LastValue(Resources())
    /// The effects of the event being handled, in order.
    private var effects: [MasterEffect] = []
    /// The time of the event being handled.
    private(set) var now = 0.0

    init(masterID: String, settings: Settings, logger: Logger) {
        self.masterID = masterID
        self.settings = settings
        self.logger = logger
    }

    /// Applies `event` at time `now` and returns what must be done about it.
    func handle(_ event: MasterEvent, now: Double) -> [MasterEffect] {
        self.now = now
        effects = []
        switch event {
        case .frameworkSubscribed(let info, let id, let suppressedRoles, let streamID):
            subscribe(info, id: id, suppressedRoles: suppressedRoles, streamID: streamID)
        case .frameworkDisconnected(let id, let streamID):
            guard let framework = frameworks[id], framework.isConnected, framework.streamID == streamID else { break }
            disconnected(framework)
        case .frameworkUpdated(let id, let info, let suppressedRoles):
            guard let framework = frameworks[id] else { break }
            update(framework, info: info, suppressedRoles: suppressedRoles)
        case .schedulerCall(let id, let call):
            guard let framework = frameworks[id] else { break }
            dispatch(call, framework: framework)
        case .agentSubscribed(let subscribe, let id, let token, let principal, let ip):
            registerAgent(subscribe, requestedID: id, token: token, principal: principal, ip: ip)
        case .agentDisconnected(let id):
            guard let agent = agents[id], agent.isConnected else { break }
            agent.isConnected = false
            allocator.setAgentActive(id, false)
            logger.warning("agent \(id) disconnected; removed after missing pings")
        case .statusUpdate(let update, let agentID):
            guard let agent = agents[agentID] else { break }
            statusUpdate(update, from: agent)
        case .pong(let id):
            agents[id]?.answeredPing = true
            agents[id]?.missedPings = 0
        case .executorMessage(let message, let agentID):
            // At most once, as in Mesos: a framework that is not connected misses it.
            guard let framework = frameworks[message.frameworkID], framework.isConnected else {
                metrics.messagesDropped += 1
                break
            }
            metrics.messagesRelayed += 1
            emit(.toFramework(framework.id, SchedulerEvent(type: .message, message: .init(
                agentID: agentID, executorID: message.executorID, data: message.data))))
        case .executorExited(let exited, let agentID):
            guard frameworks[exited.frameworkID]?.isConnected == true else { break }
            emit(.toFramework(exited.frameworkID, SchedulerEvent(type: .failure, failure: .init(
                agentID: agentID, executorID: exited.executorID, status: exited.status))))
        case .teardown(let id, let reason):
            if let framework = frameworks[id] { teardown(framework, reason: reason) }
        case .recovered(let frameworks, let agents, let unreachable, let gone):
            recover(frameworks: frameworks, agents: agents)
            for (id, info, since) in unreachable { unreachableAgents[id] = (info, since) }
            goneAgents.formUnion(gone)
        case .markAgentGone(let id):
            markGone(id)
        case .timerFired(.failover(let id)):
            guard let framework = frameworks[id], !framework.isConnected else { break }
            teardown(framework, reason: "failover timeout elapsed")
        case .timerFired(.agentReregistration):
            for id in recoveredAgents.keys.sorted() {
                logger.warning("agent \(id) did not re-register after the restart; forgetting it")
                effects.append(.persist(.removeAgent(id)))
            }
            recoveredAgents.removeAll()
        case .allocate:
            allocate()
        case .pingAgents:
            pingAgents()
            pruneUnreachableAgents()
        case .heartbeat:
            for framework in frameworks.values where framework.isConnected {
                effects.append(.toFramework(framework.id, .heartbeat))
            }
        }
        return effects
    }

    /// A fresh id under this master: `<master>-<kind><number>`.
    func nextID(_ kind: String) -> String {
        counter += 1
        let number = String(counter)
        return "\(masterID)-\(kind)\(String(repeating: "0", count: max(0, 4 - number.count)))\(number)"
    }

    func emit(_ effect: MasterEffect) { effects.append(effect) }

    // MARK: Frameworks

    private func recover(frameworks recovered: [(FrameworkID, FrameworkInfo)], agents admitted: [(AgentID, AgentInfo)]) {
        for (id, info) in recovered {
            let framework = FrameworkRecord(id: id, info: info, registeredTime: now)
            frameworks[id] = framework
            allocator.addFramework(id, roles: framework.roles, active: false)
            emit(.arm(.failover(id), afterSeconds: max(info.failoverTimeout ?? 0, 0)))
        }
        for (id, info) in admitted { recoveredAgents[id] = info }
        guard !recoveredAgents.isEmpty else { return }
        emit(.arm(.agentReregistration, afterSeconds: settings.agentReregisterTimeout))
    }

    private func subscribe(_ info: FrameworkInfo, id: FrameworkID, suppressedRoles: [String], streamID: String) {
        let framework: FrameworkRecord
        if let existing = frameworks[id] {
            framework = existing
            if existing.isConnected {
                emit(.toFramework(id, SchedulerEvent(type: .error, error: .init(message: "Framework failed over"))))
                emit(.closeFrameworkStream(id))
            }
            emit(.cancel(.failover(id)))
            setInfo(info, of: existing, notify: false)
            logger.info("framework \(id) (\(info.name)) resubscribed")
        } else {
            framework = FrameworkRecord(id: id, info: info, registeredTime: now)
            frameworks[id] = framework
            allocator.addFramework(id, roles: framework.roles)
            logger.info("framework \(id) (\(info.name)) subscribed with role(s) \(framework.roles.joined(separator: ", "))")
        }
        emit(.persist(.admitFramework(info, id)))
        framework.isConnected = true
        framework.streamID = streamID
        allocator.setFrameworkActive(id, true)
        allocator.setSuppressed(id, roles: suppressedRoles)
        emit(.openFrameworkStream(id, streamID: streamID))
        emit(.toFramework(id, SchedulerEvent(type: .subscribed, subscribed: .init(
            frameworkID: id, heartbeatIntervalSeconds: settings.heartbeatInterval, masterInfo: masterInfo))))
        emit(.allocateSoon)
    }

    /// UPDATE_FRAMEWORK: the new info is kept and stored; suppression follows `suppressedRoles`.
    private func update(_ framework: FrameworkRecord, info: FrameworkInfo, suppressedRoles: [String]) {
        setInfo(info, of: framework, notify: true)
        allocator.setSuppressed(framework.id, roles: suppressedRoles)
        emit(.persist(.admitFramework(info, framework.id)))
        emit(.allocateSoon)
    }

    /// A framework's new info; changed roles take effect at once (its offers rescinded, the allocator told).
    private func setInfo(_ info: FrameworkInfo, of framework: FrameworkRecord, notify: Bool) {
        let oldRoles = framework.roles
        framework.info = info
        guard framework.roles != oldRoles else { return }
        rescindOffers(of: framework, notify: notify)
        allocator.setRoles(framework.id, framework.roles)
        logger.info("framework \(framework.id) now has role(s) \(framework.roles.joined(separator: ", "))")
    }

    /// The stream dropped: offers go back; tasks stay until `failover_timeout` runs out.
    private func disconnected(_ framework: FrameworkRecord) {
        framework.isConnected = false
        allocator.setFrameworkActive(framework.id, false)
        rescindOffers(of: framework, notify: false)
        let timeout = max(framework.info.failoverTimeout ?? 0, 0)
        logger.info("framework \(framework.id) disconnected; failover timeout \(timeout)s")
        emit(.arm(.failover(framework.id), afterSeconds: timeout))
        emit(.allocateSoon)
    }

    private func dispatch(_ call: SchedulerCall, framework: FrameworkRecord) {
        switch call.type {
        case .teardown?:
            teardown(framework, reason: "framework asked to be torn down")
        case .accept?:
            if let accept = call.accept { self.accept(accept, framework: framework) }
        case .decline?:
            for offerID in call.decline?.offerIDs ?? [] {
                guard let offer = takeOffer(offerID, of: framework) else { continue }
                metrics.offersDeclined += 1
                allocator.recover(offer.resources, framework: framework.id, agent: offer.agentID, role: offer.role,
                                  refuseSeconds: call.decline?.filters?.effectiveRefuseSeconds ?? 5, now: now)
            }
            emit(.allocateSoon)
        case .revive?:
            allocator.revive(framework.id, roles: call.revive?.roles ?? [])
            emit(.allocateSoon)
        case .suppress?:
            allocator.suppress(framework.id, roles: call.suppress?.roles ?? [])
        case .kill?:
            if let kill = call.kill { self.kill(kill, framework: framework) }
        case .acknowledge?:
            if let ack = call.acknowledge { acknowledge(ack, framework: framework) }
        case .reconcile?:
            if let reconcile = call.reconcile { self.reconcile(reconcile, framework: framework) }
        case .message?:
            guard let message = call.message else { break }
            metrics.messagesRelayed += 1
            emit(.toAgent(message.agentID, AgentEvent(type: .frameworkMessage, frameworkMessage: .init(
                frameworkID: framework.id, executorID: message.executorID, data: message.data))))
        case .shutdown?:
            guard let shutdown = call.shutdown else { break }
            emit(.toAgent(shutdown.agentID, AgentEvent(type: .shutdownExecutor, shutdownExecutor: .init(
                frameworkID: framework.id, executorID: shutdown.executorID))))
        case .request?, .acceptInverseOffers?, .declineInverseOffers?, .acknowledgeOperationStatus?,
             .reconcileOperations?, .updateFramework?, .subscribe?, .unknown?, nil:
            // Refused by the shell before they get here (`unsupportedProblem`).
            break
        }
    }

    /// Removes a framework: its offers are rescinded, its tasks killed on their agents and forgotten.
    func teardown(_ framework: FrameworkRecord, reason: String) {
        logger.info("tearing down framework \(framework.id): \(reason)")
        emit(.cancel(.failover(framework.id)))
        rescindOffers(of: framework, notify: false)
        var notified = Set<AgentID>()
        for task in framework.tasks.values.sorted(by: { $0.taskID < $1.taskID }) {
            agents[task.agentID]?.tasks.remove(task.key)
            if notified.insert(task.agentID).inserted {
                emit(.toAgent(task.agentID, AgentEvent(
                    type: .shutdownFramework, shutdownFramework: .init(frameworkID: framework.id))))
            }
            framework.remember(completed: task)
        }
        framework.tasks.removeAll()
        allocator.removeFramework(framework.id)
        emit(.persist(.removeFramework(framework.id)))
        frameworks[framework.id] = nil
        if framework.isConnected { emit(.closeFrameworkStream(framework.id)) }
        framework.isConnected = false
        completedFrameworks.append(framework)
        if completedFrameworks.count > 100 { completedFrameworks.removeFirst() }
        emit(.allocateSoon)
    }
}
