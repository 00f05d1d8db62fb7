import AgoraResources
import AgoraHTTP
import AgoraRuntime
import AgoraWire
import Foundation
import Logging

/// The Agora agent: registers this host's resources with the master (`MasterLink`) and runs tasks as process trees
/// in sandboxes under its work directory, reporting every state change until it is acknowledged
/// (`StatusUpdateManager`). Time comes from its `LoopClock`.
public final class Agent {
    let loop: Loop
    /// Where time comes from: the loop, or a manual clock in tests.
    let clock: any LoopClock
    let options: AgentOptions
    let logger: Logger
    let layout: SandboxLayout
    var agentID: AgentID?
    var tasks: [TaskKey: TaskRun] = [:]
    /// The task of each custom executor (Agora's command executors have their task's id).
    var customExecutors: [ExecutorKey: TaskKey] = [:]
    var completed: [TaskRun] = []
    var frameworks: [FrameworkID: FrameworkInfo] = [:]
    var metrics = AgentMetrics()
    private var server: HTTPServer?
    private(set) var link: MasterLink?
    var updates: StatusUpdateManager?
    private var gcTimers: [String: LoopTimer] = [:]
    var diskWatch: LoopTimer?
    /// Cgroup isolation, when enabled and available on this host.
    let isolator: CgroupIsolator?
    /// Container images, and container tasks' OCI bundles.
    let images: ImageStore
    let bundles: ContainerBundles
    var imageCollection: LoopTimer?
    /// The CNI networks tasks may join.
    let networks: CNINetworks

    public init(loop: Loop, clock: (any LoopClock)? = nil, options: AgentOptions, logger: Logger) throws {
        self.loop = loop
        self.clock = clock ?? loop
        self.options = options
        self.logger = logger
        layout = SandboxLayout(root: options.workDirectory)
        isolator = options.isolation ? CgroupIsolator(instance: String(getpid())) : nil
        if options.isolation {
            logger.info(isolator.map { "isolating tasks with \($0.description) (memory, cpu, pids)" }
                ?? "cgroups are not available here; tasks run without resource limits")
        }
        try FileManager.default.createDirectory(atPath: layout.sandboxesRoot, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: options.workDirectory + "/meta", withIntermediateDirectories: true)
        checkpointLog = try AppendLog(path: CheckpointLayout(root: options.workDirectory).logFile)
        images = try ImageStore(loop: loop, settings: ImageStore.Settings(
            directory: options.imageDirectory ?? options.workDirectory + "/images", mirrors: options.registryMirrors,
            insecureRegistries: options.insecureRegistries, pullTimeout: options.imagePullTimeout,
            gcDelay: options.imageGCDelay), logger: logger, now: { [clock = self.clock] in clock.now })
        bundles = ContainerBundles(workDirectory: options.workDirectory, runtime: options.containerRuntime,
                                   dnsServers: options.containerDNS, dnsSearch: options.containerDNSSearch)
        networks = try options.networkConfigDirectory.map { (directory) throws(NetworkError) in
            try CNINetworks(directory: directory, pluginDirectory: options.networkPluginDirectory)
        } ?? CNINetworks(pluginDirectory: options.networkPluginDirectory)
        if !networks.names.isEmpty { logger.info("CNI networks: \(networks.names.joined(separator: ", "))") }
        if let saved = try? Files.readText(layout.agentIDFile) {
            let trimmed = saved.trimmingCharacters(in: .whitespacesAndNewlines)
            if !trimmed.isEmpty { agentID = AgentID(trimmed) }
        }
        let router = Router()
        installRoutes(router)
        server = try HTTPServer(loop: loop, address: options.address, router: router)
        updates = StatusUpdateManager(clock: self.clock, initialBackoff: options.statusUpdateRetry,
                                      timerFailed: { [weak self] in self?.timerFailed($0) }) { [weak self] update in
            guard let self else { return }
            self.link?.send(AgentCall(type: .update, agentID: self.agentID, update: update))
        }
        let link = MasterLink(
            loop: loop, master: options.master, credential: options.credential, tokenFile: layout.agentTokenFile, logger: logger,
            subscribeCall: { [unowned self] in self.subscribeCall() },
            onEvent: { [unowned self] event in self.handle(event) },
            onDisconnected: { [unowned self] in self.logger.warning("lost the master; tasks keep running") },
            onTimerFailure: { [unowned self] in self.timerFailed($0) })
        self.link = link
        checkpointEndpoint()
        recover()
        // Bundles (and their mounts) that no recovered task owns are what a crash or a cleanup left behind.
        bundles.releaseAll(except: Set(tasks.values.filter { $0.imageManifest != nil }.map(\.cgroupName)))
        removeNamespaces(except: Set(tasks.values.compactMap(\.network?.namespace)))
        startImageCollection()
        link.start()
        try startDiskWatch()
    }

