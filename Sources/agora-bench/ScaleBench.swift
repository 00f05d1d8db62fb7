import AgoraClusterTesting
import AgoraResources
import AgoraRuntime
import AgoraRuntimeTesting
import AgoraScheduler
import AgoraWire
import Foundation

/// `agora-bench scale --agents N --frameworks F --tasks T [--task-seconds S] [--max-in-flight M]`: the real master,
/// N simulated agents in separate processes (`simulate-agents`, at most 4,000 per process) over real TCP, F
/// frameworks on the real `AgoraScheduler` client launching T tasks of S seconds; then the master is restarted and
/// the agents' return timed. Without `--max-in-flight` the frameworks launch into every offer (a burst as large as
/// the agents hold); with it, they keep at most M tasks launched and not finished between them, declining offers for
/// 120 s while at that limit, as a framework pacing its launches does.
enum ScaleBench {
    struct Shape {
        var agents = 1000
        var frameworks = 10
        var tasks = 100_000
        var taskSeconds = 1.0
        var maxInFlight: Int?
    }

    static func parse(_ arguments: [String]) throws -> Shape {
        var shape = Shape()
        let given = try flags(arguments, valued: ["--agents", "--frameworks", "--tasks", "--max-in-flight", "--task-seconds"])
        shape.agents = try number(given, "--agents", 1...100_000) ?? shape.agents
        shape.frameworks = try number(given, "--frameworks", 1...10_000) ?? shape.frameworks
        shape.tasks = try number(given, "--tasks", 1...10_000_000) ?? shape.tasks
        shape.maxInFlight = try number(given, "--max-in-flight", 1...10_000_000)
        if let value = given["--task-seconds"] {
            guard let seconds = Double(value), (0...3600).contains(seconds) else { throw BenchError("--task-seconds: 0 to 3600") }
            shape.taskSeconds = seconds
        }
        return shape
    }

    /// The flags given, by name (a switch maps to ""): each valued flag takes the next argument; anything that is not
    /// one of these flags is refused.
    private static func flags(_ arguments: [String], valued: Set<String>, switches: Set<String> = []) throws -> [String: String] {
        var given: [String: String] = [:]
        var iterator = arguments.makeIterator()
        while let flag = iterator.next() {
            if switches.contains(flag) {
                given[flag] = ""
            } else if valued.contains(flag) {
                guard let value = iterator.next() else { throw BenchError("\(flag) needs a value") }
                given[flag] = value
            } else {
                throw BenchError("unknown argument \(flag)")
            }
        }
        return given
    }

    /// The whole number given for `flag`, if it was given, checked against `range`.
    private static func number(_ given: [String: String], _ flag: String, _ range: ClosedRange<Int>) throws -> Int? {
        guard let text = given[flag] else { return nil }
        guard let value = Int(text), range.contains(value) else { throw BenchError("\(flag): \(range.lowerBound) to \(range.upperBound)") }
        return value
    }

    /// One framework of the bench: launches its share of tasks into every offer (up to its share of the in-flight
    /// limit, if any), records launch → RUNNING.
    final class Framework: SchedulerDelegate {
        let quota: Int
        let maxInFlight: Int
        let perTask: Resources
        var launched = 0
        var running = 0
        var finished = 0
        /// Tasks launched and not yet finished; those among them seen RUNNING.
        var launchedAt: [TaskID: ContinuousClock.Instant] = [:]
        var seenRunning: Set<TaskID> = []
        var toRunning = Measurement()
        let name: String

        init(name: String, quota: Int, maxInFlight: Int, perTask: Resources) {
            self.name = name
            self.quota = quota
            self.maxInFlight = maxInFlight
            self.perTask = perTask
        }

