@testable import AgoraMaster
import AgoraResources
import AgoraRuntime
import AgoraRuntimeTesting
import AgoraWire
import Logging

/// Drives a `MasterCore` on a manual clock: timers the core arms run when the test advances time, and every event
/// sent and registry write is recorded. Allocation runs only when a test asks (`allocate()`).
final class CoreHarness {
    let clock = ManualClock()
    let core: MasterCore
    private(set) var toFrameworks: [(FrameworkID, SchedulerEvent)] = []
    /// How many task updates went out marked as an agent's resend.
    private(set) var resentToFrameworks = 0
    private(set) var toAgents: [(AgentID, AgentEvent)] = []
    private(set) var writes: [RegistryWrite] = []
    private(set) var closedFrameworkStreams: [FrameworkID] = []
    private var timers: [MasterTimer: any ScheduledWork] = [:]
    private var streams = 0

    init(settings: MasterCore.Settings = MasterCore.Settings()) {
        core = MasterCore(masterID: "m", settings: settings, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    /// Timers armed and not yet fired or cancelled.
    var armed: Set<MasterTimer> { Set(timers.keys) }

    func run(_ event: MasterEvent) {
        for effect in core.handle(event, now: clock.now) {
            switch effect {
            case .toFramework(let id, let event): toFrameworks.append((id, event))
            case .taskStatusToFramework(let id, let event, _, let resend):
                toFrameworks.append((id, event))
                if resend { resentToFrameworks += 1 }
            case .toAgent(let id, let event): toAgents.append((id, event))
            case .toAgents(let ids, let event): toAgents += ids.map { ($0, event) }
            case .closeFrameworkStream(let id): closedFrameworkStreams.append(id)
            case .persist(let write): writes.append(write)
            case .arm(let timer, let seconds):
                timers[timer]?.cancel()
                timers[timer] = clock.schedule(in: .milliseconds(Int64(seconds * 1000))) { [unowned self] in
                    self.timers[timer] = nil
                    self.run(.timerFired(timer))
                }
            case .cancel(let timer):
                timers.removeValue(forKey: timer)?.cancel()
            case .openFrameworkStream, .openAgentStream, .closeAgentStream, .allocateSoon:
                break
            }
        }
    }

    // MARK: Steps of a scenario

    /// Subscribes a framework; returns its id.
    @discardableResult
    func subscribe(_ name: String, failoverTimeout: Double = 0, id: FrameworkID? = nil, partitionAware: Bool = false)
        -> FrameworkID {
        let id = id ?? FrameworkID("fw-\(name)")
        streams += 1
        var info = FrameworkInfo(user: "root", name: name, id: id, failoverTimeout: failoverTimeout)
        if partitionAware { info.capabilities = [.init(type: .partitionAware)] }
        run(.frameworkSubscribed(info, id: id, suppressedRoles: [], streamID: "stream-\(streams)"))
        return id
    }

    func disconnect(_ id: FrameworkID) {
        run(.frameworkDisconnected(id, streamID: core.frameworks[id]?.streamID ?? ""))
    }

    /// Registers an agent with `resources` (flag syntax); returns its id.
    func addAgent(_ resources: String, tasks: [TaskRecord] = [], id: AgentID? = nil) throws -> AgentID {
        let info = AgentInfo(hostname: "host", port: 5051, resources: try Resources(parsing: resources).wire(), attributes: [], id: id)
        run(.agentSubscribed(.init(agentInfo: info, tasks: tasks), id: id, token: .random(), principal: nil, ip: "10.0.0.1"))
        return id ?? toAgents.last { $0.1.type == .subscribed }!.1.subscribed!.agentID
    }

    /// Agent `id` comes back (after a partition or a restart) running `tasks` of `framework` (cpus:1;mem:128 each).
    func agentReturns(_ id: AgentID, running tasks: [String], of framework: FrameworkID) throws {
        let records = try tasks.map { task in
            TaskRecord(name: task, taskID: TaskID(task), frameworkID: framework, agentID: id, state: .running,
                       resources: try Resources(parsing: "cpus:1;mem:128").wire())
        }
        _ = try addAgent("cpus:4;mem:1024", tasks: records, id: id)
    }

    /// Asks for the state of `tasks` on `agent` and returns the answers.
    func reconcile(_ tasks: [String], agent: AgentID?, framework: FrameworkID) -> [TaskStatus] {
        let before = toFrameworks.count
        run(.schedulerCall(framework, SchedulerCall(type: .reconcile, reconcile: .init(
            tasks: tasks.map { .init(taskID: TaskID($0), agentID: agent) }))))
        return toFrameworks[before...].filter { $0.0 == framework }.compactMap { $0.1.update?.status }
    }

    /// Runs an allocation and returns the offers made to `framework`.
    func allocate(for framework: FrameworkID) -> [Offer] {
        let before = toFrameworks.count
        run(.allocate)
        return toFrameworks[before...].filter { $0.0 == framework }.flatMap { $0.1.offers?.offers ?? [] }
    }

    /// Launches shell tasks on `offer` with `resources` each (or tasks of the custom executor `executor`).
    func launch(_ ids: [String], on offer: Offer, resources: String, by framework: FrameworkID,
                executor: ExecutorID? = nil) throws {
        let tasks = try ids.map { id in
            var task = TaskInfo(name: id, taskID: TaskID(id), agentID: offer.agentID,
                                resources: try Resources(parsing: resources).wire(allocationRole: "*"), command: .shell("sleep 100"))
            if let executor {
                task.command = nil
                task.executor = ExecutorInfo(executorID: executor, command: .shell("./my-executor"))
            }
            return task
        }
        run(.schedulerCall(framework, SchedulerCall(type: .accept, accept: .init(offerIDs: [offer.id], operations: [.launch(tasks)]))))
    }

    /// The agent reports `state` for `task`, with a uuid when `reliable`.
    func report(_ task: String, _ state: TaskState, framework: FrameworkID, agent: AgentID, reliable: Bool = true) {
        let status = TaskStatus(taskID: TaskID(task), state: state, source: .executor, agentID: agent, timestamp: clock.now,
                                uuid: reliable ? Array("uuid-\(task)-\(state.rawValue)".utf8) : nil)
        run(.statusUpdate(.init(frameworkID: framework, status: status), from: agent))
    }

    /// Updates `framework` received, in order.
    func updates(to framework: FrameworkID) -> [TaskStatus] {
        toFrameworks.filter { $0.0 == framework }.compactMap { $0.1.update?.status }
    }

    func events(to agent: AgentID, _ type: AgentEvent.Kind) -> [AgentEvent] {
        toAgents.filter { $0.0 == agent && $0.1.type == type }.map(\.1)
    }
}
