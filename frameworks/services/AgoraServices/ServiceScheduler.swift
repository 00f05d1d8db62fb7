import AgoraResources
import AgoraRuntime
import AgoraScheduler
import AgoraWire
import Foundation
import Logging

/// Keeps every app at its declared instances on the cluster: launches into offers (resources, ports,
/// constraints), replaces failed instances with backoff, scales, and rolls out new versions while
/// keeping `minimumHealthCapacity` of the instances healthy.
public final class ServiceScheduler: SchedulerDelegate {
    let store: ServiceStore
    let logger: Logger
    /// Where time comes from: the loop in the daemon, a manual clock in tests.
    let clock: any LoopClock
    /// Where apps' service ports come from.
    let servicePorts: ServicePorts
    /// How long a running instance is shown `TASK_KILLING` before it is killed (`--kill-drain-delay`).
    let drainDelay: Duration
    var client: SchedulerClient?
    public private(set) var apps: [String: AppDefinition] = [:]
    public private(set) var tasks: [TaskID: ServiceTask] = [:]
    public private(set) var deployments: [Deployment] = []
    public private(set) var launchStats: [String: LaunchStats] = [:]
    /// Per app: consecutive failures and the earliest next launch.
    private(set) var backoff: [String: (failures: Int, until: Date)] = [:]
    /// The last instance of each app that ended without being asked to (Marathon's `lastTaskFailure`).
    private(set) var lastTaskFailure: [String: JSONValue] = [:]
    private var reconciled = false
    /// Listeners for `/v2/events`.
    var onEvent: ((String, JSONValue) -> Void)?

    init(clock: any LoopClock, store: ServiceStore, logger: Logger, servicePorts: ServicePorts = ServicePorts(),
         drainDelay: Duration = .zero) throws {
        self.clock = clock
        self.servicePorts = servicePorts
        self.drainDelay = drainDelay
        self.store = store
        self.logger = logger
        store.db.groupWrites(on: clock) { [logger] in logger.error("\($0)") }
        for app in try store.apps() { apps[app.id] = app }
        // Apps stored before service ports were given out get theirs now.
        for var app in apps.values.sorted(by: { $0.id < $1.id }) where ServicePorts.of(app).contains(0) {
            do {
                try servicePorts.assign(&app, previous: nil, others: Array(apps.values))
                try store.save(app)
                apps[app.id] = app
            } catch {
                logger.error("cannot give \(app.id) its service ports: \(error)")
            }
        }
        for task in try store.tasks() { tasks[task.id] = task }
        deployments = try store.deployments()
        for row in store.skippedRows { logger.error("skipped a stored row that is no longer valid: \(row)") }
    }

    /// The clock's time as a date.
    var now: Date { Date(timeIntervalSince1970: clock.now) }

    // MARK: Changes from the API

    /// Stores `app` (new or changed) and starts a deployment; returns it.
    func put(_ app: AppDefinition, action: DeploymentAction) throws -> Deployment {
        var app = app
        let previous = apps[app.id]
        try servicePorts.assign(&app, previous: previous, others: Array(apps.values))
        // A new version means new tasks; scaling (or relabelling) keeps the running ones.
        if let previous, action != .restart, !app.needsRestart(comparedTo: previous) {
            app.version = previous.version
        } else {
            app.version = now
        }
        try store.save(app)
        apps[app.id] = app
        backoff[app.id] = nil
        let deployment = Deployment(id: UUID().uuidString.lowercased(), appID: app.id, version: now,
                                    action: action, previous: previous)
        begin(deployment)
        emit("deployment_info", .object([("id", .string(deployment.id)), ("appId", .string(app.id))]))
        converge()
        return deployment
    }

