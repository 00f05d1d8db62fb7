import AgoraResources
import AgoraClusterTesting
import AgoraHTTP
import AgoraRuntime
import AgoraRuntimeTesting
import AgoraWire
import Foundation
import Testing

private let agentResources = "cpus:2;mem:1024;disk:1024;ports:[31000-31009]"

@Suite(.serialized) struct ClientToolsTests {
    @Test func exampleFrameworkRunsItsCopiesAndExits() throws {
        try withCluster { cluster in
            try cluster.addAgent(agentResources)
            let result = try cluster.run(Cluster.binary("agora-example"), [
                "--master", cluster.masterAddress.description, "--count", "3", "--", "sh", "-c", "echo hi from $AGORA_TASK_ID",
            ])
            #expect(result.exit.succeeded, "\(result.stdout) \(result.stderr)")
            #expect(result.stdout.contains("3 of 3 copies finished"))
            #expect(result.stdout.components(separatedBy: "TASK_FINISHED").count - 1 == 3)
        }
    }

    @Test func execPrintsBothStreamsAndExitsWithTheTaskStatus() throws {
        try withCluster { cluster in
            try cluster.addAgent(agentResources)
            let agora = Cluster.binary("agora")
            let result = try cluster.run(agora, ["exec", "--", "sh", "-c", "echo out; echo err >&2; exit 7"])
            #expect(result.exit == ProcessExit(code: 7, signal: nil), "\(result.stderr)")
            #expect(result.stdout == "out\n")
            #expect(result.stderr.contains("err\n"))

            let attached = try cluster.run(agora, ["exec", "--attach", "--name", "hello", "--", "echo", "attached"])
            #expect(attached.exit.succeeded)
            #expect(attached.stdout == "attached\n")
        }
    }

    @Test func listingLogsAndKillingThroughTheCLI() throws {
        try withCluster { cluster in
            let agent = try cluster.addAgent(agentResources)
            let agora = Cluster.binary("agora")
            let scheduler = cluster.scheduler("cli", format: .json)
            let offer = try cluster.offer(for: scheduler)
            scheduler.launch([try shellTask("talker", "echo line one; echo oops >&2; sleep 60", on: offer,
                                            resources: "cpus:0.5;mem:64")], on: offer)
            try cluster.wait("TASK_RUNNING") { scheduler.states(of: "talker").last == .running }
            cluster.idle(.milliseconds(300))

            let agents = try cluster.run(agora, ["agents"])
            #expect(agents.exit.succeeded)
            #expect(agents.stdout.hasPrefix("ID"))
            #expect(agents.stdout.contains("127.0.0.1  \(agent.address!.port)"))

            let frameworks = try cluster.run(agora, ["frameworks"])
            #expect(frameworks.stdout.contains("cli"))

            let tasks = try cluster.run(agora, ["tasks"])
            #expect(tasks.stdout.contains("talker"))
            #expect(tasks.stdout.contains("TASK_RUNNING"))

            let json = try cluster.run(agora, ["tasks", "--json"])
            let parsed = try JSONValue.parse(json.stdout)
            guard case .array(let list) = parsed else {
                Issue.record("not a JSON array: \(json.stdout)")
                return
            }
            #expect(list.first?["state"] == .string("TASK_RUNNING"))

            let logs = try cluster.run(agora, ["logs", "talker"])
            #expect(logs.stdout == "line one\n")
            let errors = try cluster.run(agora, ["logs", "talker", "--stderr"])
            #expect(errors.stdout == "oops\n")

            let kill = try cluster.run(agora, ["kill", "talker"])
            #expect(kill.exit.succeeded)
            try cluster.wait("TASK_KILLED") { scheduler.states(of: "talker").last == .killed }

            let second = try cluster.offer(for: scheduler)
            scheduler.launch([try shellTask("ticker", "for i in 1 2 3; do echo tick $i; sleep 0.3; done", on: second,
                                            resources: "cpus:0.5;mem:64")], on: second)
            try cluster.wait("the ticker to run") { scheduler.states(of: "ticker").last == .running }
            let followed = try cluster.run(agora, ["logs", "--follow", "ticker"])
            #expect(followed.exit.succeeded)
            #expect(followed.stdout == "tick 1\ntick 2\ntick 3\n")

            let unknown = try cluster.run(agora, ["kill", "nobody"])
            #expect(unknown.exit.code == 1)
            #expect(unknown.stderr.hasPrefix("agora: "))
            #expect(unknown.stderr.split(separator: "\n").count == 1)
            scheduler.close()
        }
    }

