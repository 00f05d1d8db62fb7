import AgoraWire

/// Fully populated examples of every message, used by the round-trip tests and the benchmarks.
enum Samples {
    static let resources: [Resource] = [
        .scalar("cpus", 1.5),
        .scalar("mem", 1024, role: "web"),
        .ranges("ports", [31000...31009, 31100...31200]),
        .set("disks", ["ssd0", "ssd1"]),
        Resource(name: "gpus", type: .scalar, scalar: Scalar(1), allocationInfo: .init(role: "ml"),
                 reservation: .init(type: .dynamic, role: "ml", principal: "ops", labels: Labels([Label(key: "k")])),
                 reservations: [.init(type: .static, role: "ml")]),
    ]

    static let command = CommandInfo(
        uris: [.init(value: "http://example.invalid/app.tgz", executable: false, extract: true, cache: false,
                     outputFile: "app.tgz")],
        environment: Environment(["PATH": "/bin", "GREETING": "héllo \"world\"\n"]),
        shell: true, value: "echo hello; sleep 1", arguments: [], user: "nobody")

    static let healthCheck = HealthCheck(
        type: .http, http: .init(scheme: "http", port: 8080, path: "/health", statuses: [200, 204]),
        delaySeconds: 1, intervalSeconds: 2, timeoutSeconds: 3, consecutiveFailures: 4, gracePeriodSeconds: 5)

    static let task = TaskInfo(
        name: "web-1", taskID: "web.1", agentID: "agent-1", resources: resources,
        executor: ExecutorInfo(executorID: "exec", type: .custom, frameworkID: "fw", command: .shell("run"),
                               resources: [.scalar("cpus", 0.1)], name: "exec", data: [0, 1, 255], labels: Labels()),
        command: command, healthCheck: healthCheck,
        killPolicy: KillPolicy(gracePeriod: DurationInfo(seconds: 3)), data: Array("opaque".utf8),
        labels: Labels([Label(key: "team", value: "infra")]), maxCompletionTime: DurationInfo(nanoseconds: 5_000))

    static let offer = Offer(
        id: "offer-1", frameworkID: "fw-1", agentID: "agent-1", hostname: "host-1",
        url: MesosURL(scheme: "http", address: Address(hostname: "host-1", ip: "127.0.0.1", port: 5051),
                      path: "/slave(1)", query: [Parameter(key: "a", value: "b")], fragment: "f"),
        resources: resources, attributes: [.text("rack", "r1"), Attribute(name: "level", type: .scalar, scalar: Scalar(3))],
        executorIDs: ["exec"], allocationInfo: .init(role: "*"))

    static let status = TaskStatus(
        taskID: "web.1", state: .failed, message: "exited with status 3", source: .agent, reason: .commandExecutorFailed,
        data: [1, 2, 3], agentID: "agent-1", executorID: "exec", timestamp: 1_764_300_000.25,
        uuid: Array(0..<16), healthy: false, labels: Labels(), unreachableTime: TimeInfo(nanoseconds: 42))

    static let frameworkInfo = FrameworkInfo(
        user: "root", name: "marathon", id: "fw-1", failoverTimeout: 604_800, checkpoint: true, role: "*",
        roles: ["web", "batch"], hostname: "host-1", principal: "ops", webuiURL: "http://localhost:8080",
        capabilities: [.init(type: .multiRole), .init(type: .partitionAware)], labels: Labels([Label(key: "x", value: "y")]))

    static let agentInfo = AgentInfo(
        hostname: "host-1", port: 5051, resources: resources, attributes: [.text("zone", "a")], id: "agent-1")

    static let masterInfo = MasterInfo(
        id: "master-1", ip: 16_777_343, port: 5050, pid: "master@127.0.0.1:5050", hostname: "localhost",
        version: "1.11.0", address: Address(hostname: "localhost", ip: "127.0.0.1", port: 5050))

