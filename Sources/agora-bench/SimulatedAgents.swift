import AgoraHTTP
import AgoraResources
import AgoraRuntime
import AgoraWire
import Foundation

/// `agora-bench simulate-agents MASTER FIRST COUNT TASK_SECONDS`: agents `FIRST..<FIRST+COUNT` that speak the
/// real agent protocol to the master over TCP (each its own subscription) and run tasks without processes: RUNNING
/// at once, FINISHED after `TASK_SECONDS` (never, when 0: until killed), each update sent until the master
/// acknowledges it. On SIGTERM it prints the acknowledgement round trips (update sent → ACKNOWLEDGE received) and,
/// for the cron framework's runs (task ids `ct:<due ms>:…`), the start lag from the due time to the task's arrival.
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
        var lastResendSweep = ContinuousClock.now
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
            // Once a second, unacknowledged updates older than 5 s go again (the master may have been restarted).
            guard now - lastResendSweep > .seconds(1) else { return }
            lastResendSweep = now
            for agent in agents { agent.resendStale(now: now) }
        }
    }

    /// One simulated agent: its subscription, its id and token, its unacknowledged updates.
    final class SimulatedAgent {
        let subscription: EventSubscription
        private let info: AgentInfo
        private unowned let shared: Shared
        private var agentID: AgentID?
        private var token: String?
        private var unacknowledged: [[UInt8]: (sent: ContinuousClock.Instant, framework: FrameworkID, status: TaskStatus)] = [:]

        init(index: Int, master: SocketAddress, resources: Resources, shared: Shared) {
            self.shared = shared
            info = AgentInfo(hostname: "sim-\(index)", port: 5051, resources: resources.wire(allocationRole: nil))
            subscription = EventSubscription(loop: shared.loop, options: EventSubscription.Options(
                servers: [master], path: "/api/v1/agent", contentType: WireFormat.protobuf.contentType,
                backoff: Backoff(minimum: .milliseconds(250), maximum: .seconds(5))))
            subscription.subscribeBody = { [unowned self] in
                let running = self.unacknowledged.values.filter { $0.status.state == .running }.map {
                    TaskRecord(name: "sim", taskID: $0.status.taskID, frameworkID: $0.framework, agentID: self.agentID ?? AgentID(""),
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
                guard let ack = event.acknowledge, let sent = unacknowledged.removeValue(forKey: ack.uuid) else { return }
                shared.roundTrips.record(seconds(since: sent.sent))
            case .ping?:
                send(AgentCall(type: .pong, agentID: agentID))
            default:
                break
            }
        }

        func update(_ framework: FrameworkID, _ task: TaskID, _ state: TaskState) {
            var uuid = [UInt8](repeating: 0, count: 16)
            for index in uuid.indices { uuid[index] = UInt8.random(in: 0...255) }
            let status = TaskStatus(taskID: task, state: state, source: .agent, agentID: agentID,
                                    timestamp: Date().timeIntervalSince1970, uuid: uuid)
            unacknowledged[uuid] = (ContinuousClock.now, framework, status)
            shared.updatesSent += 1
            send(AgentCall(type: .update, agentID: agentID, update: .init(frameworkID: framework, status: status)))
        }

        func resendStale(now: ContinuousClock.Instant) {
            for (uuid, pending) in unacknowledged where now - pending.sent > .seconds(5) {
                unacknowledged[uuid]?.sent = now
                shared.resent += 1
                send(AgentCall(type: .update, agentID: agentID, update: .init(frameworkID: pending.framework, status: pending.status)))
            }
        }

        private func send(_ call: AgentCall) {
            var call = call
            call.token = token
            guard let body = try? call.protobuf() else { return }
            subscription.send(body) { _ in }
        }
    }
}

/// A bench that cannot run as asked.
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