    /// The log of task checkpoints, the record each task has in it, and the changes of this loop turn (written
    /// together at its end).
    let checkpointLog: AppendLog
    var checkpointRecords: [TaskKey: [UInt8]] = [:]
    var pendingCheckpoints: [TaskKey: PendingCheckpoint] = [:]
    /// Set by `stop()`: nothing new is started or scheduled afterwards.
    private(set) var isStopped = false

    /// The address the agent's HTTP endpoints listen on.
    public var address: SocketAddress { server?.localAddress ?? options.address }

    /// Stops talking to the master and serving HTTP. Running tasks are killed (process groups, SIGKILL).
    public func stop() {
        isStopped = true
        writeCheckpoints()
        link?.stop()
        updates?.stop()
        for timer in gcTimers.values { timer.close() }
        gcTimers.removeAll()
        diskWatch?.close()
        diskWatch = nil
        for run in tasks.values {
            run.killTimer?.close()
            run.executorStream?.close()
            // With --recover=reconnect the executors, their tasks and loggers go on, for the next agent to re-attach;
            // their handles no longer keep this agent's loop (and process) alive.
            guard options.recover == .cleanup else {
                run.process?.setKeepsLoopAlive(false)
                for logger in run.loggers { logger.setKeepsLoopAlive(false) }
                continue
            }
            try? run.process?.killGroup(.kill)
            if let pid = run.taskPID { try? ChildProcess.killGroup(pid, .kill) }
            isolator?.killAll(task: run.cgroupName, instance: run.cgroupInstance, byRuntime: run.runsInContainer)
            releaseContainer(of: run)
            if let network = run.network, !run.releasingNetwork {
                releaseNetworkNow(network)
                run.network = nil
            }
        }
        imageCollection?.close()
        imageCollection = nil
        isolator?.close(keepBusy: options.recover == .reconnect)
        server?.close()
        server = nil
    }

    /// A timer that could not be armed: logged and counted in `/metrics`.
    func timerFailed(_ error: RuntimeError) {
        metrics.timerFailures += 1
        logger.critical("cannot arm a timer: \(error)")
    }

    /// This agent as its master and executors see it.
    func agentInfo() -> AgentInfo {
        AgentInfo(hostname: options.hostname, port: Int32(address.port), resources: options.resources.wire(),
                  attributes: options.attributes, id: agentID)
    }

    private func subscribeCall() -> AgentCall {
        let info = agentInfo()
        let running = tasks.values.filter { !$0.state.isTerminal }.map { run in
            TaskRecord(name: run.info.name, taskID: run.info.taskID, frameworkID: run.frameworkID,
                       agentID: agentID ?? run.info.agentID, state: run.state, resources: run.info.resources)
        }
        return AgentCall(type: .subscribe, agentID: agentID, subscribe: .init(
            agentInfo: info, tasks: running, frameworks: Array(frameworks.values)))
    }

    private func handle(_ event: AgentEvent) {
        switch event.type {
        case .subscribed?:
            guard let subscribed = event.subscribed else { return }
            if agentID != subscribed.agentID {
                agentID = subscribed.agentID
                do {
                    try Files.writeAtomically(layout.agentIDFile, Array((subscribed.agentID.value + "\n").utf8), mode: 0o644)
                } catch {
                    metrics.checkpointFailures += 1
                    logger.error("cannot checkpoint the agent id in \(layout.agentIDFile): \(error)")
                }
            }
            logger.info("registered with the master as \(subscribed.agentID)")
            updates?.resendAll()
        case .runTask?:
            guard let run = event.runTask else { return }
            launch(run.task, framework: run.framework)
        case .killTask?:
            guard let kill = event.killTask else { return }
            self.kill(TaskKey(framework: kill.frameworkID, task: kill.taskID), policy: kill.killPolicy)
        case .acknowledge?:
            guard let ack = event.acknowledge else { return }
            acknowledged(framework: ack.frameworkID, task: ack.taskID, uuid: ack.uuid)
        case .ping?:
            link?.send(AgentCall(type: .pong, agentID: agentID))
        case .frameworkMessage?:
            guard let message = event.frameworkMessage else { return }
            deliver(message)
        case .shutdownExecutor?:
            guard let shutdown = event.shutdownExecutor, let run = executorRun(shutdown.frameworkID, shutdown.executorID) else {
                logger.warning("SHUTDOWN of an executor that does not run here was ignored")
                return
            }
            shutdownExecutor(run)
        case .shutdownFramework?:
            guard let shutdown = event.shutdownFramework else { return }
            for run in tasks.values where run.frameworkID == shutdown.frameworkID {
                kill(run.key, policy: nil)
            }
            frameworks[shutdown.frameworkID] = nil
        case .unknown?, nil:
            logger.warning("ignoring an event of unknown type from the master")
        }
    }

