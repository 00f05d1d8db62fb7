import AgoraRuntime
import AgoraWire
import Foundation
import Logging

/// Explicit reconciliation until every listed task has been heard from: RECONCILE is repeated with
/// backoff for the tasks that have not answered, and again after each resubscription.
final class ReconciliationTracker {
    private var pending: [TaskID: AgentID?] = [:]
    private var completion: (([TaskStatus]) -> Void)?
    private var answers: [TaskStatus] = []
    private var timer: LoopTimer?
    private var interval = 1.0
    private let logger = Logger(label: "agora.scheduler.reconciliation")

    func start(_ tasks: [(TaskID, AgentID?)], client: SchedulerClient, completion: @escaping ([TaskStatus]) -> Void) {
        for (task, agent) in tasks { pending.updateValue(agent, forKey: task) }
        self.completion = completion
        interval = 1
        if pending.isEmpty { finish() } else { ask(client) }
    }

    private func ask(_ client: SchedulerClient) {
        guard !pending.isEmpty else { return }
        client.reconcile(pending.map { ($0.key, $0.value) })
        timer?.close()
        timer = client.loop.schedule(after: Bounds.duration(seconds: interval), orReport: { [logger] in
            logger.error("cannot arm the reconciliation timer; waiting for answers without asking again: \($0)")
        }) { [weak self, weak client] in
            guard let self, let client else { return }
            self.interval = min(self.interval * 2, 30)
            self.ask(client)
        }
    }

    func observe(_ status: TaskStatus) {
        guard pending.removeValue(forKey: status.taskID) != nil else { return }
        answers.append(status)
        if pending.isEmpty { finish() }
    }

    func resubscribed(_ client: SchedulerClient) {
        if !pending.isEmpty { ask(client) }
    }

    private func finish() {
        timer?.close()
        timer = nil
        let done = completion
        let result = answers
        completion = nil
        answers = []
        done?(result)
    }

    func stop() {
        timer?.close()
        timer = nil
        pending.removeAll()
        completion = nil
    }
}

extension SchedulerClient {
    /// Reconciles `tasks` until each has reported its state; `completion` gets the answers.
    public func reconcileUntilKnown(_ tasks: [(TaskID, AgentID?)], completion: @escaping ([TaskStatus]) -> Void) {
        reconciliation.start(tasks, client: self, completion: completion)
    }
}

extension TaskID {
    /// A fresh id under `prefix`, as Marathon names tasks: `web.5b0c7c1e-…`.
    public static func unique(prefix: String) -> TaskID {
        TaskID("\(prefix).\(UUID().uuidString.lowercased())")
    }
}
