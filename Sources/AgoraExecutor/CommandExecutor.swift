import AgoraHTTP
import AgoraRuntime
import AgoraWire
import Glibc

/// Agora's command executor: the parent of one task's process tree. It subscribes to its agent's executor API,
/// runs the task it is sent (LAUNCH) in its own process group, reports TASK_RUNNING and the task's end with its exit
/// status or signal, runs kill policies (SIGTERM, the grace period, SIGKILL of the group) and keeps every update
/// until the agent acknowledges it. When the agent goes away it keeps the task running and resubscribes (with the
/// task and its unacknowledged updates) until `MESOS_RECOVERY_TIMEOUT`; it exits once the task has ended and its
/// last update was acknowledged.
public final class CommandExecutor {
    private let loop: Loop
    private let environment: ExecutorEnvironment
    private let subscription: EventSubscription
    private let log: (String) -> Void
    private var task: TaskInfo?
    private var process: ChildProcess?
    private var unacknowledged: [ExecutorCall.Update] = []
    private var ended = false
    private var killRequested = false
    /// The task's health check, once it runs, and why it had the task killed, if it did.
    private var health: HealthCheckRunner?
    private var healthy: Bool?
    private var unhealthy: String?
    private var killTimer: (any ScheduledWork)?
    private var recoveryDeadline: (any ScheduledWork)?
    /// Called once when the executor is done, with its exit code.
    public var onFinished: (Int32) -> Void = { _ in }

    public init(loop: Loop, environment: ExecutorEnvironment, log: @escaping (String) -> Void) {
        self.loop = loop
        self.environment = environment
        self.log = log
        var options = EventSubscription.Options(
            servers: [environment.agent], path: "/api/v1/executor", contentType: WireFormat.protobuf.contentType,
            backoff: Backoff(minimum: .milliseconds(100), maximum: .seconds(2)))
        options.authorization = environment.token.map { "Bearer \($0)" }
        options.heartbeatTolerance = 0
        subscription = EventSubscription(loop: loop, options: options)
        subscription.locate = { [endpointFile = environment.endpointFile] in
            guard let endpointFile, let text = try? Files.readText(endpointFile) else { return nil }
            return SocketAddress(parsing: String(text.filter { !$0.isWhitespace }))
        }
        subscription.subscribeBody = { [unowned self] in
            let acknowledgedEnd = self.ended && self.unacknowledged.isEmpty
            let subscribe = ExecutorCall.Subscribe(
                unacknowledgedTasks: acknowledgedEnd ? [] : self.task.map { [$0] } ?? [],
                unacknowledgedUpdates: self.unacknowledged)
            return try self.call(.subscribe, subscribe: subscribe).protobuf()
        }
        subscription.onRecord = { [unowned self] record in self.handle(try ExecutorEvent(protobuf: record)) }
        subscription.onLost = { [unowned self] reason in self.agentLost(reason) }
        subscription.onRefused = { [log] status, answer in log("the agent refused the subscription: \(status) \(answer)") }
        subscription.onRetry = { [unowned self] reason, _ in
            if !self.environment.checkpoint && self.task != nil { self.agentLost(reason) }
        }
        subscription.onTimerFailure = { [log] in log("cannot arm a timer: \($0)") }
    }

    /// Subscribes to the agent.
    public func start() { subscription.start() }

    private func call(_ type: ExecutorCall.Kind, subscribe: ExecutorCall.Subscribe? = nil,
                      update: ExecutorCall.Update? = nil) -> ExecutorCall {
        ExecutorCall(executorID: environment.executorID, frameworkID: environment.frameworkID, type: type,
                     subscribe: subscribe, update: update)
    }

    private func handle(_ event: ExecutorEvent) {
        switch event.type {
        case .subscribed?:
            subscription.established(heartbeatInterval: nil)
            recoveryDeadline?.cancel()
            recoveryDeadline = nil
            // Updates the agent has not acknowledged went with SUBSCRIBE; nothing else to resend.
        case .launch?:
            if let launch = event.launch { self.launch(launch.task) }
        case .kill?:
            if let kill = event.kill, kill.taskID == task?.taskID { self.kill(policy: kill.killPolicy) }
        case .acknowledged?:
            guard let ack = event.acknowledged else { return }
            unacknowledged.removeAll { $0.status.uuid == ack.uuid }
            finishIfDone()
        case .shutdown?:
            if task == nil || ended { finish(0) } else { kill(policy: nil) }
        case .launchGroup?:
            log("LAUNCH_GROUP is not implemented by the command executor")
        case .message?:
            log("the command executor has no use for framework messages; one was dropped")
        case .error?:
            log("the agent reported an error: \(event.error?.message ?? "")")
        case .heartbeat?, .unknown?, nil:
            break
        }
    }

