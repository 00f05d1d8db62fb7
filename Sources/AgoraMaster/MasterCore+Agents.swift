import AgoraResources
import AgoraWire

extension MasterCore {
    /// Registers a new agent or re-attaches a known one (same id), reconciling what runs on it.
    func registerAgent(_ subscribe: AgentCall.Subscribe, requestedID: AgentID?, token: AgentToken, principal: String?,
                       ip: String?) {
        var info = subscribe.agentInfo
        info.resources = agentResources.shared(info.resources)
        let knownID = requestedID ?? info.id
        // Tasks of a returning unreachable agent whose framework was told TASK_LOST: killed once it is subscribed.
        var lostOnReturn: [(FrameworkID, TaskID)] = []
        let agent: AgentRecord
        let reattached: Bool
        if let knownID, let existing = agents[knownID] {
            agent = existing
            reattached = true
            if existing.isConnected { emit(.closeAgentStream(knownID)) }
            info.id = knownID
            existing.info = info
            logger.info("agent \(knownID) at \(info.hostname) re-registered")
        } else {
            let id = knownID ?? AgentID(nextID("S"))
            info.id = id
            agent = AgentRecord(id: id, info: info, total: agentTotals.shared(Resources(info.resources)), registeredTime: now)
            reattached = false
            agents[id] = agent
            let returning = unreachableAgents.removeValue(forKey: id) != nil
            var used: [FrameworkID: Resources] = [:]
            for task in subscribe.tasks where !task.state.isTerminal {
                guard let framework = frameworks[task.frameworkID] else { continue }
                let entry: TaskEntry
                if let unreachable = framework.unreachableTasks.removeValue(forKey: task.taskID) {
                    guard framework.isPartitionAware else {
                        // The framework was told TASK_LOST: the task must not come back behind its back.
                        lostOnReturn.append((framework.id, task.taskID))
                        continue
                    }
                    entry = unreachable
                    tell(framework, masterStatus(task.taskID, task.state, reason: .agentReregistered,
                                                 message: "Agent \(id) is reachable again", agentID: id))
                } else {
                    entry = TaskEntry(
                        info: TaskInfo(name: task.name, taskID: task.taskID, agentID: id, resources: task.resources),
                        frameworkID: framework.id, resources: Resources(task.resources), now: now)
                }
                entry.state = task.state
                framework.tasks[task.taskID] = entry
                agent.tasks.insert(entry.key)
                used[framework.id, default: Resources()] += entry.resources
            }
            if returning { goneWhileUnreachable(on: id) }
            allocator.addAgent(id, total: agent.total, used: used)
            if recoveredAgents.removeValue(forKey: id) != nil {
                logger.info("agent \(id) re-registered after the master restart with \(subscribe.tasks.count) task(s)")
            }
            logger.info("agent \(id) at \(info.hostname):\(info.port ?? 5051) registered with \(agent.total)")
        }
        emit(.persist(.admitAgent(info, agent.id, token: token, principal: principal)))
        agent.token = token
        agent.ip = ip
        agent.missedPings = 0
        agent.answeredPing = true
        agent.isConnected = true
        allocator.setAgentActive(agent.id, true)
        emit(.openAgentStream(agent.id))
        emit(.toAgent(agent.id, AgentEvent(type: .subscribed, subscribed: .init(
            agentID: agent.id, pingIntervalSeconds: settings.agentPingInterval, token: token.description))))
        for (framework, task) in lostOnReturn {
            emit(.toAgent(agent.id, AgentEvent(type: .killTask, killTask: .init(frameworkID: framework, taskID: task))))
        }
        if reattached { reconcileTasks(reported: subscribe.tasks, on: agent) }
        emit(.allocateSoon)
    }

    /// Tasks the master placed on a re-registering agent that the agent no longer has are lost; one still staging
    /// may not have reached the agent yet, and is sent again.
    private func reconcileTasks(reported: [TaskRecord], on agent: AgentRecord) {
        let present = Set(reported.map { TaskKey(framework: $0.frameworkID, task: $0.taskID) })
        for key in agent.tasks.sorted(by: { $0.task < $1.task }) where !present.contains(key) {
            guard let framework = frameworks[key.framework], let task = framework.tasks[key.task] else { continue }
            if task.state == .staging, let launched = task.info {
                var info = framework.info
                info.id = framework.id
                emit(.toAgent(agent.id, AgentEvent(type: .runTask, runTask: .init(framework: info, task: launched))))
                continue
            }
            let message = task.state == .staging ? "The master cannot read the task back to send it again"
                : "Task was not found on the re-registered agent"
            taskEnded(task, framework: framework, status: masterStatus(
                task.taskID, .lost, reason: .agentReregistered, message: message, agentID: agent.id))
        }
    }

    /// Unreachable tasks of a returning agent that it no longer runs: TASK_GONE for frameworks that understand it.
    private func goneWhileUnreachable(on agent: AgentID) {
        for framework in frameworks.values.sorted(by: { $0.id < $1.id }) {
            for task in framework.unreachableTasks.values.sorted(by: { $0.taskID < $1.taskID })
            where task.agentID == agent {
                framework.unreachableTasks[task.taskID] = nil
                task.state = .gone
                framework.remember(completed: task)
                if framework.isPartitionAware {
                    tell(framework, masterStatus(task.taskID, .gone, reason: .agentReregistered,
                                                 message: "Agent \(agent) came back without the task", agentID: agent))
                }
            }
        }
    }

