@testable import AgoraMaster
import AgoraAuth
import AgoraResources
import AgoraWire
import Testing

/// The master's rules on a manual clock: no process, no socket, time moves when the test says.
@Suite struct MasterCoreTests {
    /// A framework with one running task on one agent.
    private func runningTask(failoverTimeout: Double) throws -> (CoreHarness, FrameworkID, AgentID) {
        let harness = CoreHarness()
        let framework = harness.subscribe("web", failoverTimeout: failoverTimeout)
        let agent = try harness.addAgent("cpus:2;mem:1024")
        let offer = try #require(harness.allocate(for: framework).first)
        try harness.launch(["t1"], on: offer, resources: "cpus:1;mem:128", by: framework)
        harness.report("t1", .running, framework: framework, agent: agent)
        return (harness, framework, agent)
    }

    @Test func aFrameworkThatDoesNotComeBackWithinItsFailoverTimeoutLosesItsTasks() throws {
        let (harness, framework, agent) = try runningTask(failoverTimeout: 60)
        harness.disconnect(framework)
        #expect(harness.armed == [.failover(framework)])
        harness.clock.advance(by: .seconds(59))
        #expect(harness.core.frameworks[framework]?.tasks.count == 1)
        #expect(harness.events(to: agent, .shutdownFramework).isEmpty)
        harness.clock.advance(by: .seconds(2))
        #expect(harness.core.frameworks[framework] == nil)
        #expect(harness.core.completedFrameworks.map(\.id) == [framework])
        #expect(harness.events(to: agent, .shutdownFramework).count == 1)
        #expect(harness.core.agents[agent]?.tasks.isEmpty == true)
        #expect(harness.core.allocator.free(on: agent) == (try Resources(parsing: "cpus:2;mem:1024")))
        #expect(harness.writes.contains { if case .removeFramework(framework) = $0 { true } else { false } })
    }

    @Test func aFrameworkThatComesBackInTimeKeepsItsTasks() throws {
        let (harness, framework, agent) = try runningTask(failoverTimeout: 60)
        harness.disconnect(framework)
        harness.clock.advance(by: .seconds(30))
        harness.subscribe("web", id: framework)
        #expect(harness.armed.isEmpty)
        harness.clock.advance(by: .seconds(3600))
        #expect(harness.core.frameworks[framework]?.tasks.keys.map(\.value) == ["t1"])
        #expect(harness.events(to: agent, .shutdownFramework).isEmpty)
    }

    @Test func anAgentThatMissesItsPingsBecomesUnreachableAndItsTasksAreLostToFrameworksThatAreNotPartitionAware() throws {
        var settings = MasterCore.Settings()
        settings.maxAgentPingTimeouts = 3
        let harness = CoreHarness(settings: settings)
        let framework = harness.subscribe("web")
        let agent = try harness.addAgent("cpus:2;mem:1024")
        let offer = try #require(harness.allocate(for: framework).first)
        try harness.launch(["t1", "t2"], on: offer, resources: "cpus:1;mem:128", by: framework)
        for _ in 0..<3 { harness.run(.pingAgents) }
        #expect(harness.core.agents[agent] != nil)
        harness.run(.pingAgents)
        #expect(harness.core.agents[agent] == nil && harness.core.unreachableAgents[agent] != nil)
        let lost = harness.updates(to: framework).filter { $0.state == .lost }
        #expect(lost.map(\.taskID.value).sorted() == ["t1", "t2"])
        #expect(lost.allSatisfy { $0.reason == .agentRemoved && $0.uuid == nil && $0.source == .master })
        #expect(harness.core.frameworks[framework]?.tasks.isEmpty == true)
        #expect(harness.toFrameworks.contains { $0.1.type == .failure })
        #expect(harness.writes.contains { if case .markUnreachable(_, agent, _) = $0 { true } else { false } })
        // It comes back still running t1: the framework was told LOST, so t1 is killed, not quietly re-adopted.
        try harness.agentReturns(agent, running: ["t1"], of: framework)
        #expect(harness.events(to: agent, .killTask).map { $0.killTask?.taskID.value } == ["t1"])
        #expect(harness.core.frameworks[framework]?.tasks.isEmpty == true)
        #expect(harness.core.unreachableAgents.isEmpty)
    }

