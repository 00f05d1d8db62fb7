import AgoraAllocator
import AgoraResources
import AgoraWire
import Foundation

extension Master {
    /// A status the master itself produces (no uuid: frameworks do not acknowledge it).
    func sendMasterStatus(
        _ taskID: TaskID, _ state: TaskState, reason: TaskStatus.Reason, message: String, agentID: AgentID?,
        to framework: FrameworkRecord
    ) {
        let status = TaskStatus(taskID: taskID, state: state, message: message, source: .master, reason: reason,
                                agentID: agentID, timestamp: now)
        framework.stream?.send(SchedulerEvent(type: .update, update: .init(status: status)))
    }

    /// KILL: forwarded to the task's agent; an unknown task is reported lost, as Mesos does.
    func kill(_ kill: SchedulerCall.Kill, framework: FrameworkRecord) {
        guard let task = framework.tasks[kill.taskID], let agent = agents[task.agentID] else {
            sendMasterStatus(kill.taskID, .lost, reason: .reconciliation, message: "Attempted to kill an unknown task",
                             agentID: kill.agentID, to: framework)
            return
        }
        agent.stream?.send(AgentEvent(type: .killTask, killTask: .init(
            frameworkID: framework.id, taskID: kill.taskID, killPolicy: kill.killPolicy ?? task.info.killPolicy)))
    }

    /// ACKNOWLEDGE: goes back to the agent, which then sends the task's next update; an acknowledged
    /// terminal task is forgotten.
    func acknowledge(_ ack: SchedulerCall.Acknowledge, framework: FrameworkRecord) {
        agents[ack.agentID]?.stream?.send(AgentEvent(type: .acknowledge, acknowledge: .init(
            frameworkID: framework.id, taskID: ack.taskID, uuid: ack.uuid)))
        guard let task = framework.tasks[ack.taskID], task.state.isTerminal, task.latestStatus?.uuid == ack.uuid else {
            return
        }
        framework.tasks[ack.taskID] = nil
        framework.remember(completed: task)
    }

    /// RECONCILE: the latest known state of the listed tasks (or all of them), from master state.
    func reconcile(_ reconcile: SchedulerCall.Reconcile, framework: FrameworkRecord) {
        let wanted: [(TaskID, AgentID?)] = reconcile.tasks.isEmpty
            ? framework.tasks.values.map { ($0.info.taskID, $0.agentID) }
            : reconcile.tasks.map { ($0.taskID, $0.agentID) }
        for (taskID, agentID) in wanted {
            guard let task = framework.tasks[taskID] else {
                sendMasterStatus(taskID, .lost, reason: .reconciliation, message: "Reconciliation: task is unknown",
                                 agentID: agentID, to: framework)
                continue
            }
            let status = TaskStatus(
                taskID: taskID, state: task.state, message: task.latestStatus?.message, source: .master,
                reason: .reconciliation, agentID: task.agentID, timestamp: now, healthy: task.latestStatus?.healthy)
            framework.stream?.send(SchedulerEvent(type: .update, update: .init(status: status)))
        }
    }

    /// An agent's status update: recorded, resources freed on a terminal state, forwarded to the framework.
    func statusUpdate(_ update: AgentCall.Update, from agent: AgentRecord) {
        metrics.statusUpdates += 1
        var status = update.status
        status.agentID = agent.id
        guard let framework = frameworks[update.frameworkID], let task = framework.tasks[status.taskID] else {
            // Nobody left to acknowledge it: acknowledge on the framework's behalf so the agent stops resending.
            if let uuid = status.uuid {
                agent.stream?.send(AgentEvent(type: .acknowledge, acknowledge: .init(
                    frameworkID: update.frameworkID, taskID: status.taskID, uuid: uuid)))
            }
            return
        }
        let wasTerminal = task.state.isTerminal
        task.state = status.state
        task.latestStatus = status
        task.statuses.append((status.state, status.timestamp ?? now))
        if status.state.isTerminal && !wasTerminal {
            metrics.terminalTasks[status.state.rawValue, default: 0] += 1
            agent.tasks.remove(task.key)
            allocator.recover(task.resources, framework: framework.id, agent: agent.id, now: now)
            requestAllocation()
            if status.uuid == nil {
                framework.tasks[status.taskID] = nil
                framework.remember(completed: task)
            }
        }
        framework.stream?.send(SchedulerEvent(type: .update, update: .init(status: status)))
    }
}
