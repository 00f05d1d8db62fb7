@testable import AgoraServices
import AgoraWire
import Foundation
import Testing

/// The services rules as pure functions: no process, no clock but the one passed in.
@Suite struct ServicePlannerTests {
    private let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    private func app(instances: Int, version: Date, minimumHealth: Double = 1, overCapacity: Double = 1) -> AppDefinition {
        var app = AppDefinition(id: "/web")
        app.cmd = "serve"
        app.instances = instances
        app.version = version
        app.minimumHealthCapacity = minimumHealth
        app.maximumOverCapacity = overCapacity
        return app
    }

    private func task(_ id: String, version: Date, staged: Double = 0, running: Bool = true) -> ServiceTask {
        ServiceTask(id: TaskID(id), appID: "/web", version: version, agentID: AgentID("a"), host: "h", ports: [],
                    stagedAt: t0.addingTimeInterval(staged), state: running ? .running : .staging)
    }

    @Test func aRollingUpdateKeepsMinimumHealthCapacity() {
        let v1 = t0, v2 = t0.addingTimeInterval(60)
        let target = app(instances: 4, version: v2, minimumHealth: 0.5, overCapacity: 0.5)
        var live = (0..<4).map { task("old\($0)", version: v1) }
        var lowestHealthy = Int.max
        for step in 0..<6 {
            let plan = ServicePlanner.plan(target, live: live, backoffUntil: nil, now: t0)
            for id in plan.kill { live.first { $0.id == id }?.killing = true }
            live.removeAll { $0.killing }
            // New instances start, then become healthy one step later.
            for task in live where task.version == v2 { task.state = .running }
            live += (0..<plan.launch).map { task("new\(step)-\($0)", version: v2, running: false) }
            lowestHealthy = min(lowestHealthy, live.filter { $0.state == .running }.count)
        }
        #expect(live.count == 4 && live.allSatisfy { $0.version == v2 && $0.state == .running })
        #expect(lowestHealthy >= 2, "never fewer than half of 4 healthy")
    }

    @Test func launchesWaitForTheBackoffToEnd() {
        let target = app(instances: 2, version: t0)
        let waiting = ServicePlanner.plan(target, live: [], backoffUntil: t0.addingTimeInterval(5), now: t0)
        #expect(waiting.launch == 0)
        let later = ServicePlanner.plan(target, live: [], backoffUntil: t0.addingTimeInterval(5), now: t0.addingTimeInterval(5))
        #expect(later.launch == 2)
    }

    @Test func scalingDownKillsBySelection() {
        var target = app(instances: 1, version: t0)
        let live = [task("a", version: t0, staged: 1), task("b", version: t0, staged: 2), task("c", version: t0, staged: 3)]
        #expect(ServicePlanner.plan(target, live: live, backoffUntil: nil, now: t0).kill == [TaskID("c"), TaskID("b")])
        target.killSelection = .oldestFirst
        #expect(ServicePlanner.plan(target, live: live, backoffUntil: nil, now: t0).kill == [TaskID("a"), TaskID("b")])
    }

    @Test func unhealthyOutdatedInstancesGoAtOnce() {
        let v1 = t0, v2 = t0.addingTimeInterval(60)
        var target = app(instances: 2, version: v2)
        target.healthChecks = [AppHealthCheck(kind: .tcp)]
        let sick = task("sick", version: v1)
        sick.healthy = false
        let fine = task("fine", version: v1)
        fine.healthy = true
        let plan = ServicePlanner.plan(target, live: [sick, fine], backoffUntil: nil, now: t0)
        #expect(plan.kill == [TaskID("sick")])
        #expect(!plan.kill.contains(TaskID("fine")), "the healthy one stays until a new one is healthy")
    }

    @Test func theFrameworkPlanKillsOrphansEndsConvergedDeploymentsAndWantsOffersOnlyWhenItMustLaunch() {
        let web = app(instances: 1, version: t0)
        let done = Deployment(id: "d1", appID: "/web", version: t0, action: .start, previous: nil)
        let gone = Deployment(id: "d2", appID: "/gone", version: t0, action: .stop, previous: nil)
        let orphan = ServiceTask(id: "o", appID: "/gone", version: t0, agentID: "a", host: "h", ports: [], stagedAt: t0,
                                 state: .running)
        var plan = ServicePlanner.reconcile(apps: ["/web": web], tasks: [task("w", version: t0), orphan],
                                            deployments: [done, gone], backoffUntil: [:], now: t0)
        #expect(plan.orphans == ["o"])
        #expect(plan.finishedDeployments == ["d1"])
        #expect(!plan.needsOffers)
        plan = ServicePlanner.reconcile(apps: ["/web": web], tasks: [], deployments: [done], backoffUntil: [:], now: t0)
        #expect(plan.needsOffers && plan.launches == ["/web": 1] && plan.finishedDeployments.isEmpty)
        plan = ServicePlanner.reconcile(apps: ["/web": web], tasks: [], deployments: [],
                                        backoffUntil: ["/web": t0.addingTimeInterval(10)], now: t0)
        #expect(!plan.needsOffers)
    }

    @Test func anUnreachableInstanceIsReplacedAfterInactiveAfterAndTheSurplusGoesWhenItReturns() {
        var web = app(instances: 2, version: t0)
        web.unreachableStrategy = .enabled(inactiveAfterSeconds: 60, expungeAfterSeconds: 600)
        let away = task("away", version: t0, staged: 1)
        let other = task("other", version: t0, staged: 2)
        away.state = .unreachable
        away.unreachableSince = t0
        var plan = ServicePlanner.plan(web, live: [away, other], backoffUntil: nil, now: t0.addingTimeInterval(59))
        #expect(plan.launch == 0 && plan.kill.isEmpty && plan.expunge.isEmpty)
        plan = ServicePlanner.plan(web, live: [away, other], backoffUntil: nil, now: t0.addingTimeInterval(60))
        #expect(plan.launch == 1 && plan.kill.isEmpty)
        // The replacement runs, then the old instance is heard from again: one too many, the youngest goes.
        let replacement = task("replacement", version: t0, staged: 70)
        away.state = .running
        away.unreachableSince = nil
        plan = ServicePlanner.plan(web, live: [away, other, replacement], backoffUntil: nil, now: t0.addingTimeInterval(80))
        #expect(plan.kill == ["replacement"] && plan.launch == 0)
        // Never heard from: forgotten after expungeAfterSeconds.
        away.state = .unreachable
        away.unreachableSince = t0
        plan = ServicePlanner.plan(web, live: [away, other, replacement], backoffUntil: nil, now: t0.addingTimeInterval(600))
        #expect(plan.expunge == ["away"])
        web.unreachableStrategy = .disabled
        plan = ServicePlanner.plan(web, live: [away, other], backoffUntil: nil, now: t0.addingTimeInterval(86_400))
        #expect(plan.launch == 0 && plan.expunge.isEmpty)
    }
}
