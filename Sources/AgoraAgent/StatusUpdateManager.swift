import AgoraRuntime
import AgoraWire

/// Status updates in order per task, each resent with backoff until the master acknowledges it.
///
/// Only the oldest unacknowledged update of a task is in flight; the next goes out after its ack. The simulated
/// agents of `agora-bench` use it too, so that they resend as real agents do.
public final class StatusUpdateManager {
    private struct Pending {
        let update: AgentCall.Update
        var nextAttempt: Double
        var backoff: Double
    }

    private var queues: [TaskKey: [Pending]] = [:]
    private let initialBackoff: Double
    private let send: (AgentCall.Update) -> Void
    private let clock: any LoopClock
    private var check: (any ScheduledWork)?
    /// How often due updates are looked for.
    static let checkInterval: Duration = .milliseconds(250)
    /// The longest wait between two sends of one update (Mesos' agent's too).
    static let maximumBackoff = 600.0

    private let timerFailed: (RuntimeError) -> Void

    /// Resends start `initialBackoff` after the first send and double up to `maximumBackoff`; a check that cannot
    /// be armed is handed to `timerFailed` (updates then wait for `resendAll` on the next reconnection).
    public init(clock: any LoopClock, initialBackoff: Duration, timerFailed: @escaping (RuntimeError) -> Void,
                send: @escaping (AgentCall.Update) -> Void) {
        self.initialBackoff = initialBackoff.seconds
        self.send = send
        self.clock = clock
        self.timerFailed = timerFailed
        scheduleCheck()
    }

    private func scheduleCheck() {
        do {
            check = try clock.schedule(in: Self.checkInterval) { [weak self] in
                guard let self else { return }
                self.resendDue(now: self.clock.now)
                self.scheduleCheck()
            }
        } catch {
            timerFailed(error)
        }
    }

    private func now() -> Double { clock.now }

    /// Updates not yet acknowledged.
    var pendingCount: Int { queues.values.reduce(0) { $0 + $1.count } }

    /// A task's updates waiting for acknowledgement, oldest first.
    func pending(framework: FrameworkID, task: TaskID) -> [TaskStatus] {
        (queues[TaskKey(framework: framework, task: task)] ?? []).map(\.update.status)
    }

    /// Whether a task still has updates waiting for acknowledgement.
    func hasPending(framework: FrameworkID, task: TaskID) -> Bool {
        !(queues[TaskKey(framework: framework, task: task)] ?? []).isEmpty
    }

    /// Queues an update behind the task's others (sent at once when it is the oldest); one already queued (the same
    /// uuid, replayed by an executor or a checkpoint) is dropped.
    public func enqueue(_ status: TaskStatus, framework: FrameworkID) {
        let key = TaskKey(framework: framework, task: status.taskID)
        if let uuid = status.uuid, queues[key]?.contains(where: { $0.update.status.uuid == uuid }) == true { return }
        let update = AgentCall.Update(frameworkID: framework, status: status)
        let isHead = queues[key, default: []].isEmpty
        queues[key, default: []].append(Pending(update: update, nextAttempt: now() + initialBackoff, backoff: initialBackoff))
        if isHead { send(update) }
    }

    /// Drops the acknowledged update and sends the task's next one; returns the acknowledged status.
    @discardableResult
    public func acknowledge(framework: FrameworkID, task: TaskID, uuid: [UInt8]) -> TaskStatus? {
        let key = TaskKey(framework: framework, task: task)
        guard var queue = queues[key], let head = queue.first, head.update.status.uuid == uuid else { return nil }
        queue.removeFirst()
        queues[key] = queue.isEmpty ? nil : queue
        if let next = queue.first { send(next.update) }
        return head.update.status
    }

    /// Sends every task's oldest update again (after reconnecting to the master).
    public func resendAll() {
        let current = now()
        for (key, queue) in queues {
            guard var head = queue.first else { continue }
            send(head.update)
            head.nextAttempt = current + head.backoff
            queues[key]?[0] = head
        }
    }

    private func resendDue(now: Double) {
        for (key, queue) in queues {
            guard var head = queue.first, head.nextAttempt <= now else { continue }
            send(head.update)
            head.backoff = min(head.backoff * 2, Self.maximumBackoff)
            head.nextAttempt = now + head.backoff
            queues[key]?[0] = head
        }
    }

    public func stop() {
        check?.cancel()
        check = nil
    }
}

/// A task's identity on this agent.
struct TaskKey: Hashable {
    let framework: FrameworkID
    let task: TaskID
}

/// A framework's executor on this agent.
struct ExecutorKey: Hashable {
    let framework: FrameworkID
    let executor: ExecutorID
}