    /// Removes an app and kills its instances.
    func delete(_ id: String) throws -> Deployment {
        guard let app = apps[id] else { throw ServiceError.notFound("App '\(id)' does not exist") }
        try store.delete(app: id)
        apps[id] = nil
        backoff[id] = nil
        launchStats[id] = nil
        let deployment = Deployment(id: UUID().uuidString.lowercased(), appID: id, version: now, action: .stop,
                                    previous: app)
        begin(deployment)
        converge()
        return deployment
    }

    /// Restarts every instance with the same definition under a new version.
    func restart(_ id: String) throws -> Deployment {
        guard let app = apps[id] else { throw ServiceError.notFound("App '\(id)' does not exist") }
        return try put(app, action: .restart)
    }

    /// Kills one task; with `scale` the app's instance count drops by one instead of replacing it.
    func killTask(_ taskID: TaskID, scale: Bool) throws -> ServiceTask {
        guard let task = tasks[taskID], task.isAlive else { throw ServiceError.notFound("Task '\(taskID)' does not exist") }
        if scale, var app = apps[task.appID] {
            app.instances = max(0, app.instances - 1)
            try store.save(app)
            apps[app.id] = app
        }
        kill(task)
        return task
    }

    /// Cancels a deployment: `force` just forgets it; otherwise the app goes back to its previous definition.
    func cancel(deployment id: String, force: Bool) throws -> Deployment? {
        guard let deployment = deployments.first(where: { $0.id == id }) else {
            throw ServiceError.notFound("Deployment '\(id)' does not exist")
        }
        end(deployment)
        guard !force else { return nil }
        if let previous = deployment.previous { return try put(previous, action: .rollback) }
        return try delete(deployment.appID)
    }

    func resetDelay(_ id: String) -> Bool {
        guard apps[id] != nil else { return false }
        backoff[id] = nil
        converge()
        return true
    }

    // MARK: Convergence

    func liveTasks(of id: String) -> [ServiceTask] { tasks.values.filter { $0.appID == id && $0.isAlive } }

    /// What the framework must do now (`ServicePlanner.reconcile`).
    func plan() -> ServicePlan {
        ServicePlanner.reconcile(apps: apps, tasks: Array(tasks.values), deployments: deployments,
                                 backoffUntil: backoff.mapValues(\.until), now: now)
    }

    /// Instances each app still needs launched now (zero while it backs off).
    func pendingLaunches() -> [String: Int] { plan().launches }

    /// Applies the plan: kills what is too much, outdated (while keeping enough healthy) or orphaned, ends finished
    /// deployments, and asks for offers only when they are wanted and the master was told they were not (and the
    /// other way round).
    func converge() {
        guard reconciled else { return }
        let plan = plan()
        for id in plan.apps.values.flatMap(\.expunge) {
            guard let task = tasks.removeValue(forKey: id) else { continue }
            store.delete(task: id)
            logger.warning("forgetting \(id) of \(task.appID): unreachable since \(task.unreachableSince.map(MarathonDate.format) ?? "?")")
        }
        for id in plan.apps.values.flatMap(\.kill) + plan.orphans { if let task = tasks[id] { kill(task) } }
        for id in plan.finishedDeployments {
            guard let deployment = deployments.first(where: { $0.id == id }) else { continue }
            end(deployment)
            emit("deployment_success", .object([("id", .string(deployment.id)), ("appId", .string(deployment.appID))]))
        }
        client?.wantOffers(plan.needsOffers)
    }

    /// A new deployment replaces any running one of the same app.
    private func begin(_ deployment: Deployment) {
        for running in deployments where running.appID == deployment.appID { end(running) }
        deployments.append(deployment)
        store.save(deployment)
    }

    private func end(_ deployment: Deployment) {
        deployments.removeAll { $0.id == deployment.id }
        store.delete(deployment: deployment.id)
    }

