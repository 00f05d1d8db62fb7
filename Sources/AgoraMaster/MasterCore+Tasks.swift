import AgoraResources
import AgoraWire

extension MasterCore {
    /// Everything that happens when a task reaches a terminal state, whoever saw it (its agent, or the master when
    /// the agent went away or no longer has it): the state is recorded, the resources go back to the allocator, the
    /// framework is told, and a status nobody will acknowledge (the master's own) lets the task be forgotten at once.
    func taskEnded(_ task: TaskEntry, framework: FrameworkRecord, status: TaskStatus) {
        record(status, of: task)
        metrics.terminalTasks[status.state.rawValue, default: 0] += 1
        agents[task.agentID]?.tasks.remove(task.key)
        allocator.recover(task.resources, framework: framework.id, agent: task.agentID, role: task.role, now: now)
        if status.uuid == nil { forget(task, of: framework) }
        forward(status, of: task, to: framework)
        emit(.allocateSoon)
    }

    /// A task whose last status needs no more acknowledgement leaves the live set (kept among the completed).
    private func forget(_ task: TaskEntry, of framework: FrameworkRecord) {
        framework.tasks[task.taskID] = nil
        framework.remember(completed: task)
    }

    private func record(_ status: TaskStatus, of task: TaskEntry) {
        task.state = status.state
        task.latestStatus = LatestStatus(status)
        task.latestAcknowledged = false
        task.statuses.append((status.state, status.timestamp ?? now, status.containerStatus))
    }

    /// A status the master itself produces (no uuid: frameworks do not acknowledge it).
    func masterStatus(_ taskID: TaskID, _ state: TaskState, reason: TaskStatus.Reason, message: String,
                      agentID: AgentID?) -> TaskStatus {
        TaskStatus(taskID: taskID, state: state, message: message, source: .master, reason: reason, agentID: agentID,
                   timestamp: now)
    }

    /// A status about a task the master does not track: sent, nothing else changes.
    func tell(_ framework: FrameworkRecord, _ status: TaskStatus) {
        emit(.toFramework(framework.id, SchedulerEvent(type: .update, update: .init(status: status))))
    }

    /// A tracked task's status for its framework; `resend` when its agent sent this update again.
    private func forward(_ status: TaskStatus, of task: TaskEntry, to framework: FrameworkRecord, resend: Bool = false) {
        emit(.taskStatusToFramework(framework.id, SchedulerEvent(type: .update, update: .init(status: status)), task,
                                    resend: resend))
    }

    /// An agent's status update: recorded and forwarded; a terminal one ends the task. An agent resends an update
    /// until the acknowledgement reaches it: a resend of the task's latest status goes to the framework again (as in
    /// Mesos: the framework may have lost it; unless the first copy has not even left the master) but is not
    /// recorded again, and one the framework acknowledged already is acknowledged to the agent at once.
    func statusUpdate(_ update: AgentCall.Update, from agent: AgentRecord) {
        metrics.statusUpdates += 1
        var status = update.status
        status.agentID = agent.id
        guard let framework = frameworks[update.frameworkID], let task = framework.tasks[status.taskID] else {
            // Nobody left to acknowledge it: acknowledge on the framework's behalf so the agent stops resending.
            if let uuid = status.uuid {
                emit(.toAgent(agent.id, AgentEvent(type: .acknowledge, acknowledge: .init(
                    frameworkID: update.frameworkID, taskID: status.taskID, uuid: uuid))))
            }
            return
        }
        if let uuid = status.uuid, task.latestStatus?.uuid == uuid {
            metrics.duplicateStatusUpdates += 1
            if task.latestAcknowledged {
                emit(.toAgent(agent.id, AgentEvent(type: .acknowledge, acknowledge: .init(
                    frameworkID: framework.id, taskID: status.taskID, uuid: uuid))))
            } else {
                forward(status, of: task, to: framework, resend: true)
            }
            return
        }
        if status.state.isTerminal && !task.state.isTerminal {
            taskEnded(task, framework: framework, status: status)
            return
        }
        record(status, of: task)
        forward(status, of: task, to: framework)
    }

