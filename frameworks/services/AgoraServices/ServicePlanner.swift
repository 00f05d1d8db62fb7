import AgoraWire
import Foundation

/// What one app needs now: how many instances to launch and which to kill. Decided from the app, its live
/// instances, its backoff and the time alone; `ServiceScheduler` applies it.
public struct AppPlan: Equatable, Sendable {
    /// Instances to launch into offers now.
    public var launch = 0
    /// Instances to kill: outdated ones while enough stay healthy, then the surplus by kill selection.
    public var kill: [TaskID] = []
    /// Instances unreachable for longer than the app's `expungeAfterSeconds`: forgotten (killed if they return).
    public var expunge: [TaskID] = []
}

/// What the whole framework must do now: each app's plan, the live instances of apps that no longer exist, the
/// deployments that are done, and whether offers are wanted at all.
public struct ServicePlan: Sendable {
    public var apps: [String: AppPlan] = [:]
    /// Live instances whose app was deleted: killed.
    public var orphans: [TaskID] = []
    /// Deployments whose app has converged (or, deleted, has no instance left): ended.
    public var finishedDeployments: [String] = []

    /// Whether any app has instances to launch now: the framework asks for offers (REVIVE) only then.
    public var needsOffers: Bool { apps.values.contains { $0.launch > 0 } }
    /// Instances to launch per app, for apps with any.
    public var launches: [String: Int] { apps.compactMapValues { $0.launch > 0 ? $0.launch : nil } }
}

/// The services framework's rules as pure functions (a reconciler in Nomad's style).
public enum ServicePlanner {
    /// The plan for every app, from the apps, every task the framework tracks, the deployments in progress, each
    /// app's backoff and the time.
    public static func reconcile(apps: [String: AppDefinition], tasks: [ServiceTask], deployments: [Deployment],
                                 backoffUntil: [String: Date], now: Date) -> ServicePlan {
        // One pass over the tasks, not one per app: this runs on every status update.
        let live = Dictionary(grouping: tasks.filter(\.isAlive), by: \.appID)
        var plan = ServicePlan()
        plan.apps = apps.mapValues { app in
            self.plan(app, live: live[app.id] ?? [], backoffUntil: backoffUntil[app.id], now: now)
        }
        plan.orphans = live.filter { apps[$0.key] == nil }.values.flatMap { $0 }.filter { !$0.killing }.map(\.id)
            .sorted { $0.value < $1.value }
        plan.finishedDeployments = deployments.filter { deployment in
            isConverged(apps[deployment.appID], live: live[deployment.appID] ?? [])
        }.map(\.id)
        return plan
    }

    /// Whether an app runs exactly its instances, all of its current version and healthy (a deleted app: none).
    static func isConverged(_ app: AppDefinition?, live: [ServiceTask]) -> Bool {
        guard let app else { return live.isEmpty }
        let checked = !app.healthChecks.isEmpty
        return live.count == app.instances && live.allSatisfy { $0.version == app.version && $0.isHealthy(checked: checked) }
    }

    /// The plan for `app` given its `live` instances (not yet terminal) and when its backoff ends.
    public static func plan(_ app: AppDefinition, live: [ServiceTask], backoffUntil: Date?, now: Date) -> AppPlan {
        var plan = AppPlan()
        let checked = !app.healthChecks.isEmpty
        // Instances unreachable past `inactiveAfterSeconds` no longer count (replacements start); past
        // `expungeAfterSeconds` they are forgotten.
        var inactive: Set<TaskID> = []
        if case .enabled(let inactiveAfter, let expungeAfter) = app.unreachableStrategy {
            for task in live {
                guard let since = task.unreachableSince else { continue }
                let away = now.timeIntervalSince(since)
                if away >= inactiveAfter { inactive.insert(task.id) }
                if away >= expungeAfter { plan.expunge.append(task.id) }
            }
        }
        let standing = live.filter { !$0.killing && !inactive.contains($0.id) }
        let current = standing.filter { $0.version == app.version }
        let old = standing.filter { $0.version != app.version }.sorted { $0.version < $1.version }

        // Outdated instances go while enough healthy ones remain (oldest version first); unhealthy ones go at once.
        let minimumHealthy = Bounds.clampedInt((Double(app.instances) * app.minimumHealthCapacity).rounded(.up))
        var healthy = standing.filter { $0.isHealthy(checked: checked) }.count
        var oldLeft = old.count
        for task in old {
            let isHealthy = task.isHealthy(checked: checked)
            guard !isHealthy || healthy - 1 >= minimumHealthy else { continue }
            if isHealthy { healthy -= 1 }
            oldLeft -= 1
            plan.kill.append(task.id)
        }
        // Too many current instances: scale down by the app's kill selection.
        if current.count > app.instances {
            let ordered = current.sorted {
                app.killSelection == .oldestFirst ? $0.stagedAt < $1.stagedAt : $0.stagedAt > $1.stagedAt
            }
            plan.kill += ordered.prefix(current.count - app.instances).map(\.id)
        }
        // Launch up to the app's count, and while old instances remain, no more than maximumOverCapacity above it.
        let over = oldLeft > 0 ? Bounds.clampedInt((Double(app.instances) * app.maximumOverCapacity).rounded(.down)) : 0
        let room = max(0, min(app.instances - current.count, app.instances + over - current.count - oldLeft))
        if room > 0, backoffUntil.map({ $0 <= now }) ?? true { plan.launch = room }
        return plan
    }
}