    static let calls: [SchedulerCall] = [
        SchedulerCall(type: .subscribe, subscribe: .init(frameworkInfo: frameworkInfo, suppressedRoles: ["batch"])),
        SchedulerCall(type: .accept, frameworkID: "fw-1",
                      accept: .init(offerIDs: ["offer-1", "offer-2"], operations: [.launch([task])],
                                    filters: Filters(refuseSeconds: 10))),
        SchedulerCall(type: .decline, frameworkID: "fw-1", decline: .init(offerIDs: ["offer-1"], filters: Filters())),
        SchedulerCall(type: .kill, frameworkID: "fw-1",
                      kill: .init(taskID: "web.1", agentID: "agent-1", killPolicy: KillPolicy(gracePeriod: .init(seconds: 1)))),
        SchedulerCall(type: .acknowledge, frameworkID: "fw-1",
                      acknowledge: .init(agentID: "agent-1", taskID: "web.1", uuid: Array(0..<16))),
        SchedulerCall(type: .reconcile, frameworkID: "fw-1",
                      reconcile: .init(tasks: [.init(taskID: "web.1", agentID: "agent-1"), .init(taskID: "web.2")])),
        SchedulerCall(type: .revive, frameworkID: "fw-1", revive: .init(roles: ["web"])),
        SchedulerCall(type: .suppress, frameworkID: "fw-1", suppress: .init(roles: [])),
        SchedulerCall(type: .teardown, frameworkID: "fw-1"),
        SchedulerCall(type: .message, frameworkID: "fw-1",
                      message: .init(agentID: "agent-1", executorID: "exec", data: Array("ping".utf8))),
        SchedulerCall(type: .shutdown, frameworkID: "fw-1", shutdown: .init(executorID: "exec", agentID: "agent-1")),
        SchedulerCall(type: .request, frameworkID: "fw-1",
                      request: .init(requests: [ResourceRequest(agentID: "agent-1", resources: resources)])),
    ]

    static let events: [SchedulerEvent] = [
        SchedulerEvent(type: .subscribed, subscribed: .init(frameworkID: "fw-1", heartbeatIntervalSeconds: 15,
                                                             masterInfo: masterInfo)),
        SchedulerEvent(type: .offers, offers: .init(offers: [offer, offer])),
        SchedulerEvent(type: .rescind, rescind: .init(offerID: "offer-1")),
        SchedulerEvent(type: .update, update: .init(status: status)),
        SchedulerEvent(type: .message, message: .init(agentID: "agent-1", executorID: "exec", data: [9])),
        SchedulerEvent(type: .failure, failure: .init(agentID: "agent-1", executorID: "exec", status: 137)),
        SchedulerEvent(type: .error, error: .init(message: "framework has been removed")),
        .heartbeat,
    ]

    static let record = TaskRecord(
        name: "web-1", taskID: "web.1", frameworkID: "fw-1", agentID: "agent-1", state: .running, resources: resources,
        statuses: [status], executorID: "exec", statusUpdateState: .running, statusUpdateUUID: [7, 7],
        labels: Labels(), healthCheck: healthCheck, user: "nobody")

    static let agentCalls: [AgentCall] = [
        AgentCall(type: .subscribe, agentID: "agent-1",
                  subscribe: .init(agentInfo: agentInfo, tasks: [record], frameworks: [frameworkInfo])),
        AgentCall(type: .update, agentID: "agent-1", update: .init(frameworkID: "fw-1", status: status)),
        AgentCall(type: .pong, agentID: "agent-1"),
    ]

    static let agentEvents: [AgentEvent] = [
        AgentEvent(type: .subscribed, subscribed: .init(agentID: "agent-1", pingIntervalSeconds: 15)),
        AgentEvent(type: .runTask, runTask: .init(framework: frameworkInfo, task: task)),
        AgentEvent(type: .killTask, killTask: .init(frameworkID: "fw-1", taskID: "web.1",
                                                    killPolicy: KillPolicy(gracePeriod: .init(seconds: 2)))),
        AgentEvent(type: .acknowledge, acknowledge: .init(frameworkID: "fw-1", taskID: "web.1", uuid: [1, 2])),
        AgentEvent(type: .ping),
        AgentEvent(type: .shutdownFramework, shutdownFramework: .init(frameworkID: "fw-1")),
    ]

    /// Every message type at least once, as existentials for table-driven tests.
    static let all: [any WireMessage] = {
        var all: [any WireMessage] = [
            FrameworkID("fw-1"), AgentID("agent-1"), OfferID("offer-1"), TaskID("t"), ExecutorID("e"),
            TimeInfo(nanoseconds: -5), DurationInfo(nanoseconds: 1), Address(port: 1), Parameter(key: "k", value: "v"),
            offer.url!, Label(key: "k", value: "v"), Labels([Label(key: "k")]), KillPolicy(), Filters(refuseSeconds: 0.5),
            masterInfo, Scalar(0.001), ValueRange(begin: 0, end: UInt64.max), ValueRanges([]), ValueSet(["a"]),
            ValueText("t"), Resource.AllocationInfo(role: "r"), Resource.ReservationInfo(type: .static),
            Attribute.text("a", "b"), frameworkInfo, FrameworkInfo.Capability(type: .gpuResources), agentInfo,
            Environment.Variable(name: "A", value: "B", type: .value), command, command.uris[0], healthCheck,
            HealthCheck.TCPCheckInfo(port: 1), task.executor!, task, record, ResourceRequest(),
            Offer.Operation.launch([task]), status, frameworkInfo,
        ]
        all += resources as [any WireMessage]
        all += calls as [any WireMessage]
        all += events as [any WireMessage]
        all += agentCalls as [any WireMessage]
        all += agentEvents as [any WireMessage]
        return all
    }()
}
