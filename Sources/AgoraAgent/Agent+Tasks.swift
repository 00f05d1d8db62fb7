import AgoraRuntime
import AgoraWire
import Foundation

extension Agent {
    /// Starts a task: sandbox, STARTING, then its executor, which subscribes, is sent the task (LAUNCH), and reports
    /// RUNNING and the task's end. Agora's command executor (`agora-executor`) runs as the agent's user, outside the
    /// task's limits, and is sent the task's command (wrapped to switch to its user) and the cgroups and namespaces it
    /// starts in; a custom executor (`TaskInfo.executor`) is itself the task's process tree, started in the task's
    /// cgroup, namespaces and user, and is sent the task as the framework gave it.
    func launch(_ task: TaskInfo, framework: FrameworkInfo) {
        guard let frameworkID = framework.id else { return }
        frameworks[frameworkID] = framework
        let key = TaskKey(framework: frameworkID, task: task.taskID)
        if let existing = tasks[key], !existing.state.isTerminal { return }
        let original = task.command ?? task.executor?.command
        let user = options.switchUser ? (original?.user ?? framework.user) : TaskUser.current
        let now = clock.now
        let run = TaskRun(frameworkID: frameworkID, info: task,
                          sandbox: layout.newSandbox(framework: frameworkID, task: task.taskID, now: now), user: user,
                          startedAt: now, executorToken: TaskRun.newExecutorToken())
        tasks[key] = run
        if let executor = task.executor { customExecutors[ExecutorKey(framework: frameworkID, executor: executor.executorID)] = key }
        metrics.tasksLaunched += 1
        do {
            try Files.makeDirectories(run.sandbox)
        } catch {
            fail(run, "cannot create the sandbox \(run.sandbox): \(error)")
            return
        }
        report(run, .starting)
        if let container = task.container, let image = container.imageName {
            return launchContainer(run, container: container, image: image)
        }
        guard let taskCommand = run.command, let original else {
            fail(run, "task has no command to run")
            return
        }
        let account: TaskUser?
        do {
            account = try TaskUser.switching(to: run.user, sandbox: run.sandbox)
        } catch {
            fail(run, error.message)
            return
        }
        let program = account?.wrap(taskCommand) ?? taskCommand
        let uris = original.uris
        guard !uris.isEmpty else { return startExecutor(run, program: program, inContainer: false, original: original) }
        fetch(uris, for: run, account: account) { [weak self, weak run] in
            guard let self, let run, self.tasks[run.key] === run else { return }
            self.startExecutor(run, program: program, inContainer: false, original: original)
        }
    }

    /// Runs `agora-fetcher` as the task's user to put `uris` into the sandbox (its output goes to the sandbox's
    /// stdout and stderr); `then` runs once it succeeded, a failure fails the task with the fetcher's reason.
    func fetch(_ uris: [CommandInfo.URI], for run: TaskRun, account: TaskUser?, then: @escaping () -> Void) {
        var arguments = [options.fetcher, "--sandbox", run.sandbox, "--timeout", String(Bounds.clampedInt(options.fetchTimeout.seconds))]
        for uri in uris {
            if uri.extract ?? true { arguments.append("--extract") }
            if uri.executable == true { arguments.append("--executable") }
            if let name = uri.outputFile { arguments += ["--output-file", name] }
            arguments += ["--uri", uri.value]
        }
        let command = ProcessSpec.Command.argv(arguments)
        let spec = ProcessSpec(command: account?.wrap(command) ?? command, environment: ["PATH": "/usr/bin:/bin"],
                               workingDirectory: run.sandbox, stdoutPath: run.sandbox + "/stdout",
                               stderrPath: run.sandbox + "/stderr", ownProcessGroup: true)
        do {
            run.process = try ChildProcess.spawn(loop: loop, spec) { [weak self, weak run] exit in
                guard let self, let run else { return }
                run.process = nil
                guard !run.killRequested else {
                    return self.finish(run, .killed, message: "Task was killed while its URIs were fetched",
                                       reason: .taskKilledDuringLaunch)
                }
                guard exit.succeeded else {
                    let output = (try? Files.readText(run.sandbox + "/stderr")) ?? ""
                    let reason = output.split(separator: "\n").last { $0.hasPrefix("agora-fetcher: ") }
                        .map { String($0.dropFirst("agora-fetcher: ".count)) } ?? "the fetcher \(exit)"
                    return self.fail(run, "Failed to fetch URIs: \(reason)")
                }
                then()
            }
        } catch {
            fail(run, "cannot start the fetcher: \(error)")
        }
    }

