import AgoraAuth
import AgoraHTTP
import AgoraRuntime
import AgoraWire

extension Agent {
    /// `POST /api/v1/executor`: the Mesos v1 executor API for the executors this agent started. Each call must
    /// carry the executor's bearer token (`ExecutorVariable.token`). SUBSCRIBE opens the event stream (SUBSCRIBED,
    /// then LAUNCH once); UPDATE reports a task's state; MESSAGE is refused until framework messages are delivered.
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
        let key = TaskKey(framework: call.frameworkID, task: TaskID(call.executorID.value))
        guard let run = tasks[key] else {
            return responder.send(.error(.notFound, "Executor '\(call.executorID)' of framework '\(call.frameworkID)' is not known here"))
        }
        let presented = request.headers["Authorization"].flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil }
        guard let presented, constantTimeEqual(Array(presented.utf8), Array(run.executorToken.utf8)) else {
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
            responder.send(.error(.badRequest, "MESSAGE is not implemented: framework messages are not delivered yet"))
        case .unknown?, nil:
            responder.send(.error(.badRequest, "Expecting 'type' to be present"))
        }
    }

    private func subscribe(_ run: TaskRun, _ subscribe: ExecutorCall.Subscribe, format: WireFormat,
                           responder: HTTPResponder) {
        run.executorStream?.finish()
        let stream = responder.startStream(headers: ["Content-Type": format.contentType])
        run.executorStream = stream
        run.executorFormat = format
        stream.onClose = { [weak run, weak stream] in
            guard let run, let stream, run.executorStream === stream else { return }
            run.executorStream = nil
        }
        var framework = frameworks[run.frameworkID] ?? FrameworkInfo(user: run.user, name: "")
        framework.id = run.frameworkID
        let executor = ExecutorInfo(executorID: ExecutorID(run.info.taskID.value), frameworkID: run.frameworkID,
                                    command: CommandInfo.shell(options.executor), name: "Agora command executor")
        send(ExecutorEvent(type: .subscribed, subscribed: .init(
            executorInfo: executor, frameworkInfo: framework, agentInfo: agentInfo())), to: run)
        // Updates it kept while the agent was away: the ones not yet known here go on, in order.
        for update in subscribe.unacknowledgedUpdates where !run.executorUpdates.contains(update.status.uuid ?? []) {
            executorUpdate(run, update.status)
        }
        guard !run.launched, let command = run.launchCommand else { return }
        run.launched = true
        var task = run.info
        task.command = command
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
        if status.state.isTerminal {
            taskEnded(run, status)
            return
        }
        report(run, status.state, message: status.message, reason: status.reason, uuid: uuid)
        if status.state == .running, run.health == nil, let check = run.info.healthCheck {
            startHealthCheck(check, for: run, environment: [:])
        }
    }

    /// Sends an event on the executor's stream, if it is subscribed.
    func send(_ event: ExecutorEvent, to run: TaskRun) {
        guard let stream = run.executorStream, stream.isOpen else { return }
        do {
            stream.write(RecordIO.encode(try event.encoded(as: run.executorFormat)))
        } catch {
            logger.error("cannot encode \(event.type?.rawValue ?? "an event") for the executor of \(run.info.taskID): \(error)")
        }
    }
}