    /// Kills a task. A running one is shown `TASK_KILLING` first and killed `drainDelay` later, so that load
    /// balancers following the events take it out of their backends before it gets its SIGTERM.
    private func kill(_ task: ServiceTask) {
        let draining = task.state == .running && drainDelay > .zero && !task.killing
        task.killing = true
        store.save(task)
        let grace = apps[task.appID]?.taskKillGracePeriodSeconds
        guard draining else {
            client?.kill(task.id, agent: task.agentID, gracePeriod: grace)
            return
        }
        emit("status_update_event", .object([("taskId", .string(task.id.value)), ("appId", .string(task.appID)),
                                             ("taskStatus", .string(TaskState.killing.rawValue)), ("host", .string(task.host))]))
        do {
            _ = try clock.schedule(in: drainDelay) { [weak self] in
                guard let self, let task = self.tasks[task.id], task.isAlive else { return }
                self.client?.kill(task.id, agent: task.agentID, gracePeriod: grace)
            }
        } catch {
            client?.kill(task.id, agent: task.agentID, gracePeriod: grace)
        }
    }

    // MARK: Scheduler events

    public func subscribed(_ client: SchedulerClient, frameworkID: FrameworkID, masterInfo: MasterInfo?) {
        store.frameworkID = frameworkID
        logger.info("subscribed as \(frameworkID); reconciling \(tasks.count) task(s)")
        let known = tasks.values.filter(\.isAlive).map { ($0.id, Optional($0.agentID)) }
        client.reconcileUntilKnown(known) { [weak self] _ in
            guard let self else { return }
            self.reconciled = true
            self.logger.info("reconciliation done; \(self.tasks.values.filter(\.isAlive).count) task(s) adopted")
            self.converge()
        }
    }

    public func offers(_ client: SchedulerClient, _ offers: [Offer]) {
        var pending = reconciled ? pendingLaunches() : [:]
        var packers: [OfferPacker] = []
        // Where each app with constraints has instances, gathered once and extended with each placement: a scan of
        // every task per instance placed would be quadratic in the instances of a large deployment.
        var placedByApp: [String: [(String, [Attribute])]] = [:]
        for offer in offers {
            var packer = OfferPacker(offer)
            for id in pending.keys.sorted() {
                guard let app = apps[id] else { continue }
                var stats = launchStats[id] ?? LaunchStats()
                stats.offersSeen += 1
                stats.lastSeen = now
                while (pending[id] ?? 0) > 0 {
                    if !app.constraints.isEmpty {
                        let placed = placedByApp[id] ?? liveTasks(of: id).map { ($0.host, agentAttributes[$0.agentID] ?? []) }
                        placedByApp[id] = placed
                        if let broken = PlacementConstraint.violation(app.constraints, hostname: offer.hostname,
                                                                      attributes: offer.attributes, placed: placed) {
                            stats.rejections["UnfulfilledConstraint \(broken.label)", default: 0] += 1
                            break
                        }
                    }
                    var demand = ResourceDemand(cpus: app.cpus, mem: app.mem, disk: app.disk,
                                                ports: app.requirePorts ? 0 : app.ports.count)
                    if app.requirePorts {
                        demand.exactRanges["ports"] = RangeSet(app.ports.map { UInt64($0)...UInt64($0) })
                    }
                    guard let room = packer.take(demand) else {
                        let free = packer.remaining
                        for (name, amount) in [("cpus", app.cpus), ("mem", app.mem), ("disk", app.disk)]
                        where free.scalar(name) < amount {
                            stats.rejections["InsufficientResources \(name)", default: 0] += 1
                        }
                        if app.requirePorts ? !free.ranges("ports").contains(demand.exactRanges["ports"] ?? RangeSet())
                            : free.ranges("ports").count < UInt64(app.ports.count) {
                            stats.rejections["InsufficientResources ports", default: 0] += 1
                        }
                        break
                    }
                    pending[id, default: 0] -= 1
                    packer.add(taskInfo(for: app, offer: offer, resources: room))
                    placedByApp[id]?.append((offer.hostname, offer.attributes))
                }
                launchStats[id] = stats
            }
            agentAttributes[offer.agentID] = offer.attributes
            packers.append(packer)
        }
        OfferPacker.finish(packers, on: client, refuseSeconds: 1, declineSeconds: pending.values.contains { $0 > 0 } ? 1 : 5)
    }