    /// Starts the task's executor (see `launch`) for `program`: the task's command as its user, or the OCI runtime
    /// running its container (which makes the container's namespaces itself).
    func startExecutor(_ run: TaskRun, program: ProcessSpec.Command, inContainer: Bool, original: CommandInfo) {
        // The command executor stays the agent's user, outside the task's limits (its memory is not the task's); the
        // task's own command (or the custom executor) joins its cgroup and enters its namespaces as it starts, then
        // drops to its user.
        var isolation = Isolation()
        if let isolator {
            do {
                run.cgroupInstance = isolator.instance
                let procs = try isolator.prepare(task: run.cgroupName, memoryMB: run.resources.scalar("mem"),
                                                 cpus: run.resources.scalar("cpus"))
                isolation = inContainer
                    ? Isolation(cgroupProcs: isolator.runtimeProcs(procs))
                    : Isolation(cgroupProcs: procs, pidNamespace: isolator.namespaces)
            } catch {
                isolator.release(task: run.cgroupName, byRuntime: run.runsInContainer)
                fail(run, "cannot isolate the task: \(error)")
                return
            }
        }
        let command: ProcessSpec.Command
        if run.customExecutor != nil {
            command = program
        } else {
            command = .argv([options.executor])
            run.launchCommand = CommandInfo(environment: original.environment, shell: false, value: program.argv[0],
                                            arguments: program.argv)
        }
        var environment = run.environment(base: options.taskEnvironment, agentID: agentID, hostname: options.hostname,
                                          home: UnixAccount(named: run.user)?.home)
        environment["MESOS_AGENT_ENDPOINT"] = executorEndpoint
        environment["MESOS_EXECUTOR_ID"] = run.executorID.value
        environment["MESOS_CHECKPOINT"] = "1"
        environment["MESOS_RECOVERY_TIMEOUT"] = String(options.executorRecoveryTimeout.seconds)
        environment["MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD"] = "\(options.defaultGracePeriod.seconds)secs"
        environment[ExecutorVariable.token] = run.executorToken
        environment[ExecutorVariable.endpointFile] = checkpoints.endpointFile
        // Agora's command executor rotates its task's output itself, and isolates the command it starts; a custom
        // executor's output goes through loggers, and it is isolated itself.
        if run.customExecutor == nil {
            if options.logRotator != nil {
                environment[ExecutorVariable.logMaxSize] = String(options.logMaxSize)
                environment[ExecutorVariable.logMaxFiles] = String(options.logMaxFiles)
            }
            if !isolation.cgroupProcs.isEmpty { environment[ExecutorVariable.taskCgroups] = isolation.cgroupProcs.joined(separator: ":") }
            if isolation.pidNamespace { environment[ExecutorVariable.taskPIDNamespace] = "1" }
        }
        var spec = ProcessSpec(
            command: command,
            environment: environment,
            workingDirectory: run.sandbox, stdoutPath: run.sandbox + "/stdout", stderrPath: run.sandbox + "/stderr",
            ownProcessGroup: true)
        if run.customExecutor != nil {
            spec.cgroupProcs = isolation.cgroupProcs
            spec.pidNamespace = isolation.pidNamespace
        }
        var pipes: [ProcessPipe] = []
        defer { for pipe in pipes { pipe.close() } }
        do {
            if run.customExecutor != nil, let rotator = options.logRotator {
                pipes = try startLoggers(for: run, rotator: rotator)
                spec.stdoutDescriptor = pipes[0].writeEnd
                spec.stderrDescriptor = pipes[1].writeEnd
            }
            run.process = try ChildProcess.spawn(loop: loop, spec) { [weak self, weak run] exit in
                guard let self, let run else { return }
                run.process = nil
                self.executorEnded(run, exit: exit)
            }
            checkpoint(run)
            logger.info("task \(run.info.taskID) of \(run.frameworkID): executor pid \(run.process?.pid ?? 0) in \(run.sandbox)")
        } catch {
            fail(run, "cannot start the executor: \(error)")
        }
    }

