import AgoraRuntime
import AgoraWire
import Foundation

extension Agent {
    /// Starts a task: sandbox, STARTING, the process tree, RUNNING; its exit decides the last state.
    func launch(_ task: TaskInfo, framework: FrameworkInfo) {
        guard let frameworkID = framework.id else { return }
        frameworks[frameworkID] = framework
        let key = TaskKey(framework: frameworkID, task: task.taskID)
        if let existing = tasks[key], !existing.state.isTerminal { return }
        let user = options.switchUser ? (task.command?.user ?? framework.user) : TaskUser.current
        let now = clock.now
        let run = TaskRun(frameworkID: frameworkID, info: task,
                          sandbox: layout.newSandbox(framework: frameworkID, task: task.taskID, now: now), user: user,
                          startedAt: now)
        tasks[key] = run
        metrics.tasksLaunched += 1
        do {
            try FileManager.default.createDirectory(atPath: run.sandbox, withIntermediateDirectories: true)
        } catch {
            fail(run, "cannot create the sandbox \(run.sandbox): \(error.localizedDescription)")
            return
        }
        report(run, .starting)
        guard var command = run.command else {
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
        if let account { command = account.wrap(command) }
        if let isolator {
            do {
                let procs = try isolator.prepare(task: run.cgroupName, memoryMB: run.resources.scalar("mem"),
                                                 cpus: run.resources.scalar("cpus"))
                command = isolator.wrap(command, joining: procs)
            } catch {
                isolator.release(task: run.cgroupName)
                fail(run, "cannot isolate the task: \(error)")
                return
            }
        }
        var spec = ProcessSpec(
            command: command,
            environment: run.environment(base: options.taskEnvironment, agentID: agentID, hostname: options.hostname,
                                         home: account?.home ?? UnixAccount(named: run.user)?.home),
            workingDirectory: run.sandbox, stdoutPath: run.sandbox + "/stdout", stderrPath: run.sandbox + "/stderr",
            ownProcessGroup: true)
        var pipes: [ProcessPipe] = []
        defer { for pipe in pipes { pipe.close() } }
        do {
            if let rotator = options.logRotator {
                pipes = try startLoggers(for: run, rotator: rotator)
                spec.stdoutDescriptor = pipes[0].writeEnd
                spec.stderrDescriptor = pipes[1].writeEnd
            }
            run.process = try ChildProcess.spawn(loop: loop, spec) { [weak self, weak run] exit in
                guard let self, let run else { return }
                self.exited(run, exit)
            }
            report(run, .running)
            logger.info("task \(task.taskID) of \(frameworkID) running as pid \(run.process?.pid ?? 0) in \(run.sandbox)")
            if let check = task.healthCheck { startHealthCheck(check, for: run, environment: spec.environment ?? [:]) }
        } catch {
            fail(run, "cannot start the command: \(error)")
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

    private func fail(_ run: TaskRun, _ message: String) {
        metrics.launchFailures += 1
        logger.error("task \(run.info.taskID): \(message)")
        finish(run, .failed, message: message, reason: .containerLaunchFailed)
    }

    private func startHealthCheck(_ check: HealthCheck, for run: TaskRun, environment: [String: String]) {
        let runner = HealthCheckRunner(loop: loop, clock: clock, check: check, sandbox: run.sandbox, environment: environment,
            onChange: { [weak self, weak run] healthy in
                guard let self, let run, !run.state.isTerminal else { return }
                run.healthy = healthy
                self.report(run, .running, message: healthy ? "Task is healthy" : "Task is unhealthy",
                            reason: .taskHealthCheckStatusUpdated)
            },
            onUnhealthy: { [weak self, weak run] message in
                guard let self, let run else { return }
                self.logger.warning("task \(run.info.taskID): \(message); killing it")
                run.killReason = message
                self.kill(run.key, policy: nil)
            })
        run.health = runner
        runner.onTimerFailure = { [weak self] in self?.timerFailed($0) }
        runner.start()
    }

    /// The task's process ended: its group goes too, and once its loggers have written the last of its output
    /// (at most 2 s later) its end is reported.
    private func exited(_ run: TaskRun, _ exit: ProcessExit) {
        // Whatever the task left running in its process group goes with it.
        try? run.process?.killGroup(.kill)
        run.whenLoggersAreDone(loop: loop, timeout: .seconds(2), orReport: timerFailed) { [weak self, weak run] in
            guard let self, let run else { return }
            self.concluded(run, exit)
        }
    }

    private func concluded(_ run: TaskRun, _ exit: ProcessExit) {
        run.health?.stop()
        run.health = nil
        run.process = nil
        run.exit = exit
        run.killTimer?.close()
        run.killTimer = nil
        let outOfMemory = isolator?.wasOOMKilled(task: run.cgroupName) ?? false
        isolator?.release(task: run.cgroupName)
        if let limitation = run.limitation {
            finish(run, .failed, message: limitation.message, reason: limitation.reason)
        } else if outOfMemory && !exit.succeeded {
            let limit = run.resources.scalar("mem")
            let shown = limit == limit.rounded() ? String(Bounds.clampedInt64(limit)) : String(limit)
            finish(run, .failed, message: "Memory limit exceeded: the task used more than its \(shown) MB (\(exit))",
                   reason: .containerLimitationMemory)
        } else if let reason = run.killReason {
            finish(run, .killed, message: "Killed because its \(reason)", reason: .taskHealthCheckStatusUpdated)
        } else if run.killRequested {
            finish(run, .killed, message: "Command was killed (\(exit))", reason: nil)
        } else if exit.succeeded {
            finish(run, .finished, message: "Command exited with status 0", reason: nil)
        } else {
            let message = exit.signal.map { "Command terminated by \($0)" } ?? "Command exited with status \(exit.code)"
            finish(run, .failed, message: message, reason: .commandExecutorFailed)
        }
    }

    private func finish(_ run: TaskRun, _ state: TaskState, message: String, reason: TaskStatus.Reason?) {
        metrics.terminal[state.rawValue, default: 0] += 1
        report(run, state, message: message, reason: reason)
    }

    /// SIGTERM to the task's process group, SIGKILL after the grace period.
    func kill(_ key: TaskKey, policy: KillPolicy?) {
        guard let run = tasks[key], !run.state.isTerminal else { return }
        run.killRequested = true
        guard let process = run.process else {
            finish(run, .killed, message: "Task was killed before it started", reason: nil)
            return
        }
        let grace = (policy ?? run.info.killPolicy)?.gracePeriod.map { Duration.nanoseconds($0.nanoseconds) }
            ?? options.defaultGracePeriod
        do {
            try process.killGroup(.terminate)
        } catch {
            logger.warning("SIGTERM to task \(key.task) failed: \(error)")
        }
        run.killTimer?.close()
        run.killTimer = loop.schedule(after: grace, orReport: timerFailed) { [weak run] in
            guard let run, let process = run.process else { return }
            try? process.killGroup(.kill)
        }
    }
}