    private var agentAttributes: [AgentID: [Attribute]] = [:]

    private func taskInfo(for app: AppDefinition, offer: Offer, resources: Resources) -> TaskInfo {
        let id = TaskID.unique(prefix: AppID.taskPrefix(app.id))
        let ports = app.requirePorts ? app.ports.map { UInt64($0) } : resources.ranges("ports").values
        let task = ServiceTask(id: id, appID: app.id, version: app.version, agentID: offer.agentID,
                               host: offer.hostname, ports: ports, stagedAt: now)
        tasks[id] = task
        store.save(task)
        // Marathon's port variables, in the order the app declares its ports: the host port, or for a mapping without
        // one the container port.
        var env = app.env
        let declared = app.environmentPorts(hostPorts: ports)
        for (index, port) in declared.enumerated() { env["PORT\(index)"] = String(port) }
        env["PORT"] = declared.first.map(String.init)
        env["PORTS"] = declared.map(String.init).joined(separator: ",")
        var command: CommandInfo = if let cmd = app.cmd {
            .shell(cmd, environment: Environment(env))
        } else {
            CommandInfo(environment: Environment(env), shell: false, value: app.args?.first, arguments: app.args ?? [])
        }
        command.user = app.user
        command.uris = app.fetch
        var info = TaskInfo(name: app.id, taskID: id, agentID: offer.agentID,
                            resources: resources.wire(allocationRole: offer.allocationInfo?.role), command: command,
                            labels: Labels([Label(key: "app", value: app.id)]))
        info.container = app.container?.containerInfo(networks: app.networks, hostPorts: ports)
        if let grace = app.taskKillGracePeriodSeconds { info.killPolicy = KillPolicy(gracePeriod: DurationInfo(seconds: grace)) }
        if let check = app.healthChecks.first {
            let port = app.hostPortIndex(check.portIndex).map { UInt32(clamping: ports[$0]) } ?? 0
            info.healthCheck = HealthCheck(
                type: check.kind, command: check.command.map { .shell($0) },
                http: check.kind == .http ? .init(port: port, path: check.path) : nil,
                tcp: check.kind == .tcp ? .init(port: port) : nil,
                delaySeconds: 0, intervalSeconds: check.intervalSeconds, timeoutSeconds: check.timeoutSeconds,
                consecutiveFailures: UInt32(clamping: check.maxConsecutiveFailures), gracePeriodSeconds: check.gracePeriodSeconds)
        }
        logger.info("launching \(id) of \(app.id) on \(offer.hostname) ports \(ports)")
        emit("status_update_event", .object([("taskId", .string(id.value)), ("appId", .string(app.id)),
                                             ("taskStatus", .string("TASK_STAGING"))]))
        return info
    }