    @Test func unreachableAgentsLeaveTheRegistryAfterTheirMaximumAgeOrBeyondTheMaximumCount() throws {
        var settings = MasterCore.Settings()
        settings.maxAgentPingTimeouts = 1
        settings.registryMaxAgentAge = 3600
        settings.registryMaxAgentCount = 2
        let harness = CoreHarness(settings: settings)
        var agents: [AgentID] = []
        for index in 0..<3 {
            agents.append(try harness.addAgent("cpus:1;mem:128", id: AgentID("a\(index)")))
            harness.clock.advance(by: .seconds(10))
            harness.run(.pingAgents)
            harness.run(.pingAgents)
        }
        // Three unreachable, two kept: the oldest goes first.
        #expect(Set(harness.core.unreachableAgents.keys) == ["a1", "a2"])
        #expect(harness.writes.contains { if case .removeAgent("a0") = $0 { true } else { false } })
        harness.clock.advance(by: .seconds(3601))
        harness.run(.pingAgents)
        #expect(harness.core.unreachableAgents.isEmpty, "past the maximum age")
    }

    @Test func aTerminalUpdateFreesResourcesAtOnceAndTheTaskIsForgottenOnAcknowledgement() throws {
        let (harness, framework, agent) = try runningTask(failoverTimeout: 0)
        #expect(harness.core.allocator.free(on: agent) == (try Resources(parsing: "cpus:1;mem:896")))
        harness.report("t1", .finished, framework: framework, agent: agent)
        #expect(harness.core.allocator.free(on: agent) == (try Resources(parsing: "cpus:2;mem:1024")))
        #expect(harness.core.frameworks[framework]?.tasks["t1"]?.state == .finished)
        #expect(harness.core.metrics.terminalTasks["TASK_FINISHED"] == 1)
        let status = try #require(harness.updates(to: framework).last)
        harness.run(.schedulerCall(framework, SchedulerCall(type: .acknowledge, acknowledge: .init(
            agentID: agent, taskID: "t1", uuid: status.uuid!))))
        #expect(harness.core.frameworks[framework]?.tasks["t1"] == nil)
        #expect(harness.events(to: agent, .acknowledge).count == 1)
    }

    @Test func aResentUpdateIsPassedOnButNotRecordedAgainAndOnceAcknowledgedIsAcknowledgedAtOnce() throws {
        let (harness, framework, agent) = try runningTask(failoverTimeout: 60)
        // Resent before the framework acknowledged: it goes again (the framework may have lost it), recorded once.
        // It goes marked as a resend, which the shell drops while the first copy is still queued in the master.
        harness.report("t1", .running, framework: framework, agent: agent)
        #expect(harness.updates(to: framework).map(\.state) == [.running, .running])
        #expect(harness.resentToFrameworks == 1)
        #expect(harness.core.frameworks[framework]?.tasks["t1"]?.statuses.map(\.state) == [.staging, .running])
        // Acknowledged, but the acknowledgement did not reach the agent: the next resend is acknowledged at once.
        let uuid = try #require(harness.updates(to: framework).last?.uuid)
        harness.run(.schedulerCall(framework, SchedulerCall(type: .acknowledge, acknowledge: .init(agentID: agent, taskID: "t1", uuid: uuid))))
        harness.report("t1", .running, framework: framework, agent: agent)
        #expect(harness.events(to: agent, .acknowledge).count == 2)
        #expect(harness.updates(to: framework).count == 2)
        #expect(harness.core.metrics.duplicateStatusUpdates == 2)
        // The next state is news: it goes.
        harness.report("t1", .finished, framework: framework, agent: agent)
        #expect(harness.updates(to: framework).map(\.state) == [.running, .running, .finished])
        #expect(harness.resentToFrameworks == 1)
    }