    private func launch(_ info: TaskInfo) {
        guard task == nil else {
            log("a second LAUNCH (\(info.taskID)) was ignored: this executor runs one task")
            return
        }
        task = info
        guard let command = info.command, let value = command.value, !value.isEmpty else {
            report(.failed, message: "Task has no command", exit: nil)
            return
        }
        var environment = self.environment.taskEnvironment
        for variable in command.environment?.variables ?? [] { environment[variable.name] = variable.value ?? "" }
        var spec = ProcessSpec(
            command: command.isShell ? .shell(value) : .argv([value] + command.arguments.dropFirst()),
            environment: environment, workingDirectory: self.environment.sandbox, ownProcessGroup: true)
        spec.stdoutDescriptor = 1
        spec.stderrDescriptor = 2
        spec.cgroupProcs = self.environment.cgroupProcs
        spec.pidNamespace = self.environment.pidNamespace
        var pipes: [ProcessPipe] = []
        defer { for pipe in pipes { Glibc.close(pipe.writeEnd) } }
        do {
            if let rotation = self.environment.logRotation {
                for name in ["stdout", "stderr"] {
                    pipes.append(try rotateOutput(into: self.environment.sandbox + "/" + name, rotation: rotation))
                }
                spec.stdoutDescriptor = pipes[0].writeEnd
                spec.stderrDescriptor = pipes[1].writeEnd
            }
            process = try ChildProcess.spawn(loop: loop, spec) { [weak self] exit in self?.exited(exit) }
            report(.running, message: nil, exit: nil, pid: process?.pid)
            if let check = info.healthCheck { startHealthCheck(check, environment: environment) }
        } catch {
            report(.failed, message: "Cannot start the command: \(error)", exit: nil)
        }
    }

    /// A pipe whose read end this executor copies into a rotated log; the task gets the write end.
    private func rotateOutput(into path: String, rotation: (maxBytes: Int, maxFiles: Int)) throws(RuntimeError) -> ProcessPipe {
        let log = try RotatingLog(path: path, maxBytes: rotation.maxBytes, maxFiles: rotation.maxFiles)
        let pipe = try ProcessPipe()
        do {
            outputs += 1
            _ = try PipeReader(loop: loop, fd: pipe.readEnd, onData: { log.write($0) }, onEnd: { [weak self] in
                log.close()
                self?.outputEnded()
            })
        } catch {
            outputs -= 1
            Glibc.close(pipe.writeEnd)
            throw error
        }
        return pipe
    }

    /// Output pipes still open (the task's end is reported once they are drained).
    private var outputs = 0
    private var exitStatus: ProcessExit?
    private var drainDeadline: (any ScheduledWork)?

    private func outputEnded() {
        outputs -= 1
        if outputs == 0, let exit = exitStatus { concluded(exit) }
    }

    private func exited(_ exit: ProcessExit) {
        // Whatever the task left in its process group goes with it; then the output pipes close for good.
        try? process?.killGroup(.kill)
        process = nil
        killTimer?.cancel()
        Files.detachStandardOutput()
        exitStatus = exit
        guard outputs > 0 else { return concluded(exit) }
        // A descendant outside the task's group may hold the output open: the end waits 2 s for it at most.
        do {
            drainDeadline = try loop.schedule(in: .seconds(2)) { [weak self] in self?.concluded(exit) }
        } catch {
            concluded(exit)
        }
    }

    /// Runs the task's health check: each change of health is a TASK_RUNNING update with `healthy`; too many
    /// failures in a row kill the task (reported TASK_KILLED with REASON_TASK_HEALTH_CHECK_STATUS_UPDATED).
    private func startHealthCheck(_ check: HealthCheck, environment: [String: String]) {
        let runner = HealthCheckRunner(
            loop: loop, clock: loop, check: check, sandbox: self.environment.sandbox, environment: environment,
            onChange: { [weak self] healthy in
                guard let self, !self.ended else { return }
                self.healthy = healthy
                self.report(.running, message: healthy ? "Task is healthy" : "Task is unhealthy", exit: nil,
                            reason: .taskHealthCheckStatusUpdated)
            },
            onUnhealthy: { [weak self] message in
                guard let self else { return }
                self.log("task \(self.task?.taskID.value ?? ""): \(message); killing it")
                self.unhealthy = message
                self.kill(policy: nil)
            })
        runner.onTimerFailure = { [log] in log("cannot arm a health check timer: \($0)") }
        health = runner
        runner.start()
    }

