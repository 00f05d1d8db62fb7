import AgoraCollections
import AgoraRuntime
import AgoraWire

/// Status updates in order per task, each resent with backoff until the master acknowledges it.
///
/// Only the oldest unacknowledged update of a task is in flight; the next goes out after its ack, and its resend
/// backoff counts from then. The resend times are kept in a heap and one timer is armed for the earliest: it pops
/// what is due and costs nothing for the updates that are not (an agent with 100,000 updates in flight walked them
/// all four times a second), and nothing at all while no update waits. The simulated agents of `agora-bench` use it
/// too, so that they resend as real agents do.
public final class StatusUpdateManager {
    private struct Pending {
        let update: AgentCall.Update
        /// Tells this update apart in `resends`, whose entries are not removed when it is acknowledged.
        let serial: UInt64
        var nextAttempt: Double
        var backoff: Double
    }

    /// When the head of a task's queue is due again; an entry whose update left the head, or whose time changed,
    /// is stale and skipped.
    private struct Resend: Comparable {
        let at: Double
        let key: TaskKey
        let serial: UInt64

        static func < (lhs: Resend, rhs: Resend) -> Bool { lhs.at < rhs.at }
        static func == (lhs: Resend, rhs: Resend) -> Bool { lhs.at == rhs.at && lhs.serial == rhs.serial }
    }

    private var queues: [TaskKey: [Pending]] = [:]
    private var resends = MinHeap<Resend>()
    private var serials: UInt64 = 0
    private let initialBackoff: Double
    private let send: (AgentCall.Update) -> Void
    private let clock: any LoopClock
    /// The timer armed for the earliest resend, and when it runs (infinity while none is armed).
    private var check: (any ScheduledWork)?
    private var checkAt = Double.infinity
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
    }

    /// Arms the check for `at` unless one is armed for earlier. A check that finds nothing due (its timer ran a little
    /// early) arms again; the wait is at least a millisecond, so that never spins.
    private func armCheck(for at: Double) {
        guard at < checkAt else { return }
        check?.cancel()
        checkAt = at
        do {
            check = try clock.schedule(in: .seconds(max(0.001, at - now()))) { [weak self] in
                guard let self else { return }
                self.check = nil
                self.checkAt = .infinity
                self.resendDue(now: self.clock.now)
                if let next = self.resends.min { self.armCheck(for: next.at) }
            }
        } catch {
            checkAt = .infinity
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
        serials += 1
        queues[key, default: []].append(Pending(update: update, serial: serials, nextAttempt: 0, backoff: initialBackoff))
        if isHead { sendHead(of: key, now: now()) }
    }

    /// Sends the head of the task's queue and sets when it goes again.
    private func sendHead(of key: TaskKey, now: Double) {
        guard var head = queues[key]?.first else { return }
        send(head.update)
        head.nextAttempt = now + head.backoff
        queues[key]?[0] = head
        resends.push(Resend(at: head.nextAttempt, key: key, serial: head.serial))
        armCheck(for: head.nextAttempt)
    }

    /// Drops the acknowledged update and sends the task's next one; returns the acknowledged status.
    @discardableResult
    public func acknowledge(framework: FrameworkID, task: TaskID, uuid: [UInt8]) -> TaskStatus? {
        let key = TaskKey(framework: framework, task: task)
        guard var queue = queues[key], let head = queue.first, head.update.status.uuid == uuid else { return nil }
        queue.removeFirst()
        queues[key] = queue.isEmpty ? nil : queue
        if !queue.isEmpty { sendHead(of: key, now: now()) }
        return head.update.status
    }

    /// Sends every task's oldest update again (after reconnecting to the master).
    public func resendAll() {
        let current = now()
        for key in Array(queues.keys) { sendHead(of: key, now: current) }
    }

    private func resendDue(now: Double) {
        while let due = resends.min, due.at <= now {
            _ = resends.popMin()
            guard let head = queues[due.key]?.first, head.serial == due.serial, head.nextAttempt == due.at else { continue }
            queues[due.key]?[0].backoff = min(head.backoff * 2, Self.maximumBackoff)
            sendHead(of: due.key, now: now)
        }
        // Entries of acknowledged updates stay until they come due: when they outnumber the live ones, they go.
        if resends.count > 64 && resends.count > 4 * queues.count { rebuildResends() }
    }

    private func rebuildResends() {
        resends.removeAll()
        for (key, queue) in queues {
            guard let head = queue.first else { continue }
            resends.push(Resend(at: head.nextAttempt, key: key, serial: head.serial))
        }
    }

    public func stop() {
        check?.cancel()
        check = nil
        checkAt = .infinity
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
