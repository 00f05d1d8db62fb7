import AgoraAgent
import AgoraHTTP
import AgoraResources
import AgoraRuntime
import AgoraWire
import Foundation

/// `agora-bench simulate-agents MASTER FIRST COUNT TASK_SECONDS`: agents `FIRST..<FIRST+COUNT` that speak the
/// real agent protocol to the master over TCP (each its own subscription) and run tasks without processes: RUNNING
/// at once, FINISHED after `TASK_SECONDS` (never, when 0: until killed), each update sent until the master
/// acknowledges it, as real agents send them (the agent's `StatusUpdateManager`: one update of a task in flight,
/// resent with the agent's backoff, and all at once on registering again, which `resent` counts too). On SIGTERM it
/// prints the acknowledgement round trips (update first sent → ACKNOWLEDGE received) and, for the cron framework's
/// runs (task ids `ct:<due ms>:…`), the start lag from the due time to the task's arrival.
enum SimulatedAgents {
    static func run(_ arguments: [String]) throws {
        guard arguments.count == 4, let master = SocketAddress(parsing: arguments[0]), let first = Int(arguments[1]),
              let count = Int(arguments[2]), let taskSeconds = Double(arguments[3]) else {
            throw BenchError("usage: agora-bench simulate-agents HOST:PORT FIRST COUNT TASK_SECONDS")
        }
        let loop = try Loop()
        let shared = Shared(loop: loop, taskSeconds: taskSeconds)
        let resources = try Resources(parsing: "cpus:8;mem:16384;disk:100000;ports:[31000-32000]")
        shared.agents = (first..<first + count).map { SimulatedAgent(index: $0, master: master, resources: resources, shared: shared) }
        for agent in shared.agents { agent.subscription.start() }
        let ticker = try LoopTimer(loop: loop)
        ticker.start(after: .milliseconds(10), repeating: .milliseconds(10)) { shared.finishDue() }
        var stopping = false
        let watchers = try loop.onTerminationSignal { _ in stopping = true }
        loop.run(until: { stopping }, timeout: .seconds(86_400))
        var line = "ack_rtt_p50_ms=\(format(shared.roundTrips.percentile(0.5) * 1000, 2)) ack_rtt_p99_ms=\(format(shared.roundTrips.percentile(0.99) * 1000, 2)) updates=\(shared.updatesSent) resent=\(shared.resent)"
        if !shared.cronLags.latencies.isEmpty {
            line += " cron_runs=\(shared.cronLags.latencies.count) cron_start_lag_p50_ms=\(format(shared.cronLags.percentile(0.5) * 1000, 1)) cron_start_lag_p99_ms=\(format(shared.cronLags.percentile(0.99) * 1000, 1))"
        }
        print(line)
        fflush(nil)
        ticker.close()
        for watcher in watchers { watcher.close() }
        for agent in shared.agents { agent.subscription.stop() }
        exit(0)
    }

    /// What the simulated agents of one process share: the loop, the tasks due to finish in start order (all last
    /// the same time), and the acknowledgement round trips.
    final class Shared {
        let loop: Loop
        let taskSeconds: Double
        var agents: [SimulatedAgent] = []
        var due: [(at: ContinuousClock.Instant, agent: SimulatedAgent, framework: FrameworkID, task: TaskID)] = []
        var dueStart = 0
        var roundTrips = Measurement()
        var cronLags = Measurement()
        var updatesSent = 0
        var resent = 0

        init(loop: Loop, taskSeconds: Double) {
            self.loop = loop
            self.taskSeconds = taskSeconds
        }

        func finishDue() {
            let now = ContinuousClock.now
            while dueStart < due.count, due[dueStart].at <= now {
                let item = due[dueStart]
                dueStart += 1
                item.agent.update(item.framework, item.task, .finished)
            }
            if dueStart > 100_000 {
                due.removeFirst(dueStart)
                dueStart = 0
            }
        }
    }

    /// One simulated agent: its subscription, its id and token, its running tasks and unacknowledged updates.
    final class SimulatedAgent {
        let subscription: EventSubscription
        private let info: AgentInfo
        private unowned let shared: Shared
        private var agentID: AgentID?
        private var token: String?
        private var running: [TaskID: FrameworkID] = [:]
        private var updates: StatusUpdateManager!
        /// When each unacknowledged update was first sent.
        private var firstSent: [[UInt8]: ContinuousClock.Instant] = [:]

