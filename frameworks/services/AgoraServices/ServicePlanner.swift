import AgoraWire
import Foundation

/// What one app needs now: how many instances to launch and which to kill. Decided from the app, its live
/// instances, its backoff and the time alone; `ServiceScheduler` applies it.
public struct AppPlan: Equatable, Sendable {
    /// Instances to launch into offers now.
    public var launch = 0
    /// Instances to kill: outdated ones while enough stay healthy, then the surplus by kill selection.
    public var kill: [TaskID] = []
}

/// The services framework's rules as pure functions (a reconciler in Nomad's style).
public enum ServicePlanner {
    /// The plan for `app` given its `live` instances (not yet terminal) and when its backoff ends.
    public static func plan(_ app: AppDefinition, live: [ServiceTask], backoffUntil: Date?, now: Date) -> AppPlan {
        var plan = AppPlan()
        let checked = !app.healthChecks.isEmpty
        let standing = live.filter { !$0.killing }
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