    public func update(_ client: SchedulerClient, _ status: TaskStatus) {
        guard let task = tasks[status.taskID] else {
            // An instance this framework forgot (expunged while unreachable) that came back: it goes.
            if !status.state.isTerminal && status.state != .unreachable {
                logger.warning("killing \(status.taskID), which is no longer an instance of any app")
                client.kill(status.taskID, agent: status.agentID)
            }
            return
        }
        if status.state == .unreachable {
            if task.unreachableSince == nil { reconsiderWhenUnreachable(task) }
        } else {
            task.unreachableSince = nil
        }
        let wasHealthy = task.healthy
        task.state = status.state
        if let healthy = status.healthy { task.healthy = healthy }
        if let networks = status.containerStatus?.networkInfos {
            task.containerAddresses = networks.flatMap { $0.ipAddresses.compactMap(\.ipAddress) }
        }
        if status.state == .running && task.startedAt == nil { task.startedAt = now }
        emit("status_update_event", .object([
            ("taskId", .string(task.id.value)), ("appId", .string(task.appID)), ("taskStatus", .string(status.state.rawValue)),
            ("host", .string(task.host)), ("message", .string(status.message ?? "")),
        ]))
        if wasHealthy != task.healthy, let healthy = task.healthy {
            emit("health_status_changed_event", .object([("taskId", .string(task.id.value)), ("appId", .string(task.appID)),
                                                        ("alive", .bool(healthy))]))
        }
        // TASK_UNKNOWN: the master never heard of the instance (its launch was lost with a dropped connection), so
        // nothing runs it. Like TASK_LOST on reconciliation it is replaced at once, not counted as a failure.
        let unknownToTheMaster = status.reason == .reconciliation && (status.state == .lost || status.state == .unknown)
        if status.state.isTerminal || status.state == .unknown {
            tasks[task.id] = nil
            store.delete(task: task.id)
            if unknownToTheMaster && !task.killing {
                logger.warning("the master does not know \(task.id) of \(task.appID) (\(status.state.rawValue)); replacing it")
            }
            if !task.killing, let app = apps[task.appID], !unknownToTheMaster {
                let failures = (backoff[app.id]?.failures ?? 0) + 1
                let delay = min(app.backoffSeconds * pow(app.backoffFactor, Double(failures - 1)), app.maxLaunchDelaySeconds)
                backoff[app.id] = (failures, now.addingTimeInterval(delay))
                lastTaskFailure[app.id] = .object([
                    ("appId", .string(app.id)), ("host", .string(task.host)), ("message", .string(status.message ?? "")),
                    ("state", .string(status.state.rawValue)), ("taskId", .string(task.id.value)),
                    ("timestamp", .string(MarathonDate.format(now))), ("version", .string(MarathonDate.format(task.version))),
                ])
                logger.warning("task \(task.id) of \(app.id) ended \(status.state.rawValue): \(status.message ?? ""); replacing in \(delay)s")
                do {
                    try clock.schedule(in: Bounds.duration(seconds: delay + 0.01)) { [weak self] in self?.converge() }
                } catch {
                    logger.critical("cannot arm the backoff timer of \(app.id): \(error)")
                }
            }
        } else {
            store.save(task)
            if status.state == .running && task.healthy != false { backoff[task.appID]?.failures = 0 }
        }
        convergeAfterThisTurn()
    }

    private var convergePending = false

    /// Updates arrive in bursts (one per instance of a deployment): the plan, which looks at every task, is made once
    /// per loop turn rather than once per update (quadratic in the instances).
    private func convergeAfterThisTurn() {
        guard !convergePending else { return }
        convergePending = true
        do {
            try clock.schedule(in: .zero) { [weak self] in
                self?.convergePending = false
                self?.converge()
            }
        } catch {
            convergePending = false
            converge()
        }
    }

    /// Marks `task` unreachable from now and converges again when its app's strategy says to replace or forget it.
    private func reconsiderWhenUnreachable(_ task: ServiceTask) {
        task.unreachableSince = now
        guard case .enabled(let inactive, let expunge)? = apps[task.appID]?.unreachableStrategy else { return }
        logger.warning("\(task.id) of \(task.appID) is unreachable; replaced after \(inactive)s, forgotten after \(expunge)s")
        for delay in Set([inactive, expunge]) {
            do {
                try clock.schedule(in: Bounds.duration(seconds: delay + 0.01)) { [weak self] in self?.converge() }
            } catch {
                logger.critical("cannot arm the unreachable-strategy timer of \(task.appID): \(error)")
            }
        }
    }

    private func emit(_ type: String, _ payload: JSONValue) {
        onEvent?(type, payload)
    }
}

/// An API request that cannot be served.
enum ServiceError: Error {
    case notFound(String)
    case conflict(String)
}