        func offers(_ client: SchedulerClient, _ offers: [Offer]) {
            // In a random order, as a framework spreading its tasks over the cluster does: taken in the order they
            // came, a paced framework's tasks would pile onto the agents visited first, all in one simulator process.
            for offer in offers.shuffled() {
                var free = Resources(offer.resources)
                var tasks: [TaskInfo] = []
                while launched < quota && launched - finished < maxInFlight && free.contains(perTask) {
                    launched += 1
                    free -= perTask
                    let id = TaskID("\(name)-\(launched)")
                    tasks.append(TaskInfo(name: "sim", taskID: id, agentID: offer.agentID,
                                          resources: perTask.wire(allocationRole: offer.allocationInfo?.role), command: .shell("true")))
                }
                if tasks.isEmpty {
                    // At the in-flight limit the framework keeps to the agents it has: those it launched on come back
                    // as their tasks end, the others stay away for two minutes.
                    client.decline([offer.id], refuseSeconds: launched >= quota ? 3600 : launched - finished >= maxInFlight ? 120 : 1)
                    continue
                }
                let now = ContinuousClock.now
                for task in tasks { launchedAt[task.taskID] = now }
                client.launch(tasks, on: [offer.id], refuseSeconds: 0)
            }
        }

        /// Counts each task once: an agent resends an update the master has not acknowledged yet, and the framework
        /// sees each copy.
        func update(_ client: SchedulerClient, _ status: TaskStatus) {
            switch status.state {
            case .running:
                guard let start = launchedAt[status.taskID], seenRunning.insert(status.taskID).inserted else { return }
                running += 1
                toRunning.record(seconds(since: start))
            case .finished:
                guard launchedAt.removeValue(forKey: status.taskID) != nil else { return }
                finished += 1
                seenRunning.remove(status.taskID)
            default:
                break
            }
        }
    }

    static func run(_ shape: Shape) throws {
        print("scale: \(shape.agents) simulated agents, \(shape.frameworks) frameworks, \(shape.tasks) tasks of \(shape.taskSeconds)s"
              + (shape.maxInFlight.map { ", at most \($0) in flight" } ?? ""))
        fflush(nil)
        try withSimulatedCluster(agents: shape.agents, taskSeconds: shape.taskSeconds) { cluster, simulators, baseline, registered in
            try run(shape, cluster: cluster, baseline: baseline, registered: registered)
            // Every agent back after a master restart.
            let restart = ContinuousClock.now
            try cluster.restartMaster()
            try cluster.wait("\(shape.agents) agents to re-register", timeout: .seconds(300), every(.milliseconds(500)) { connectedAgents(cluster) >= shape.agents })
            report("scale master restart", [("agents_back_s", format(seconds(since: restart), 1))])
        }
    }

    /// The real master and `agents` simulated agents (at most 4,000 per process), all registered; afterwards the
    /// simulators are stopped and their figures printed.
    static func withSimulatedCluster(agents: Int, taskSeconds: Double,
                                     _ body: (Cluster, [Daemon], _ baseline: MasterMemory, _ registeredSeconds: Double) throws -> Void) throws {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        limit.rlim_cur = limit.rlim_max
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        let scratch = try ScratchDirectory()
        let loop = try Loop()
        let cluster = try Cluster(loop: loop, directory: scratch.path, masterFlags: [
            "--allocation-interval", "0.2secs", "--agent-ping-timeout", "15secs", "--max-agent-ping-timeouts", "5",
        ])
        defer {
            cluster.shutdown()
            loop.run(until: { loop.openHandles == 0 }, timeout: .seconds(5))
        }
        try cluster.stopOnTerminationSignals()
        let baseline = MasterMemory(cluster)
        var simulators: [Daemon] = []
        var first = 0
        let registerStart = ContinuousClock.now
        while first < agents {
            let count = min(4000, agents - first)
            simulators.append(try cluster.startProcess("simulate-agents", [CommandLine.arguments[0], "simulate-agents",
                                                                             cluster.masterAddress.description, String(first),
                                                                             String(count), String(taskSeconds)],
                                                       address: cluster.masterAddress))
            first += count
        }
        try cluster.wait("\(agents) agents to register", timeout: .seconds(300), every(.milliseconds(500)) { connectedAgents(cluster) >= agents })
        try body(cluster, simulators, baseline, seconds(since: registerStart))
        for simulator in simulators { try? simulator.process.kill(.terminate) }
        try cluster.wait("the simulators to stop", timeout: .seconds(30)) { simulators.allSatisfy { $0.exit != nil } }
        for simulator in simulators {
            let line = (try? Files.readText(simulator.stdoutPath))?.split(separator: "\n").last.map(String.init) ?? ""
            print("  simulator \(simulator.name): \(line)")
        }
    }

