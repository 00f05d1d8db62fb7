import AgoraResources
import AgoraClusterTesting
import AgoraRuntime
import AgoraRuntimeTesting
import AgoraWire
import Foundation

/// End to end: one framework launches and finishes `count` `true` tasks on two local agents.
enum ClusterBench {
    static func run(count: Int) throws {
        let scratch = try ScratchDirectory()
        let loop = try Loop()
        let cluster = try Cluster(loop: loop, directory: scratch.path)
        defer {
            cluster.shutdown()
            loop.run(until: { loop.openHandles == 0 }, timeout: .seconds(5))
        }
        for _ in 0..<2 { try cluster.addAgent("cpus:2;mem:2048;disk:1024;ports:[31000-31099]") }
        let scheduler = TestScheduler(loop: loop, master: cluster.masterAddress, name: "bench", format: .protobuf)
        var launched = 0
        let perTask = try Resources(parsing: "cpus:0.1;mem:32")
        scheduler.onOffers = { [unowned scheduler] offers in
            for offer in offers {
                var free = Resources(offer.resources)
                var tasks: [TaskInfo] = []
                while launched < count && free.contains(perTask) {
                    launched += 1
                    free -= perTask
                    tasks.append(TaskInfo(name: "true", taskID: TaskID("t-\(launched)"), agentID: offer.agentID,
                                          resources: perTask.wire(allocationRole: offer.allocationInfo?.role),
                                          command: .shell("true")))
                }
                scheduler.launch(tasks, on: offer, refuseSeconds: 0)
            }
        }
        // The CPU of the master, the agents and everything they started (executors and tasks, reaped or still
        // running), and of this process (the framework): a figure that holds when other guests of the host take cycles.
        func usedCPU() -> Double {
            treeCPUSeconds(cluster.daemons.map(\.process.pid)) + cpuSeconds(getpid())
        }
        let cpuBefore = usedCPU()
        let start = ContinuousClock.now
        scheduler.subscribe()
        // Only the updates since the last look are read: the bench must not spend quadratic time of the two cores.
        var finished = 0
        var seen = 0
        var failed = false
        try cluster.wait("\(count) tasks to finish", timeout: .seconds(600)) {
            for update in scheduler.updates[seen...] {
                if update.state == .finished { finished += 1 }
                if update.state == .failed || update.state == .error { failed = true }
            }
            seen = scheduler.updates.count
            return finished >= count || failed
        }
        let elapsed = seconds(since: start)
        let cpu = usedCPU() - cpuBefore
        scheduler.close()
        if let failure = scheduler.updates.first(where: { $0.state == .failed || $0.state == .error }) {
            print("e2e stopped: \(failure.taskID) \(failure.state): \(failure.message ?? "no message") (\(failure.reason?.rawValue ?? "no reason"))")
        }
        let raw = try rawSpawnRate(loop: loop, count: count)
        report("e2e \(count) 'true' tasks on 2 agents", [
            ("seconds", format(elapsed, 2)),
            ("tasks/s", format(Double(finished) / elapsed, 1)),
            ("finished", "\(finished)"),
            ("raw_spawn/s", format(raw, 1)),
            ("ratio", format(Double(finished) / elapsed / raw, 3)),
            ("cpu_ms/task", format(cpu * 1000 / Double(max(finished, 1)), 2)),
        ])
    }

    /// The same command the tasks run (`/bin/sh -c true`), spawned `count` times straight from this process, two at a
    /// time (one per core): the floor Agora's rate is compared with.
    private static func rawSpawnRate(loop: Loop, count: Int) throws -> Double {
        var started = 0, ended = 0
        let start = ContinuousClock.now
        func next() throws {
            guard started < count else { return }
            started += 1
            _ = try ChildProcess.spawn(loop: loop, ProcessSpec(command: .shell("true"), environment: ["PATH": "/usr/bin:/bin"])) { _ in
                ended += 1
                try? next()
            }
        }
        for _ in 0..<2 { try next() }
        guard loop.run(until: { ended >= count }, timeout: .seconds(120)) else { throw BenchError("raw spawns did not finish") }
        return Double(count) / seconds(since: start)
    }
}