    /// Records a state change and hands it to the status update manager (with a fresh uuid, or the executor's).
    func report(_ run: TaskRun, _ state: TaskState, message: String? = nil, reason: TaskStatus.Reason? = nil,
                uuid: [UInt8]? = nil, data: [UInt8]? = nil) {
        run.state = state
        run.message = message
        var labels = [Label(key: StatusLabel.sandbox, value: run.sandbox)]
        if state.isTerminal, let exit = run.exit {
            labels.append(Label(key: StatusLabel.exitCode, value: String(exit.code)))
            if let signal = exit.signal { labels.append(Label(key: StatusLabel.signal, value: String(signal.rawValue))) }
        }
        let status = TaskStatus(
            taskID: run.info.taskID, state: state, message: message, source: run.customExecutor != nil && uuid != nil ? .executor : .agent,
            reason: reason, data: data, agentID: agentID, executorID: run.customExecutor?.executorID, timestamp: clock.now, uuid: uuid ?? TaskStatus.newUUID(), healthy: run.healthy,
            labels: Labels(labels), containerStatus: run.network.flatMap { $0.attachments.isEmpty ? nil : $0.containerStatus })
        metrics.statusUpdates += 1
        updates?.enqueue(status, framework: run.frameworkID)
        checkpoint(run)
    }

    private func acknowledged(framework: FrameworkID, task: TaskID, uuid: [UInt8]) {
        guard let status = updates?.acknowledge(framework: framework, task: task, uuid: uuid) else { return }
        let key = TaskKey(framework: framework, task: task)
        if let run = tasks[key], run.executorUpdates.remove(uuid) != nil {
            send(ExecutorEvent(type: .acknowledged, acknowledged: .init(taskID: task, uuid: uuid)), to: run)
        }
        if let run = tasks[key] { checkpoint(run) }
        guard status.state.isTerminal else { return }
        retireIfDone(key)
    }

    /// A task whose end was acknowledged and whose executor has exited moves to the completed ones.
    func retireIfDone(_ key: TaskKey) {
        guard let run = tasks[key], run.state.isTerminal, run.process == nil, run.adoptedExecutorPID == nil, run.network == nil,
              updates?.hasPending(framework: key.framework, task: key.task) != true else { return }
        removeCheckpoint(key)
        releaseContainer(of: run)
        tasks[key] = nil
        customExecutors[ExecutorKey(framework: key.framework, executor: run.executorID)] = nil
        completed.append(run)
        if completed.count > 1000 { completed.removeFirst() }
        scheduleGarbageCollection(run.sandbox)
    }

    private func scheduleGarbageCollection(_ sandbox: String) {
        guard !isStopped else { return }
        gcTimers[sandbox] = loop.schedule(after: options.gcDelay, orReport: timerFailed) { [weak self] in
            self?.gcTimers[sandbox] = nil
            try? FileManager.default.removeItem(atPath: sandbox)
            self?.metrics.sandboxesCollected += 1
        }
    }

    /// Pending status updates (for `/metrics`).
    var pendingUpdates: Int { updates?.pendingCount ?? 0 }
}

/// Counters the agent keeps for `/metrics`.
struct AgentMetrics {
    var tasksLaunched = 0
    var launchFailures = 0
    var statusUpdates = 0
    var sandboxesCollected = 0
    var terminal: [String: Int] = [:]
    var authFailures = 0
    var timerFailures = 0
    var checkpointFailures = 0
    /// Framework messages for executors that were not subscribed.
    var messagesDropped = 0
}