        init(index: Int, master: SocketAddress, resources: Resources, shared: Shared) {
            self.shared = shared
            info = AgentInfo(hostname: "sim-\(index)", port: 5051, resources: resources.wire(allocationRole: nil))
            var options = EventSubscription.Options(
                servers: [master], path: "/api/v1/agent", contentType: WireFormat.protobuf.contentType,
                backoff: Backoff(minimum: .milliseconds(250), maximum: .seconds(5)))
            // As the real agent's master link: calls on the stream's own connection.
            options.callsOnStream = true
            subscription = EventSubscription(loop: shared.loop, options: options)
            updates = StatusUpdateManager(clock: shared.loop, initialBackoff: AgentOptions.defaultStatusUpdateRetry,
                                          timerFailed: { print("sim-\(index): cannot arm the resend timer: \($0)") }) { [unowned self] update in
                guard let uuid = update.status.uuid else { return }
                if self.firstSent[uuid] == nil {
                    self.firstSent[uuid] = ContinuousClock.now
                } else {
                    self.shared.resent += 1
                }
                self.send(AgentCall(type: .update, agentID: self.agentID, update: update))
            }
            subscription.subscribeBody = { [unowned self] in
                let running = self.running.map { task, framework in
                    TaskRecord(name: "sim", taskID: task, frameworkID: framework, agentID: self.agentID ?? AgentID(""),
                               state: .running, resources: [])
                }
                return try AgentCall(type: .subscribe, agentID: self.agentID, subscribe: .init(agentInfo: self.info, tasks: running),
                                     token: self.token).protobuf()
            }
            subscription.onRecord = { [unowned self] record in self.handle(try AgentEvent(protobuf: record)) }
        }

        private func handle(_ event: AgentEvent) {
            switch event.type {
            case .subscribed?:
                guard let subscribed = event.subscribed else { return }
                agentID = subscribed.agentID
                token = subscribed.token ?? token
                subscription.established(heartbeatInterval: subscribed.pingIntervalSeconds.map { Bounds.duration(seconds: $0) })
                updates.resendAll()
            case .runTask?:
                guard let run = event.runTask, let framework = run.framework.id else { return }
                update(framework, run.task.taskID, .running)
                let parts = run.task.taskID.value.split(separator: ":")
                if parts.count > 2, parts[0] == "ct", let due = Double(parts[1]) {
                    shared.cronLags.record(Date().timeIntervalSince1970 - due / 1000)
                }
                guard shared.taskSeconds > 0 else { return }
                shared.due.append((ContinuousClock.now + Bounds.duration(seconds: shared.taskSeconds), self, framework, run.task.taskID))
            case .killTask?:
                guard let kill = event.killTask else { return }
                update(kill.frameworkID, kill.taskID, .killed)
            case .acknowledge?:
                guard let ack = event.acknowledge,
                      updates.acknowledge(framework: ack.frameworkID, task: ack.taskID, uuid: ack.uuid) != nil,
                      let sent = firstSent.removeValue(forKey: ack.uuid) else { return }
                shared.roundTrips.record(seconds(since: sent))
            case .ping?:
                send(AgentCall(type: .pong, agentID: agentID))
            default:
                break
            }
        }

        func update(_ framework: FrameworkID, _ task: TaskID, _ state: TaskState) {
            let status = TaskStatus(taskID: task, state: state, source: .agent, agentID: agentID,
                                    timestamp: Date().timeIntervalSince1970, uuid: TaskStatus.newUUID())
            if state.isTerminal { running[task] = nil } else { running[task] = framework }
            shared.updatesSent += 1
            updates.enqueue(status, framework: framework)
        }

        private func send(_ call: AgentCall) {
            var call = call
            call.token = token
            guard let body = try? call.protobuf() else { return }
            subscription.send(body) { _ in }
        }
    }
}

/// A bench that cannot run as asked (a bad command line: the usage follows it).
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A bench that started and could not finish its measurement (nothing is printed for it rather than a wrong figure).
struct BenchFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