    @Test func aReregisteringAgentLosesTheTasksItNoLongerHasAndGetsStagingOnesAgain() throws {
        let harness = CoreHarness()
        let framework = harness.subscribe("web")
        let agent = try harness.addAgent("cpus:4;mem:1024")
        let offer = try #require(harness.allocate(for: framework).first)
        try harness.launch(["kept", "gone", "staging"], on: offer, resources: "cpus:1;mem:128", by: framework)
        harness.report("kept", .running, framework: framework, agent: agent)
        harness.report("gone", .running, framework: framework, agent: agent)
        let kept = TaskRecord(name: "kept", taskID: "kept", frameworkID: framework, agentID: agent, state: .running,
                              resources: try Resources(parsing: "cpus:1;mem:128").wire())
        let runsBefore = harness.events(to: agent, .runTask).count
        _ = try harness.addAgent("cpus:4;mem:1024", tasks: [kept], id: agent)
        let lost = harness.updates(to: framework).filter { $0.state == .lost }
        #expect(lost.map(\.taskID.value) == ["gone"] && lost[0].reason == .agentReregistered)
        #expect(harness.events(to: agent, .runTask).count == runsBefore + 1)
        // The task sent again is the one launched, whole, though the master keeps it encoded.
        let runs = harness.events(to: agent, .runTask).compactMap(\.runTask?.task).filter { $0.taskID == "staging" }
        #expect(runs.count == 2 && runs[0] == runs[1])
        #expect(harness.core.frameworks[framework]?.tasks.keys.map(\.value).sorted() == ["kept", "staging"])
    }

    @Test func anExecutorRunsOneTaskAtATimeOnEachAgent() throws {
        let harness = CoreHarness()
        let framework = harness.subscribe("custom")
        let first = try harness.addAgent("cpus:4;mem:1024", id: "a1")
        let second = try harness.addAgent("cpus:4;mem:1024", id: "a2")
        let offers = harness.allocate(for: framework)
        let onFirst = try #require(offers.first { $0.agentID == first })
        let onSecond = try #require(offers.first { $0.agentID == second })
        try harness.launch(["t1", "t2"], on: onFirst, resources: "cpus:1;mem:128", by: framework, executor: "e")
        try harness.launch(["t3"], on: onSecond, resources: "cpus:1;mem:128", by: framework, executor: "e")
        let refused = harness.updates(to: framework).filter { $0.state == .error }
        #expect(refused.map(\.taskID.value) == ["t2"])
        #expect(refused.first?.message?.contains("already runs a task on agent 'a1'") == true)
        // Once its task has ended, the executor id is free on that agent again.
        harness.report("t1", .finished, framework: framework, agent: first)
        let again = try #require(harness.allocate(for: framework).first { $0.agentID == first })
        try harness.launch(["t4"], on: again, resources: "cpus:1;mem:128", by: framework, executor: "e")
        #expect(harness.updates(to: framework).filter { $0.state == .error }.count == 1)
        #expect(harness.core.frameworks[framework]?.tasks["t4"] != nil)
    }

    @Test func aTaskIsKeptWholeWhetherOrNotItCanBeEncoded() throws {
        var info = TaskInfo(name: "web", taskID: "t1", agentID: "a1", resources: try Resources(parsing: "cpus:1;mem:64").wire())
        info.command = .shell("sleep 10", environment: Environment(["PORT": "31000"]))
        info.labels = Labels([Label(key: "app", value: "/web")])
        let entry = TaskEntry(info: info, frameworkID: "f1", resources: Resources(info.resources), now: 0)
        #expect(entry.info == info)
        // A string holding NUL (possible over JSON) has no protobuf form: the task is kept decoded.
        info.name = "w\u{0}b"
        let odd = TaskEntry(info: info, frameworkID: "f1", resources: Resources(info.resources), now: 0)
        #expect(odd.info == info)
    }

    @Test func afterARestartAgentsThatDoNotComeBackAreForgotten() throws {
        var settings = MasterCore.Settings()
        settings.agentReregisterTimeout = 600
        let harness = CoreHarness(settings: settings)
        let info = AgentInfo(hostname: "h", port: 5051, resources: [], attributes: [], id: "a1")
        harness.run(.recovered(frameworks: [(FrameworkID("fw"), FrameworkInfo(user: "u", name: "n", id: "fw", failoverTimeout: 10))],
                               agents: [(AgentID("a1"), info), (AgentID("a2"), info)], unreachable: [], gone: []))
        #expect(harness.armed == [.failover("fw"), .agentReregistration])
        _ = try harness.addAgent("cpus:1;mem:64", id: "a1")
        harness.clock.advance(by: .seconds(600))
        let removed = harness.writes.compactMap { if case .removeAgent(let id) = $0 { id } else { nil } }
        #expect(removed == [AgentID("a2")])
        #expect(harness.core.frameworks["fw"] == nil)
    }
}