    private static func run(_ shape: Shape, cluster: Cluster, baseline: MasterMemory, registered: Double) throws {
        let master = cluster.master.process.pid
        let loop = cluster.loop
        let withAgents = MasterMemory(cluster)

        // Frameworks on the real client.
        let perTask = try Resources(parsing: "cpus:0.1;mem:32")
        let frameworks = (0..<shape.frameworks).map { index in
            Framework(name: "fw\(index)", quota: shape.tasks / shape.frameworks + (index < shape.tasks % shape.frameworks ? 1 : 0),
                      maxInFlight: shape.maxInFlight.map { max(1, $0 / shape.frameworks) } ?? .max, perTask: perTask)
        }
        let clients = frameworks.map { framework in
            // An overloaded master may miss heartbeats: the frameworks wait long for them and fail over rather than
            // lose their tasks.
            var configuration = SchedulerConfiguration(
                masters: [cluster.masterAddress], framework: FrameworkInfo(user: "bench", name: framework.name, failoverTimeout: 3600))
            configuration.heartbeatTolerance = 60
            return SchedulerClient(loop: loop, configuration: configuration, delegate: framework)
        }
        let cpuBefore = cpuSeconds(master)
        let start = ContinuousClock.now
        for client in clients { client.start() }
        var peak = withAgents
        var peakRunning = 0
        var lastSample = ContinuousClock.now
        try cluster.wait("\(shape.tasks) tasks to finish", timeout: .seconds(3600)) {
            // Each sample reads the master's /metrics, which walks every task: often enough to catch the peak, not
            // so often that the bench is the master's load.
            if ContinuousClock.now - lastSample > .seconds(2) {
                lastSample = ContinuousClock.now
                let running = frameworks.reduce(0) { $0 + $1.running - $1.finished }
                if running >= peakRunning {
                    peakRunning = running
                    peak = peak.max(MasterMemory(cluster))
                }
            }
            return frameworks.reduce(0) { $0 + $1.finished } >= shape.tasks
        }
        let elapsed = seconds(since: start)
        let cpu = cpuSeconds(master) - cpuBefore
        var toRunning = Measurement()
        for framework in frameworks { toRunning.latencies += framework.toRunning.latencies }
        let launchedAll = frameworks.reduce(0) { $0 + $1.launched }
        report("scale run", [
            ("seconds", format(elapsed, 1)), ("launched/s", format(Double(launchedAll) / elapsed, 0)),
            ("finished/s", format(Double(shape.tasks) / elapsed, 0)),
            ("launch_to_running_p50_ms", format(toRunning.percentile(0.5) * 1000, 1)),
            ("p99_ms", format(toRunning.percentile(0.99) * 1000, 1)),
            ("master_cpu_s", format(cpu, 1)),
        ])
        report("scale resent updates", [
            ("at_master", format(masterSample(cluster, "agora_master_status_updates_duplicate_total") ?? 0, 0)),
            ("held_while_first_queued", format(masterSample(cluster, "agora_master_status_updates_resend_queued_total") ?? 0, 0)),
        ])
        report("scale master memory", [
            ("rss_base_MiB", format(Double(baseline.rssKiB) / 1024, 1)), ("rss_agents_MiB", format(Double(withAgents.rssKiB) / 1024, 1)),
            ("per_agent_KiB", format(Double(withAgents.rssKiB - baseline.rssKiB) / Double(shape.agents), 2)),
            ("heap_per_agent_KiB", format(Double(withAgents.heapKiB - baseline.heapKiB) / Double(shape.agents), 2)),
            ("peak_running", "\(peakRunning)"),
            ("per_running_task_KiB", format(peakRunning > 0 ? Double(peak.rssKiB - withAgents.rssKiB) / Double(peakRunning) : 0, 2)),
            ("heap_per_running_task_KiB", format(peakRunning > 0 ? Double(peak.heapKiB - withAgents.heapKiB) / Double(peakRunning) : 0, 2)),
            ("register_s", format(registered, 1)),
        ])
        for client in clients { client.stop() }
    }