    /// KILL: forwarded to the task's agent; an unknown task is reported lost, as Mesos does.
    func kill(_ kill: SchedulerCall.Kill, framework: FrameworkRecord) {
        guard let task = framework.tasks[kill.taskID], agents[task.agentID] != nil else {
            tell(framework, masterStatus(kill.taskID, .lost, reason: .reconciliation,
                                         message: "Attempted to kill an unknown task", agentID: kill.agentID))
            return
        }
        emit(.toAgent(task.agentID, AgentEvent(type: .killTask, killTask: .init(
            frameworkID: framework.id, taskID: kill.taskID, killPolicy: kill.killPolicy ?? task.info?.killPolicy))))
    }

    /// ACKNOWLEDGE: goes back to the agent, which then sends the task's next update; an acknowledged terminal task
    /// is forgotten.
    func acknowledge(_ ack: SchedulerCall.Acknowledge, framework: FrameworkRecord) {
        if agents[ack.agentID] != nil {
            emit(.toAgent(ack.agentID, AgentEvent(type: .acknowledge, acknowledge: .init(
                frameworkID: framework.id, taskID: ack.taskID, uuid: ack.uuid))))
        }
        guard let task = framework.tasks[ack.taskID], task.latestStatus?.uuid == ack.uuid else { return }
        task.latestAcknowledged = true
        if task.state.isTerminal { forget(task, of: framework) }
    }

    /// What the master can say about a task it does not track live, as Mesos ≥ 1.1 does: unreachable while it or
    /// its agent is, gone by operator when its agent was marked gone, otherwise unknown (TASK_LOST to frameworks
    /// that are not partition-aware, which know no better state).
    private func unknownTaskStatus(_ taskID: TaskID, agentID: AgentID?, framework: FrameworkRecord) -> TaskStatus {
        let agent = framework.unreachableTasks[taskID]?.agentID ?? agentID
        let state: TaskState
        let message: String
        if framework.unreachableTasks[taskID] != nil || agent.map({ unreachableAgents[$0] != nil }) == true {
            (state, message) = (.unreachable, "Reconciliation: the task's agent is unreachable")
        } else if let agent, goneAgents.contains(agent) {
            (state, message) = (.goneByOperator, "Reconciliation: the task's agent was marked gone")
        } else {
            (state, message) = (.unknown, "Reconciliation: task is unknown")
        }
        return masterStatus(taskID, framework.isPartitionAware ? state : .lost, reason: .reconciliation, message: message,
                            agentID: agent)
    }

    /// RECONCILE: the latest known state of the listed tasks (or all of them), from master state.
    func reconcile(_ reconcile: SchedulerCall.Reconcile, framework: FrameworkRecord) {
        let wanted: [(TaskID, AgentID?)] = reconcile.tasks.isEmpty
            ? framework.tasks.values.sorted { $0.taskID < $1.taskID }.map { ($0.taskID, $0.agentID) }
            : reconcile.tasks.map { ($0.taskID, $0.agentID) }
        if reconcile.tasks.isEmpty {
            // Implicit reconciliation covers the unreachable tasks too.
            for task in framework.unreachableTasks.values.sorted(by: { $0.taskID < $1.taskID }) {
                tell(framework, unknownTaskStatus(task.taskID, agentID: task.agentID, framework: framework))
            }
        }
        for (taskID, agentID) in wanted {
            guard let task = framework.tasks[taskID] else {
                tell(framework, unknownTaskStatus(taskID, agentID: agentID, framework: framework))
                continue
            }
            tell(framework, TaskStatus(
                taskID: taskID, state: task.state, message: task.latestStatus?.message, source: .master,
                reason: .reconciliation, agentID: task.agentID, timestamp: now, healthy: task.latestStatus?.healthy))
        }
    }
}