/// Partitions as in Mesos ≥ 1.1, on a manual clock.
@Suite struct PartitionTests {
    private func partitioned() throws -> (CoreHarness, FrameworkID, AgentID) {
        var settings = MasterCore.Settings()
        settings.maxAgentPingTimeouts = 2
        let harness = CoreHarness(settings: settings)
        let framework = harness.subscribe("aware", partitionAware: true)
        let agent = try harness.addAgent("cpus:4;mem:1024")
        let offer = try #require(harness.allocate(for: framework).first)
        try harness.launch(["stays", "dies"], on: offer, resources: "cpus:1;mem:128", by: framework)
        harness.report("stays", .running, framework: framework, agent: agent)
        harness.report("dies", .running, framework: framework, agent: agent)
        for _ in 0..<3 { harness.run(.pingAgents) }
        return (harness, framework, agent)
    }

    @Test func aPartitionAwareFrameworkSeesUnreachableThenTheRealStatesWhenTheAgentReturns() throws {
        let (harness, framework, agent) = try partitioned()
        let unreachable = harness.updates(to: framework).filter { $0.state == .unreachable }
        #expect(unreachable.map(\.taskID.value).sorted() == ["dies", "stays"])
        #expect(harness.core.allocator.total(on: agent).isEmpty)
        #expect(harness.reconcile(["stays"], agent: agent, framework: framework).map(\.state) == [.unreachable])
        #expect(harness.reconcile(["never"], agent: agent, framework: framework).map(\.state) == [.unreachable])
        #expect(harness.reconcile(["never"], agent: "other", framework: framework).map(\.state) == [.unknown])

        let before = harness.updates(to: framework).count
        try harness.agentReturns(agent, running: ["stays"], of: framework)
        let after = harness.updates(to: framework)[before...].map { "\($0.taskID.value) \($0.state.rawValue)" }
        #expect(after.sorted() == ["dies TASK_GONE", "stays TASK_RUNNING"])
        #expect(harness.core.frameworks[framework]?.tasks.keys.map(\.value) == ["stays"])
        #expect(harness.core.frameworks[framework]?.unreachableTasks.isEmpty == true)
        #expect(harness.core.allocator.free(on: agent) == (try Resources(parsing: "cpus:3;mem:896")))
    }

    @Test func anAgentMarkedGoneTakesItsTasksAndMayNotComeBack() throws {
        let (harness, framework, agent) = try partitioned()
        harness.run(.markAgentGone(agent))
        let gone = harness.updates(to: framework).filter { $0.state == .goneByOperator }
        #expect(gone.map(\.taskID.value).sorted() == ["dies", "stays"])
        #expect(gone.allSatisfy { $0.reason == .agentRemovedByOperator })
        #expect(harness.core.goneAgents == [agent] && harness.core.unreachableAgents.isEmpty)
        #expect(harness.reconcile(["stays"], agent: agent, framework: framework).map(\.state) == [.goneByOperator])
        #expect(harness.writes.contains { if case .markGone(agent, _) = $0 { true } else { false } })
    }

    @Test func markingAConnectedAgentGoneEndsItsTasksAndFreesNothingTwice() throws {
        let harness = CoreHarness()
        let framework = harness.subscribe("aware", partitionAware: true)
        let agent = try harness.addAgent("cpus:2;mem:256")
        let offer = try #require(harness.allocate(for: framework).first)
        try harness.launch(["t"], on: offer, resources: "cpus:1;mem:128", by: framework)
        harness.run(.markAgentGone(agent))
        #expect(harness.updates(to: framework).last?.state == .goneByOperator)
        #expect(harness.core.agents[agent] == nil && harness.core.frameworks[framework]?.tasks.isEmpty == true)
        #expect(harness.core.metrics.terminalTasks["TASK_GONE_BY_OPERATOR"] == 1)
    }
}

/// ACCEPT checks as free functions.
@Suite struct OfferValidationTests {
    private func offer(_ id: String, agent: String, role: String = "*") throws -> OfferRecord {
        OfferRecord(id: OfferID(id), frameworkID: "fw", agentID: AgentID(agent), role: role, resources: try Resources(parsing: "cpus:1"))
    }