    /// `agora-bench scale-services --agents N --instances I`: the services framework deploys one app of I instances
    /// (which never end) on simulated agents; prints how long until all run.
    static func services(_ arguments: [String]) throws {
        let given = try flags(arguments, valued: ["--agents", "--instances"])
        let agents = try number(given, "--agents", 1...100_000) ?? 1000
        let instances = try number(given, "--instances", 1...1_000_000) ?? 10_000
        print("scale-services: \(instances) instances on \(agents) simulated agents")
        fflush(nil)
        try withSimulatedCluster(agents: agents, taskSeconds: 0) { cluster, _, _, _ in
            let services = try cluster.addServices()
            let app = #"{"id": "/big", "cmd": "sleep 3600", "cpus": 0.1, "mem": 32, "instances": \#(instances)}"#
            let start = ContinuousClock.now
            let answer = try cluster.send(services, .post, "/v2/apps", body: app)
            guard answer.status == .created else { throw BenchFailure("POST /v2/apps: \(answer.status) \(answer.bodyText)") }
            var running = 0
            try cluster.wait("\(instances) instances to run", timeout: .seconds(1800), every(.seconds(1)) {
                guard let app = try? cluster.getJSON(services, "/v2/apps/big")["app"], case .number(let text)? = app["tasksRunning"] else { return false }
                running = Int(text) ?? 0
                return running >= instances
            })
            report("scale services deploy", [("instances", "\(running)"), ("seconds_from_post", format(seconds(since: start), 1)),
                                             ("instances/s", format(Double(running) / seconds(since: start), 0))])
        }
    }

    /// `agora-bench scale-cron --agents N --jobs J [--spread]`: J Chronos jobs due every minute on simulated agents
    /// (runs of 1 s), all at the same second or, with `--spread`, at due times spread over the 60 seconds of the
    /// minute; after two due times, the simulators print the start lag (due time → the run reaching its agent).
    static func cron(_ arguments: [String]) throws {
        let given = try flags(arguments, valued: ["--agents", "--jobs"], switches: ["--spread"])
        let agents = try number(given, "--agents", 1...100_000) ?? 1000
        let jobs = try number(given, "--jobs", 1...100_000) ?? 10_000
        let spread = given["--spread"] != nil
        print("scale-cron: \(jobs) jobs due every minute \(spread ? "spread over the minute" : "at the same second") on \(agents) simulated agents")
        fflush(nil)
        try withSimulatedCluster(agents: agents, taskSeconds: 1) { cluster, _, _, _ in
            let cron = try cluster.addCron()
            // The first due time leaves room to post every job.
            let first = (Date().timeIntervalSince1970 / 60).rounded(.up) * 60 + 60
            let formatter = ISO8601DateFormatter()
            let posting = ContinuousClock.now
            for index in 0..<jobs {
                let start = formatter.string(from: Date(timeIntervalSince1970: first + (spread ? Double(index % 60) : 0)))
                let job = #"{"name": "job\#(index)", "command": "true", "owner": "bench", "cpus": 0.01, "mem": 4, "schedule": "R/\#(start)/PT1M", "epsilon": "PT30S"}"#
                let answer = try cluster.send(cron, .post, "/scheduler/iso8601", body: job)
                guard answer.status == .noContent else { throw BenchFailure("POST job\(index): \(answer.status) \(answer.bodyText)") }
            }
            report("scale cron jobs posted", [("jobs", "\(jobs)"), ("seconds", format(seconds(since: posting), 1))])
            let end = first + 60 + 20
            cluster.idle(Bounds.duration(seconds: max(0, end - Date().timeIntervalSince1970)))
        }
    }

