import AgoraAuth
import AgoraHTTP
import AgoraRuntime
import AgoraWire

extension Agent {
    /// `POST /api/v1/executor`: the Mesos v1 executor API for the executors this agent started. Each call must
    /// carry the executor's bearer token (`ExecutorVariable.token`), or, from a custom executor that does not send
    /// one (pymesos' driver), come over a connection the kernel says one of the executor's processes holds.
    /// SUBSCRIBE opens the event stream (SUBSCRIBED, then LAUNCH once); UPDATE reports a task's state; MESSAGE goes
    /// to the framework (at most once).
    func handleExecutorCall(_ request: HTTPRequest, _ responder: HTTPResponder) {
        guard let format = request.headers["Content-Type"].flatMap(WireFormat.init(contentType:)) else {
            return responder.send(.error(.unsupportedMediaType, "Expecting 'Content-Type' of application/json or application/x-protobuf"))
        }
        let call: ExecutorCall
        do {
            call = try ExecutorCall(decoding: request.body, as: format)
        } catch {
            return responder.send(.error(.badRequest, "Failed to parse body into Call: \(error)"))
        }
        guard let run = executorRun(call.frameworkID, call.executorID) else {
            return responder.send(.error(.notFound, "Executor '\(call.executorID)' of framework '\(call.frameworkID)' is not known here"))
        }
        guard isFromExecutor(request, of: run) else {
            metrics.authFailures += 1
            return responder.send(AuthRejection.unauthenticated("Executor calls need the executor's token", realm: "agora-executor").response)
        }
        switch call.type {
        case .subscribe?:
            subscribe(run, call.subscribe ?? .init(), format: format, responder: responder)
        case .update?:
            guard let status = call.update?.status, status.taskID == run.info.taskID, status.uuid != nil else {
                return responder.send(.error(.badRequest, "Expecting 'update.status' of this executor's task, with a 'uuid'"))
            }
            executorUpdate(run, status)
            responder.send(HTTPResponse(status: .accepted))
        case .message?:
            guard let data = call.message?.data else {
                return responder.send(.error(.badRequest, "Expecting 'message.data' to be present"))
            }
            link?.send(AgentCall(type: .message, agentID: agentID, message: .init(
                frameworkID: run.frameworkID, executorID: run.executorID, data: data)))
            responder.send(HTTPResponse(status: .accepted))
        case .unknown?, nil:
            responder.send(.error(.badRequest, "Expecting 'type' to be present"))
        }
    }

    /// The task run by executor `executor` of `framework`, if it runs here.
    func executorRun(_ framework: FrameworkID, _ executor: ExecutorID) -> TaskRun? {
        if let key = customExecutors[ExecutorKey(framework: framework, executor: executor)] { return tasks[key] }
        guard let run = tasks[TaskKey(framework: framework, task: TaskID(executor.value))], run.customExecutor == nil else {
            return nil
        }
        return run
    }

    /// Whether `request` comes from `run`'s executor: it presents the executor's token, or it is a custom executor's
    /// call over a loopback connection held by a process of the executor's process group.
    private func isFromExecutor(_ request: HTTPRequest, of run: TaskRun) -> Bool {
        if let presented = request.headers["Authorization"].flatMap({ $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil }) {
            return constantTimeEqual(Array(presented.utf8), Array(run.executorToken.utf8))
        }
        guard run.customExecutor != nil, let peer = request.peer, let group = run.process?.pid ?? run.adoptedExecutorPID else {
            return false
        }
        return SocketOwnership.processGroup(group, holdsConnectionFrom: peer.port, to: address.port)
    }

    /// A framework's message for one of its executors: passed on if that executor is subscribed, else dropped (at
    /// most once, as in Mesos) and counted.
    func deliver(_ message: ExecutorMessage) {
        guard let run = executorRun(message.frameworkID, message.executorID), run.executorStream?.isOpen == true else {
            metrics.messagesDropped += 1
            logger.warning("a message for executor \(message.executorID), which is not subscribed here, was dropped")
            return
        }
        send(ExecutorEvent(type: .message, message: .init(data: message.data)), to: run)
    }