    /// Starts `agora-logrotate` for the task's stdout and stderr; returns the pipes to hand to the task (their
    /// parent copies must be closed once it is spawned).
    private func startLoggers(for run: TaskRun, rotator: String) throws(RuntimeError) -> [ProcessPipe] {
        var pipes: [ProcessPipe] = []
        for name in ["stdout", "stderr"] {
            let pipe = try ProcessPipe()
            pipes.append(pipe)
            var logger = ProcessSpec(command: .argv([rotator, run.sandbox + "/" + name, String(options.logMaxSize),
                                                     String(options.logMaxFiles)]), environment: [:])
            logger.stdinDescriptor = pipe.readEnd
            do {
                run.loggers.append(try ChildProcess.spawn(loop: loop, logger) { [weak run] _ in run?.loggerExited() })
            } catch {
                for pipe in pipes { pipe.close() }
                throw error
            }
        }
        return pipes
    }

    func fail(_ run: TaskRun, _ message: String) {
        metrics.launchFailures += 1
        logger.error("task \(run.info.taskID): \(message)")
        finish(run, .failed, message: message, reason: .containerLaunchFailed)
        releaseNetwork(of: run) { [weak self, weak run] in
            guard let self, let run else { return }
            self.retireIfDone(run.key)
        }
    }

    /// The executor ended (its exit status, when it was this agent's child). If it had not reported the task's
    /// end, the task goes too (its group, SIGKILL) and is reported failed with REASON_EXECUTOR_TERMINATED (or
    /// killed, when a kill was asked for).
    func executorEnded(_ run: TaskRun, exit: ProcessExit?) {
        run.executorStream?.close()
        run.executorStream = nil
        guard !isStopped else { return }
        if let executor = run.customExecutor {
            // Mesos' FAILURE carries the wait status: the exit code in the high byte, or the signal.
            let status = exit.map { $0.signal.map { Int32($0.rawValue) } ?? Int32(truncatingIfNeeded: $0.code) << 8 } ?? 0
            link?.send(AgentCall(type: .executorExited, agentID: agentID, executorExited: .init(
                frameworkID: run.frameworkID, executorID: executor.executorID, status: status)))
        }
        // Nothing of the task outlives its executor; its cgroup goes once the killed processes have left it, and its
        // networks are released.
        isolator?.killAll(task: run.cgroupName, instance: run.cgroupInstance, byRuntime: run.runsInContainer)
        releaseCgroup(of: run, attempts: 20)
        releaseNetwork(of: run) { [weak self, weak run] in
            guard let self, let run else { return }
            self.retireIfDone(run.key)
        }
        guard !run.state.isTerminal, !run.ending else { return retireIfDone(run.key) }
        if let pid = run.taskPID { _ = try? ChildProcess.killGroup(pid, .kill) }
        run.ending = true
        run.whenLoggersAreDone(loop: loop, timeout: .seconds(2), orReport: timerFailed) { [weak self, weak run] in
            guard let self, let run else { return }
            if let exit, run.killRequested || run.limitation != nil {
                self.concluded(run, exit, uuid: nil)
            } else if run.killRequested {
                self.finish(run, .killed, message: "Task was killed with its executor", reason: nil)
            } else {
                self.finish(run, .failed, message: "Executor terminated (\(exit.map(String.init(describing:)) ?? "while the agent was away")) before reporting the task's end",
                            reason: .executorTerminated)
            }
        }
    }

    /// Removes the task's cgroup, trying again every 100 ms while killed processes are still leaving it.
    private func releaseCgroup(of run: TaskRun, attempts: Int) {
        guard let isolator, !isolator.release(task: run.cgroupName, instance: run.cgroupInstance, byRuntime: run.runsInContainer),
              attempts > 1, !isStopped else { return }
        loop.schedule(after: .milliseconds(100), orReport: timerFailed) { [weak self, weak run] in
            guard let self, let run else { return }
            self.releaseCgroup(of: run, attempts: attempts - 1)
        }
    }

