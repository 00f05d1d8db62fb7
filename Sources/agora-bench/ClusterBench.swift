import AgoraAgent
import AgoraResources
import AgoraClusterTesting
import AgoraRuntime
import AgoraRuntimeTesting
import AgoraWire
import Foundation

/// End to end: one framework launches and finishes `count` `true` tasks on two local agents with isolation on (the
/// agents make a cgroup and, where the host allows, PID and mount namespaces per task), next to the rate at which this
/// process spawns the same command bare, and in a cgroup and namespaces of its own.
///
/// It runs twice: with the agents' work directories on a memory filesystem mounted for the run (when this process may
/// mount one), then on the disk under the temporary directory. Each task creates four inodes there (two sandbox
/// directories, its stdout and stderr); on ext4 without a journal, creating one skips every inode deleted in the last
/// minutes, so on such a disk the figure falls with whatever was deleted just before (another run's sandboxes).
enum ClusterBench {
    static func run(count: Int) throws {
        let loop = try Loop()
        let bare = try spawnRate(loop: loop, count: count, isolator: nil)
        let isolator = CgroupIsolator(instance: "bench-\(getpid())")
        defer { isolator?.close(keepBusy: false) }
        let isolated = try isolator.map { try spawnRate(loop: loop, count: count, isolator: $0) }
        report("spawn 'sh -c true' ×\(count), 2 at a time", [
            ("bare/s", format(bare, 1)),
            ("isolated/s", isolated.map { format($0, 1) } ?? "n/a (no cgroups here)"),
        ])
        let scratch = try ScratchDirectory()
        do {
            try Mounts.tmpfs(at: scratch.path, megabytes: 1024)
            defer { try? Mounts.unmount(scratch.path) }
            try endToEnd(loop: loop, count: count, directory: scratch.path, bare: bare, isolated: isolated)
        } catch let error as RuntimeError where error.call.hasPrefix("mount(tmpfs") {
            print("e2e on tmpfs skipped: \(error)")
        }
        try endToEnd(loop: loop, count: count, directory: scratch.path, bare: bare, isolated: isolated)
    }

    private static func endToEnd(loop: Loop, count: Int, directory: String, bare: Double, isolated: Double?) throws {
        try Files.makeDirectories(directory + "/cluster")
        let cluster = try Cluster(loop: loop, directory: directory + "/cluster")
        defer {
            cluster.shutdown()
            loop.run(until: { loop.openHandles == 0 }, timeout: .seconds(5))
            try? FileManager.default.removeItem(atPath: directory + "/cluster")
        }
        try cluster.stopOnTerminationSignals()
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
        let rate = Double(finished) / elapsed
        report("e2e \(count) 'true' tasks, 2 agents, on \(Mounts.fileSystemType(of: directory) ?? "?")", [
            ("seconds", format(elapsed, 2)),
            ("tasks/s", format(rate, 1)),
            ("finished", "\(finished)"),
            ("ratio", format(rate / bare, 3)),
            ("ratio_isolated", isolated.map { format(rate / $0, 3) } ?? "n/a"),
            ("cpu_ms/task", format(cpu * 1000 / Double(max(finished, 1)), 2)),
        ])
    }

    /// The command the tasks run (`/bin/sh -c true`), spawned `count` times straight from this process, two at a time
    /// (one per core): the floor Agora's rate is compared with. With `isolator`, each starts as a task's command does,
    /// in a cgroup of its own with the tasks' limits and, where the host allows, in fresh PID and mount namespaces.
    private static func spawnRate(loop: Loop, count: Int, isolator: CgroupIsolator?) throws -> Double {
        var started = 0, ended = 0
        // Stopped by a signal, no more spawns start and those in flight end first, so the caller removes every
        // cgroup they used.
        let interruptions = try Interruptions(loop: loop)
        defer { interruptions.close() }
        let start = ContinuousClock.now
        func next() throws {
            guard started < count, !interruptions.happened else { return }
            started += 1
            let name = "spawn-\(started)"
            var spec = ProcessSpec(command: .shell("true"), environment: ["PATH": "/usr/bin:/bin"])
            if let isolator {
                spec.cgroupProcs = try isolator.prepare(task: name, memoryMB: 32, cpus: 0.1)
                spec.pidNamespace = isolator.namespaces
            }
            _ = try ChildProcess.spawn(loop: loop, spec) { _ in
                ended += 1
                // A cgroup still busy for a moment is removed with the rest when the isolator closes.
                isolator?.release(task: name, byRuntime: false)
                try? next()
            }
        }
        for _ in 0..<2 { try next() }
        let finished = loop.run(until: { ended >= count || interruptions.happened }, timeout: .seconds(120))
        if interruptions.happened { loop.run(until: { ended == started }, timeout: .seconds(10)) }
        try interruptions.check()
        guard finished else { throw BenchFailure("raw spawns did not finish within 120 s") }
        return Double(count) / seconds(since: start)
    }
}