    /// SHUTDOWN from the framework: the executor is told, and its processes are killed after the grace period.
    func shutdownExecutor(_ run: TaskRun) {
        guard !run.state.isTerminal else { return }
        run.killRequested = true
        send(ExecutorEvent(type: .shutdown), to: run)
        run.killTimer?.close()
        run.killTimer = loop.schedule(after: options.defaultGracePeriod, orReport: timerFailed) { [weak run] in
            guard let run else { return }
            if let pid = run.process?.pid ?? run.adoptedExecutorPID { try? ChildProcess.killGroup(pid, .kill) }
        }
    }

    private func subscribe(_ run: TaskRun, _ subscribe: ExecutorCall.Subscribe, format: WireFormat,
                           responder: HTTPResponder) {
        run.executorStream?.close()
        let stream = EventStream<ExecutorEvent>(
            stream: responder.startStream(headers: ["Content-Type": format.contentType]),
            encoder: EventEncoder(
                encode: { try $0.encoded(as: format) },
                onFailure: { [logger, key = run.info.taskID] event, error in
                    logger.error("cannot encode \(event.type?.rawValue ?? "an event") for the executor of \(key): \(error)")
                }))
        run.executorStream = stream
        stream.onClose = { [weak run, weak stream] in
            guard let run, let stream, run.executorStream === stream else { return }
            run.executorStream = nil
        }
        var framework = frameworks[run.frameworkID] ?? FrameworkInfo(user: run.user, name: "")
        framework.id = run.frameworkID
        let executor = run.customExecutor ?? ExecutorInfo(
            executorID: run.executorID, frameworkID: run.frameworkID, command: CommandInfo.shell(options.executor),
            name: "Agora command executor")
        send(ExecutorEvent(type: .subscribed, subscribed: .init(
            executorInfo: executor, frameworkInfo: framework, agentInfo: agentInfo())), to: run)
        // Updates it kept while the agent was away: the ones not yet known here go on, in order.
        for update in subscribe.unacknowledgedUpdates where !run.executorUpdates.contains(update.status.uuid ?? []) {
            executorUpdate(run, update.status)
        }
        guard !run.launched else { return }
        run.launched = true
        var task = run.info
        if let command = run.launchCommand { task.command = command }
        if run.imageManifest != nil, let check = task.healthCheck?.command, task.healthCheck?.type == .command {
            task.healthCheck?.command = bundles.exec(check, in: run.cgroupName)
        }
        send(ExecutorEvent(type: .launch, launch: .init(task: task)), to: run)
        checkpoint(run)
    }

    /// A status from the executor: recorded and passed on with the executor's uuid, so the acknowledgement finds its
    /// way back; the task's end is concluded by the agent (which knows about memory, disk and health).
    private func executorUpdate(_ run: TaskRun, _ status: TaskStatus) {
        guard !run.state.isTerminal, !run.ending, let uuid = status.uuid else {
            // Already reported (a replay after a reconnection): acknowledge it so the executor can let it go.
            if let uuid = status.uuid {
                send(ExecutorEvent(type: .acknowledged, acknowledged: .init(taskID: status.taskID, uuid: uuid)), to: run)
            }
            return
        }
        run.executorUpdates.insert(uuid)
        if let pid = status.label(StatusLabel.pid).flatMap({ Int32($0) }) { run.taskPID = pid }
        if let healthy = status.healthy { run.healthy = healthy }
        if status.state.isTerminal {
            taskEnded(run, status)
            return
        }
        report(run, status.state, message: status.message, reason: status.reason, uuid: uuid, data: status.data)
    }

    /// Sends an event on the executor's stream, if it is subscribed.
    func send(_ event: ExecutorEvent, to run: TaskRun) {
        run.executorStream?.send(event)
    }

}