    @Test func acceptedOffersMustBeOutstandingAndOnOneAgent() throws {
        #expect(acceptedOffersProblem([], outstanding: []) == "No offers given")
        #expect(acceptedOffersProblem(["o1", "o2"], outstanding: [try offer("o1", agent: "a"), nil])
                == "Offer o2 is no longer valid")
        #expect(acceptedOffersProblem(["o1", "o2"], outstanding: [try offer("o1", agent: "a"), try offer("o2", agent: "b")])
                == "Offers o1 and o2 are on different agents")
        #expect(acceptedOffersProblem(["o1", "o2"], outstanding: [try offer("o1", agent: "a"), try offer("o2", agent: "a")])
                == nil)
        #expect(acceptedOffersProblem(["o1", "o2"], outstanding: [try offer("o1", agent: "a", role: "web"), try offer("o2", agent: "a")])?
                    .contains("different roles") == true)
    }

    @Test func severalRolesNeedTheMultiRoleCapability() {
        var info = FrameworkInfo(user: "u", name: "n")
        info.roles = ["web", "batch"]
        #expect(rolesProblem(info, suppressed: [])?.contains("MULTI_ROLE") == true)
        info.capabilities = [.init(type: .multiRole)]
        #expect(rolesProblem(info, suppressed: ["batch"]) == nil)
        #expect(rolesProblem(info, suppressed: ["other"])?.contains("'other'") == true)
        info.roles = ["web", "web"]
        #expect(rolesProblem(info, suppressed: [])?.contains("twice") == true)
    }

    @Test func aTaskIsCheckedForIdsAgentCommandResourcesAndPermission() throws {
        let context = LaunchContext(agentID: "a", agentConnected: true, remaining: try Resources(parsing: "cpus:1;mem:100"),
                                    taskIDInUse: false, principal: nil, frameworkUser: "root", acls: ACLs())
        func task(_ id: String, agent: String = "a", command: CommandInfo? = .shell("true")) -> TaskInfo {
            TaskInfo(name: id, taskID: TaskID(id), agentID: AgentID(agent), resources: [], command: command)
        }
        let fits = try Resources(parsing: "cpus:1;mem:50")
        #expect(launchProblem(task("ok"), resources: fits, in: context) == nil)
        #expect(launchProblem(task(""), resources: fits, in: context) == "Task ID must not be empty")
        #expect(launchProblem(task("a/b"), resources: fits, in: context)?.contains("must not contain '/'") == true)
        for name in [".", ".."] {
            #expect(launchProblem(task(name), resources: fits, in: context) == "Task ID must not be '.' or '..'")
        }
        #expect(launchProblem(task("..."), resources: fits, in: context) == nil)
        #expect(launchProblem(task("x", agent: "b"), resources: fits, in: context)?.contains("offers are for agent 'a'") == true)
        #expect(launchProblem(task("x", command: nil), resources: fits, in: context)
                == "Task should have at least one (but not both) of CommandInfo or ExecutorInfo present")
        var custom = task("c", command: nil)
        custom.executor = ExecutorInfo(executorID: "e", command: .shell("./my-executor"))
        #expect(launchProblem(custom, resources: fits, in: context) == nil)
        var both = custom
        both.command = .shell("true")
        #expect(launchProblem(both, resources: fits, in: context)?.contains("not both") == true)
        var taskGroup = custom
        taskGroup.executor?.type = .default
        #expect(launchProblem(taskGroup, resources: fits, in: context)?.contains("DEFAULT executor") == true)
        var unnamed = custom
        unnamed.executor?.executorID = ""
        #expect(launchProblem(unnamed, resources: fits, in: context) == "Executor ID must not be empty")
        var busy = context
        busy.executorInUse = true
        #expect(launchProblem(custom, resources: fits, in: busy)?.contains("one task per executor") == true)
        #expect(launchProblem(task("x", command: .shell("")), resources: fits, in: context) == "Task's shell command is empty")
        #expect(launchProblem(task("x"), resources: Resources(), in: context) == "Task uses no resources")
        #expect(launchProblem(task("x"), resources: try Resources(parsing: "cpus:2"), in: context)?
                    .contains("more resources") == true)
        var inUse = context
        inUse.taskIDInUse = true
        #expect(launchProblem(task("x"), resources: fits, in: inUse) == "Task ID 'x' is already in use")
        var fetching = task("x")
        fetching.command?.uris = [.init(value: "http://example.com/app.tgz"), .init(value: "/opt/tool", outputFile: "tool")]
        #expect(launchProblem(fetching, resources: fits, in: context) == nil)
        var contained = task("x")
        contained.container = ContainerInfo(type: .mesos)
        #expect(launchProblem(contained, resources: fits, in: context) == nil, "a MESOS container without an image runs on the host")
        contained.container = ContainerInfo(type: .mesos, mesos: .init(image: Image(type: .docker, docker: .init(name: "busybox:1.36"))))
        #expect(launchProblem(contained, resources: fits, in: context) == nil)
        contained.container?.mesos?.image?.type = .appc
        #expect(launchProblem(contained, resources: fits, in: context)?.contains("APPC is not supported") == true)
        contained.container = ContainerInfo(type: .docker, docker: .init(image: "busybox", network: .bridge))
        #expect(launchProblem(contained, resources: fits, in: context) == nil, "BRIDGE joins the agent's mesos-bridge network")
        contained.container?.docker?.network = .user
        #expect(launchProblem(contained, resources: fits, in: context)?.contains("USER needs a network named in ContainerInfo.network_infos") == true)
        contained.container?.docker?.network = .host
        contained.container?.docker?.portMappings = [.init(hostPort: 31000, containerPort: 80)]
        #expect(launchProblem(contained, resources: fits, in: context)?.contains("port_mappings need network BRIDGE or USER") == true)
        contained.container = ContainerInfo(type: .docker, docker: .init(image: "busybox", parameters: [Parameter(key: "volume", value: "/:/host")]))
        #expect(launchProblem(contained, resources: fits, in: context)?.contains("docker.parameters ('volume') are not supported") == true)
        contained.container = ContainerInfo(type: .docker, volumes: [Volume(mode: .rw, containerPath: "/x", source: .init(
            type: .sandboxPath, sandboxPath: .init(type: .this, path: "../../etc")))], docker: .init(image: "busybox"))
        #expect(launchProblem(contained, resources: fits, in: context)?.contains("must be relative and stay in the sandbox") == true)
        contained.container = ContainerInfo(type: .docker, docker: .init(image: "busybox"), linuxInfo: LinuxInfo(effectiveCapabilities: CapabilityInfo([.netAdmin])))
        #expect(launchProblem(contained, resources: fits, in: context) == nil)
        contained.container?.networkInfos = [NetworkInfo()]
        #expect(launchProblem(contained, resources: fits, in: context)?.contains("NetworkInfo.name '' must be 1 to 64") == true)
        contained.container?.networkInfos = [NetworkInfo(name: "backend", ipAddresses: [.init(ipAddress: "10.1.2.3")])]
        #expect(launchProblem(contained, resources: fits, in: context)?.contains("a fixed address on 'backend') is not implemented") == true)
        contained.container?.networkInfos = [NetworkInfo(name: "backend", portMappings: [.init(hostPort: 8080, containerPort: 80)])]
        #expect(launchProblem(contained, resources: fits, in: context)?.contains("host port 8080 is not among the task's port resources") == true)
        contained.container?.networkInfos = [NetworkInfo(name: "backend")]
        #expect(launchProblem(contained, resources: fits, in: context) == nil)
        contained.container = ContainerInfo(type: .docker)
        #expect(launchProblem(contained, resources: fits, in: context)?.contains("docker.image must be set") == true)
        var checked = task("x")
        checked.check = CheckInfo(type: .http)
        #expect(launchProblem(checked, resources: fits, in: context)?.contains("TaskInfo.check") == true)
        fetching.command?.uris = [.init(value: "ftp://example.com/app.tgz")]
        #expect(launchProblem(fetching, resources: fits, in: context)?.contains("cannot be fetched") == true)
        fetching.command?.uris = [.init(value: "http://example.com/app.tgz", outputFile: "../escape")]
        #expect(launchProblem(fetching, resources: fits, in: context)?.contains("plain file name") == true)
        var gone = context
        gone.agentConnected = false
        #expect(launchProblem(task("x"), resources: fits, in: gone) == "Agent 'a' is not connected")
    }
}