    @Test func localClusterStartsAgentsAndStopsOnInterrupt() throws {
        let scratch = try ScratchDirectory()
        let loop = try Loop()
        let out = scratch.path + "/local.out"
        var exit: ProcessExit?
        let local = try ChildProcess.spawn(loop: loop, ProcessSpec(
            command: .argv([Cluster.binary("agora"), "local", "--agents", "2", "--port", "0", "--work-dir", scratch.path + "/cluster"]),
            stdoutPath: out, stderrPath: scratch.path + "/local.err")) { exit = $0 }
        defer {
            try? local.killGroup(.kill)
            // A test stopped before `agora local` finished leaves its daemons (each in its own process group) running.
            killProcessGroups(mentioning: scratch.path)
            loop.run(until: { loop.openHandles == 0 }, timeout: .seconds(5))
            try? loop.close()
        }
        loop.run(until: { (try? Files.readText(out))?.contains("Press Ctrl-C") == true || exit != nil }, timeout: .seconds(30))
        let text = (try? Files.readText(out)) ?? ""
        #expect(text.contains("agent 2"), "\(text)")
        #expect(text.contains("services http://"), "\(text)")
        #expect(text.contains("cron     http://"), "\(text)")
        #expect(text.contains("dns      ") && text.contains("lb       "), "\(text)")
        if TestNetwork.available { #expect(text.contains("network  mesos-bridge"), "\(text)") }
        guard let line = text.split(separator: "\n").first(where: { $0.contains("master ") }),
              let url = line.split(separator: " ").first(where: { $0.hasPrefix("http://") }),
              let master = SocketAddress(parsing: String(url)) else {
            Issue.record("no master URL in \(text)")
            return
        }
        var state: JSONValue?
        loop.run(until: {
            var response: Result<HTTPResponse, HTTPError>?
            HTTPClient.send(loop: loop, to: master,
                            HTTPRequest(method: .get, target: "/state")) { response = $0 }
            loop.run(until: { response != nil }, timeout: .seconds(5))
            state = (try? response?.get()).flatMap { try? JSONValue.parse($0.body) }
            return state?.list("agents").count == 2
        }, timeout: .seconds(15))
        #expect(state?.list("agents").count == 2)
        try local.kill(.interrupt)
        // Stopping may take the cluster's own limits: 10 s for the daemons, 2 s for its handles, 10 s for `ip` to
        // remove the bridge (netlink waits while other tests tear down network namespaces).
        loop.run(until: { exit != nil }, timeout: .seconds(30))
        #expect(exit?.succeeded == true)
        #expect(((try? Files.readText(out)) ?? "").contains("local cluster stopped"))
        #expect(!FileManager.default.fileExists(atPath: "/sys/class/net/agora0"), "the bridge goes with the cluster")
    }

    @Test func unreachableMasterIsOneClearLineAndExit69() throws {
        try withCluster { cluster in
            let result = try cluster.run(Cluster.binary("agora"), ["agents", "--master", "http://127.0.0.1:1"])
            #expect(result.exit.code == 69)
            #expect(result.stderr == "agora: cannot reach the master at http://127.0.0.1:1: connection refused\n")
            let badFlag = try cluster.run(Cluster.binary("agora"), ["agents", "--master", "nonsense"])
            #expect(badFlag.exit.code == 64)
        }
    }

    @Test func pymesosSchedulerRunsTasksToTheEnd() throws {
        guard let python = PythonClients.python() else { return }
        try withCluster { cluster in
            try cluster.addAgent(agentResources)
            let script = PythonClients.fixture("pymesos_framework.py")
            let result = try cluster.run(python, [script, cluster.masterAddress.description, "3"], timeout: .seconds(90))
            #expect(result.exit.succeeded, "pymesos said: \(result.stdout)\n\(result.stderr.suffix(2000))")
            #expect(result.stdout.contains("ALL FINISHED 3"))
            for index in 0..<3 {
                #expect(result.stdout.contains("STATUS pymesos-\(index) TASK_RUNNING"))
                #expect(result.stdout.contains("STATUS pymesos-\(index) TASK_FINISHED"))
            }
        }
    }

    @Test func pymesosCustomExecutorExchangesFrameworkMessagesBothWays() throws {
        guard let python = PythonClients.python() else { return }
        try withCluster { cluster in
            let agent = try cluster.addAgent(agentResources)
            let executor = "\(python) \(PythonClients.fixture("pymesos_executor.py"))"
            let result = try cluster.run(python, [PythonClients.fixture("pymesos_messages.py"), cluster.masterAddress.description,
                                                  executor], timeout: .seconds(90))
            #expect(result.exit.succeeded, "pymesos said: \(result.stdout)\n\(result.stderr.suffix(2000))")
            #expect(result.stdout.contains("STATUS echo-task TASK_RUNNING echo executor is up"))
            #expect(result.stdout.contains("MESSAGE pong:hello:echo-task from echo-executor"))
            #expect(result.stdout.contains("STATUS echo-task TASK_FINISHED told to finish"))
            let metrics = try cluster.get(cluster.master, "/metrics").bodyText
            #expect(metrics.contains("agora_master_messages_relayed_total 3"))
            // Nobody else may speak for the executor: a call without its token from outside its processes is refused.
            let stranger = try cluster.send(agent, .post, "/api/v1/executor", body: """
                {"type":"SUBSCRIBE","framework_id":{"value":"x"},"executor_id":{"value":"echo-executor"},"subscribe":{}}
                """)
            #expect(stranger.status == .notFound || stranger.status == .unauthorized)
        }
    }

    @Test func aSwiftSchedulerMessagesAndShutsDownACustomExecutor() throws {
        guard let python = PythonClients.python() else { return }
        try withCluster { cluster in
            try cluster.addAgent(agentResources)
            let scheduler = TestScheduler(loop: cluster.loop, master: cluster.masterAddress, name: "custom", format: .protobuf)
            scheduler.subscribe()
            let offer = try cluster.offer(for: scheduler)
            var task = try shellTask("echo", "unused", on: offer, resources: "cpus:0.1;mem:32")
            task.command = nil
            task.executor = ExecutorInfo(executorID: "echo-executor",
                                         command: .shell("\(python) \(PythonClients.fixture("pymesos_executor.py"))"))
            scheduler.launch([task], on: offer)
            try cluster.wait("TASK_RUNNING from the executor", timeout: .seconds(30)) { scheduler.states(of: "echo").last == .running }
            #expect(scheduler.lastStatus(of: "echo")?.source == .executor)
            #expect(scheduler.lastStatus(of: "echo")?.executorID == "echo-executor")
            scheduler.call(SchedulerCall(type: .message, frameworkID: scheduler.frameworkID, message: .init(
                agentID: offer.agentID, executorID: "echo-executor", data: Array("ping:swift".utf8))))
            try cluster.wait("the executor's answer") { scheduler.events.contains { $0.type == .message } }
            let answer = scheduler.events.first { $0.type == .message }?.message
            #expect(answer.map { String(decoding: $0.data, as: UTF8.self) } == "pong:swift:echo")
            #expect(answer?.executorID == "echo-executor" && answer?.agentID == offer.agentID)

            scheduler.call(SchedulerCall(type: .shutdown, frameworkID: scheduler.frameworkID, shutdown: .init(
                executorID: "echo-executor", agentID: offer.agentID)))
            try cluster.wait("the task's end and the executor's FAILURE", timeout: .seconds(20)) {
                scheduler.lastStatus(of: "echo")?.state.isTerminal == true && scheduler.events.contains { $0.type == .failure }
            }
            #expect(scheduler.lastStatus(of: "echo")?.state == .killed)
            #expect(scheduler.events.first { $0.type == .failure }?.failure?.executorID == "echo-executor")
        }
    }

    @Test func frameworkFailoverKeepsTasksWithinTheTimeoutAndLosesThemAfter() throws {
        try withCluster { cluster in
            let agent = try cluster.addAgent(agentResources)
            let first = TestScheduler(loop: cluster.loop, master: cluster.masterAddress, name: "failover", format: .protobuf)
            first.info.failoverTimeout = 2
            first.subscribe()
            let offer = try cluster.offer(for: first)
            first.launch([try shellTask("survivor", "sleep 60", on: offer, resources: "cpus:0.5;mem:64")], on: offer)
            try cluster.wait("TASK_RUNNING") { first.states(of: "survivor").last == .running }
            let frameworkID = first.frameworkID!
            first.close()
            cluster.idle(.milliseconds(500))

            // Back within the timeout: same id, the task is still running.
            let second = TestScheduler(loop: cluster.loop, master: cluster.masterAddress, name: "failover", format: .json)
            second.info.id = frameworkID
            second.info.failoverTimeout = 2
            second.subscribe()
            try cluster.wait("the resubscription") { second.frameworkID == frameworkID }
            second.call(SchedulerCall(type: .reconcile, reconcile: .init(tasks: [.init(taskID: "survivor")])))
            try cluster.wait("reconciliation") { second.lastStatus(of: "survivor") != nil }
            #expect(second.lastStatus(of: "survivor")?.state == .running)

            // Gone for longer than the timeout: the framework is removed and its task killed.
            second.close()
            try cluster.wait("the task to be killed on its agent", timeout: .seconds(15)) {
                guard let state = try? cluster.getJSON(agent, "/state") else { return false }
                return state.list("completed_tasks").contains { $0["id"] == .string("survivor") && $0["state"] == .string("TASK_KILLED") }
                    || state.list("tasks").contains { $0["id"] == .string("survivor") && $0["state"] == .string("TASK_KILLED") }
            }
            let master = try cluster.getJSON(cluster.master, "/state")
            #expect(master.list("frameworks").isEmpty)
            #expect(master.list("completed_frameworks").contains { $0["id"] == .string(frameworkID.value) })
        }
    }
}

extension JSONValue {
    func list(_ key: String) -> [JSONValue] {
        if case .array(let items)? = self[key] { return items }
        return []
    }
}

/// Kills the process group of every process whose command line mentions `marker` (a test's scratch directory).
private func killProcessGroups(mentioning marker: String) {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    for entry in entries where entry.allSatisfy(\.isNumber) {
        guard let pid = Int32(entry), let data = try? Files.read("/proc/\(entry)/cmdline").bytes,
              data.split(separator: 0).contains(where: { String(decoding: $0, as: UTF8.self).contains(marker) }) else { continue }
        let group = getpgid(pid)
        if group > 1 { kill(-group, SIGKILL) }
    }
}