    /// `condition`, asked at most once per `interval` (a cluster wait asks every few milliseconds; a request to a busy
    /// daemon that often would be the load measured).
    private static func every(_ interval: Duration, _ condition: @escaping () -> Bool) -> () -> Bool {
        var last: ContinuousClock.Instant?
        var answer = false
        return {
            let now = ContinuousClock.now
            guard last.map({ now - $0 >= interval }) ?? true else { return answer }
            last = now
            answer = condition()
            return answer
        }
    }

    /// `agora_master_agents{state="connected"}` from the master's metrics.
    private static func connectedAgents(_ cluster: Cluster) -> Int {
        Int(masterSample(cluster, "agora_master_agents{state=\"connected\"}") ?? 0)
    }

}

/// Runs `agora-bench scale ARGUMENTS` as a child (its own process, so the figures of the other benches and its
/// file-descriptor limit stay apart) and echoes its report lines. SIGINT or SIGTERM meanwhile goes on to the child
/// (in a process group of its own, the terminal's Ctrl-C reaches only this process), whose cluster then shuts down;
/// this process waits for that and throws `Interrupted`.
func runScaleBenchInChild(_ arguments: [String]) throws {
    let scratch = try ScratchDirectory()
    let loop = try Loop()
    defer {
        loop.run(until: { loop.openHandles == 0 }, timeout: .seconds(5))
        try? loop.close()
    }
    let report = scratch.path + "/scale.out"
    var exit: ProcessExit?
    let child = try ChildProcess.spawn(loop: loop, ProcessSpec(
        command: .argv([CommandLine.arguments[0], "scale"] + arguments), stdoutPath: report)) { exit = $0 }
    let interruptions = try Interruptions(loop: loop) { try? child.kill($0) }
    defer { interruptions.close() }
    loop.run(until: { exit != nil }, timeout: .seconds(86_400))
    let text = (try? Files.readText(report)) ?? ""
    for line in text.split(separator: "\n") where !line.contains("agora.scheduler") { print(line) }
    fflush(nil)
    try interruptions.check()
    guard let exit, exit.succeeded else {
        throw BenchFailure("agora-bench scale \(arguments.joined(separator: " ")): \(exit.map { "\($0)" } ?? "did not end")")
    }
}

/// The master's memory at one moment: its resident set, and the heap it has allocated and not freed (from its
/// metrics), which RSS cannot tell apart from memory freed but kept by malloc.
struct MasterMemory {
    var rssKiB: Int
    var heapKiB: Int

    init(_ cluster: Cluster) {
        let status = (try? Files.readText("/proc/\(cluster.master.process.pid)/status")) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        rssKiB = Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
        heapKiB = Int((masterSample(cluster, "agora_master_heap_bytes") ?? 0) / 1024)
    }

    /// The larger of each figure.
    func max(_ other: MasterMemory) -> MasterMemory {
        var result = self
        result.rssKiB = Swift.max(rssKiB, other.rssKiB)
        result.heapKiB = Swift.max(heapKiB, other.heapKiB)
        return result
    }
}

/// The value of the sample `name` (with its labels) in the master's `/metrics`.
func masterSample(_ cluster: Cluster, _ name: String) -> Double? {
    guard let response = try? cluster.get(cluster.master, "/metrics") else { return nil }
    let text = String(decoding: response.body, as: UTF8.self)
    for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
        return Double(line.split(separator: " ").last ?? "")
    }
    return nil
}