    /// Every ping interval: agents that did not answer the last ping count a miss; too many and they go.
    func pingAgents() {
        var pinged: [AgentID] = []
        pinged.reserveCapacity(agents.count)
        var silent: [AgentRecord] = []
        for agent in agents.values {
            agent.missedPings = agent.answeredPing ? 0 : agent.missedPings + 1
            if agent.missedPings >= settings.maxAgentPingTimeouts {
                silent.append(agent)
                continue
            }
            agent.answeredPing = false
            if agent.isConnected { pinged.append(agent.id) }
        }
        // Only the agents that stopped answering are put in order (what their tasks and offers become follows it):
        // sorting every agent each interval would cost n log n.
        for agent in silent.sorted(by: { $0.id < $1.id }) {
            markUnreachable(agent, message: "Agent \(agent.id) missed \(agent.missedPings) pings")
        }
        if !pinged.isEmpty { emit(.toAgents(pinged, AgentEvent(type: .ping))) }
    }

    /// An agent that stopped answering: it is kept, with the time, until it comes back or is marked gone. Its tasks
    /// become unreachable (TASK_UNREACHABLE to partition-aware frameworks, TASK_LOST to the others), their resources
    /// leave the allocator, and its offers are rescinded.
    /// Unreachable agents older than `registryMaxAgentAge`, or beyond `registryMaxAgentCount` (oldest first), leave
    /// the registry, as in Mesos; one that comes back later registers as an agent the master does not know.
    func pruneUnreachableAgents() {
        guard !unreachableAgents.isEmpty else { return }
        let byAge = unreachableAgents.sorted { ($0.value.since, $0.key) < ($1.value.since, $1.key) }
        let overflow = max(0, byAge.count - settings.registryMaxAgentCount)
        for (index, (id, entry)) in byAge.enumerated() where index < overflow || now - entry.since > settings.registryMaxAgentAge {
            unreachableAgents[id] = nil
            emit(.persist(.removeAgent(id)))
            logger.info("agent \(id), unreachable since \(entry.since), leaves the registry")
        }
    }

    func markUnreachable(_ agent: AgentRecord, message: String) {
        logger.warning("agent \(agent.id) is unreachable: \(message)")
        metrics.agentsUnreachable += 1
        let affected = detach(agent) { task, framework in
            framework.tasks[task.taskID] = nil
            framework.unreachableTasks[task.taskID] = task
            let state: TaskState = framework.isPartitionAware ? .unreachable : .lost
            task.state = state
            task.statuses.append((state, now, nil))
            if state.isTerminal { metrics.terminalTasks[state.rawValue, default: 0] += 1 }
            tell(framework, masterStatus(task.taskID, state, reason: .agentRemoved, message: message, agentID: agent.id))
        }
        unreachableAgents[agent.id] = (agent.info, now)
        emit(.persist(.markUnreachable(agent.info, agent.id, since: now)))
        for id in affected { emit(.toFramework(id, SchedulerEvent(type: .failure, failure: .init(agentID: agent.id)))) }
    }

    /// An operator says the agent will never come back: its tasks are gone (TASK_GONE_BY_OPERATOR to partition-aware
    /// frameworks, TASK_LOST to the others) and it may not register again.
    func markGone(_ id: AgentID) {
        logger.warning("agent \(id) was marked gone by an operator")
        goneAgents.insert(id)
        recoveredAgents[id] = nil
        unreachableAgents[id] = nil
        emit(.persist(.markGone(id, since: now)))
        func goneStatus(_ task: TaskEntry, _ framework: FrameworkRecord) -> TaskStatus {
            masterStatus(task.taskID, framework.isPartitionAware ? .goneByOperator : .lost,
                         reason: .agentRemovedByOperator, message: "Agent \(id) was marked gone", agentID: id)
        }
        if let agent = agents[id] {
            metrics.agentsRemoved += 1
            let affected = detach(agent) { task, framework in
                self.taskEnded(task, framework: framework, status: goneStatus(task, framework))
            }
            for framework in affected { emit(.toFramework(framework, SchedulerEvent(type: .failure, failure: .init(agentID: id)))) }
        }
        for framework in frameworks.values.sorted(by: { $0.id < $1.id }) {
            for task in framework.unreachableTasks.values.sorted(by: { $0.taskID < $1.taskID }) where task.agentID == id {
                framework.unreachableTasks[task.taskID] = nil
                framework.remember(completed: task)
                if framework.isPartitionAware { tell(framework, goneStatus(task, framework)) }
            }
        }
    }

    /// Takes an agent out: its offers are rescinded, `each` is told about every task on it, it leaves the allocator
    /// and its stream closes. Returns the frameworks that had tasks there.
    private func detach(_ agent: AgentRecord, _ each: (TaskEntry, FrameworkRecord) -> Void) -> [FrameworkID] {
        for framework in frameworks.values {
            for offerID in framework.offers.sorted() {
                guard let offer = offers[offerID], offer.agentID == agent.id else { continue }
                _ = takeOffer(offerID, of: framework)
                metrics.offersRescinded += 1
                emit(.toFramework(framework.id, SchedulerEvent(type: .rescind, rescind: .init(offerID: offerID))))
            }
        }
        var affected = Set<FrameworkID>()
        for key in agent.tasks.sorted(by: { $0.task < $1.task }) {
            guard let framework = frameworks[key.framework], let task = framework.tasks[key.task] else { continue }
            affected.insert(framework.id)
            each(task, framework)
        }
        agent.tasks.removeAll()
        allocator.removeAgent(agent.id)
        agents[agent.id] = nil
        if agent.isConnected { emit(.closeAgentStream(agent.id)) }
        agent.isConnected = false
        emit(.allocateSoon)
        return affected.sorted()
    }
}