    private func concluded(_ exit: ProcessExit) {
        guard !ended else { return }
        drainDeadline?.cancel()
        health?.stop()
        health = nil
        if let unhealthy {
            report(.killed, message: "Killed because its \(unhealthy)", exit: exit, reason: .taskHealthCheckStatusUpdated)
        } else if killRequested {
            report(.killed, message: "Command was killed (\(exit))", exit: exit)
        } else if exit.succeeded {
            report(.finished, message: "Command exited with status 0", exit: exit)
        } else {
            let message = exit.signal.map { "Command terminated by \($0)" } ?? "Command exited with status \(exit.code)"
            report(.failed, message: message, exit: exit)
        }
    }

    /// SIGTERM to the task's group, SIGKILL after the policy's grace period (3 s by default, as Mesos).
    private func kill(policy: KillPolicy?) {
        guard let process, !ended else { return }
        killRequested = true
        do {
            try process.killGroup(.terminate)
        } catch {
            log("SIGTERM to the task failed: \(error)")
        }
        let grace = (policy ?? task?.killPolicy)?.gracePeriod.map { Duration.nanoseconds($0.nanoseconds) } ?? .seconds(3)
        killTimer?.cancel()
        do {
            killTimer = try loop.schedule(in: grace) { [weak self] in try? self?.process?.killGroup(.kill) }
        } catch {
            log("cannot arm the kill timer (\(error)); sending SIGKILL now")
            try? process.killGroup(.kill)
        }
    }

    private func report(_ state: TaskState, message: String?, exit: ProcessExit?, pid: Int32? = nil,
                        reason: TaskStatus.Reason? = nil) {
        guard let task else { return }
        var labels: [Label] = []
        if let pid { labels.append(Label(key: StatusLabel.pid, value: String(pid))) }
        if let exit {
            labels.append(Label(key: StatusLabel.exitCode, value: String(exit.code)))
            if let signal = exit.signal { labels.append(Label(key: StatusLabel.signal, value: String(signal.rawValue))) }
        }
        let status = TaskStatus(
            taskID: task.taskID, state: state, message: message, source: .executor, reason: reason, agentID: task.agentID,
            executorID: environment.executorID, timestamp: loop.now,
            uuid: TaskStatus.newUUID(), healthy: healthy,
            labels: labels.isEmpty ? nil : Labels(labels))
        if state.isTerminal { ended = true }
        let update = ExecutorCall.Update(status: status)
        unacknowledged.append(update)
        guard subscription.isEstablished else { return }
        let body: [UInt8]
        do {
            body = try call(.update, update: update).protobuf()
        } catch {
            log("cannot encode an update (it goes again on resubscription): \(error)")
            return
        }
        subscription.send(body) { [log] result in
            if case .failure(let error) = result { log("an update could not be sent (it goes again on resubscription): \(error)") }
        }
    }

    private func agentLost(_ reason: String) {
        guard environment.checkpoint else {
            log("lost the agent (\(reason)); without checkpointing the task goes")
            kill(policy: nil)
            if process == nil { finish(1) }
            return
        }
        guard recoveryDeadline == nil else { return }
        log("lost the agent (\(reason)); waiting up to \(environment.recoveryTimeout) for it to come back")
        do {
            recoveryDeadline = try loop.schedule(in: environment.recoveryTimeout) { [weak self] in
                guard let self else { return }
                self.log("the agent did not come back; ending the task")
                self.kill(policy: nil)
                if self.process == nil { self.finish(1) }
            }
        } catch {
            log("cannot arm the recovery deadline (\(error)); waiting for the agent without one")
        }
    }

    private func finishIfDone() {
        if ended && unacknowledged.isEmpty { finish(0) }
    }

    private func finish(_ code: Int32) {
        subscription.stop()
        killTimer?.cancel()
        recoveryDeadline?.cancel()
        onFinished(code)
    }
}