    /// The executor reported the task's end: once the loggers have the last of its output (at most 2 s), the end is
    /// reported, with the reason the agent knows better (memory, disk, kill) when it has one; a kill the executor
    /// decided (a failing health check) is reported as the executor says.
    func taskEnded(_ run: TaskRun, _ status: TaskStatus) {
        guard !run.ending else { return }
        run.ending = true
        let exit = ProcessExit(code: Int64(status.exitCode ?? 0),
                               signal: status.terminatingSignal.map { Signal(rawValue: Int32(clamping: $0)) })
        run.whenLoggersAreDone(loop: loop, timeout: .seconds(2), orReport: timerFailed) { [weak self, weak run] in
            guard let self, let run else { return }
            let executorKilled = status.state == .killed && status.reason == .taskHealthCheckStatusUpdated
            if (run.customExecutor != nil || executorKilled) && run.limitation == nil {
                // A framework's executor says how its task ended; the agent only adds what it knows better.
                self.finish(run, status.state, message: status.message, reason: status.reason, uuid: status.uuid,
                            data: status.data)
            } else if status.state == .failed && status.exitCode == nil {
                self.finish(run, .failed, message: status.message ?? "The executor could not start the task",
                            reason: .containerLaunchFailed, uuid: status.uuid)
            } else {
                self.concluded(run, exit, uuid: status.uuid)
            }
        }
    }

    private func concluded(_ run: TaskRun, _ exit: ProcessExit, uuid: [UInt8]?) {
        run.exit = exit
        run.killTimer?.close()
        run.killTimer = nil
        let outOfMemory = isolator?.wasOOMKilled(task: run.cgroupName, instance: run.cgroupInstance) ?? false
        if let limitation = run.limitation {
            finish(run, .failed, message: limitation.message, reason: limitation.reason, uuid: uuid)
        } else if outOfMemory && !exit.succeeded {
            let limit = run.resources.scalar("mem")
            let shown = limit == limit.rounded() ? String(Bounds.clampedInt64(limit)) : String(limit)
            finish(run, .failed, message: "Memory limit exceeded: the task used more than its \(shown) MB (\(exit))",
                   reason: .containerLimitationMemory, uuid: uuid)
        } else if run.killRequested {
            finish(run, .killed, message: "Command was killed (\(exit))", reason: nil, uuid: uuid)
        } else if exit.succeeded {
            finish(run, .finished, message: "Command exited with status 0", reason: nil, uuid: uuid)
        } else {
            let message = exit.signal.map { "Command terminated by \($0)" } ?? "Command exited with status \(exit.code)"
            finish(run, .failed, message: message, reason: .commandExecutorFailed, uuid: uuid)
        }
    }

    func finish(_ run: TaskRun, _ state: TaskState, message: String?, reason: TaskStatus.Reason?,
                        uuid: [UInt8]? = nil, data: [UInt8]? = nil) {
        metrics.terminal[state.rawValue, default: 0] += 1
        report(run, state, message: message, reason: reason, uuid: uuid, data: data)
    }

    /// Asks the executor to kill the task (SIGTERM, the grace period, SIGKILL of its group); if the executor has not
    /// subscribed, or does not report the end within the grace period and 5 s more, the agent kills both process
    /// groups itself.
    func kill(_ key: TaskKey, policy: KillPolicy?) {
        guard let run = tasks[key], !run.state.isTerminal else { return }
        run.killRequested = true
        let grace = (policy ?? run.info.killPolicy)?.gracePeriod.map { Duration.nanoseconds($0.nanoseconds) }
            ?? options.defaultGracePeriod
        guard run.launched, run.executorStream?.isOpen == true else {
            if let process = run.process {
                try? process.killGroup(.kill)
            } else if let pid = run.adoptedExecutorPID {
                try? ChildProcess.killGroup(pid, .kill)
                if let task = run.taskPID { try? ChildProcess.killGroup(task, .kill) }
            } else {
                finish(run, .killed, message: "Task was killed before it started", reason: nil)
            }
            return
        }
        // Frameworks that know TASK_KILLING hear that the kill began (Marathon takes such instances out of service).
        let capabilities = frameworks[run.frameworkID]?.capabilities ?? []
        if run.state != .killing && capabilities.contains(where: { $0.type == .taskKillingState }) {
            report(run, .killing, message: "Killing the task (grace period \(grace))")
        }
        send(ExecutorEvent(type: .kill, kill: .init(taskID: key.task, killPolicy: KillPolicy(
            gracePeriod: DurationInfo(seconds: grace.seconds)))), to: run)
        run.killTimer?.close()
        run.killTimer = loop.schedule(after: grace + .seconds(5), orReport: timerFailed) { [weak run] in
            guard let run, !run.state.isTerminal else { return }
            if let pid = run.taskPID { _ = try? ChildProcess.killGroup(pid, .kill) }
            if let pid = run.process?.pid ?? run.adoptedExecutorPID { try? ChildProcess.killGroup(pid, .kill) }
        }
    }
}
