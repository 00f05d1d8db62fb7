import AgoraResources
import AgoraWire

extension MasterCore {
    /// Registers a new agent or re-attaches a known one (same id), reconciling what runs on it.
    func registerAgent(_ subscribe: AgentCall.Subscribe, requestedID: AgentID?, token: String, principal: String?,
                       ip: String?) {
        var info = subscribe.agentInfo
        let knownID = requestedID ?? info.id
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
            agent = AgentRecord(id: id, info: info, registeredTime: now)
            reattached = false
            agents[id] = agent
            var used: [FrameworkID: Resources] = [:]
            for task in subscribe.tasks where !task.state.isTerminal {
                guard let framework = frameworks[task.frameworkID] else { continue }
                let entry = TaskEntry(
                    info: TaskInfo(name: task.name, taskID: task.taskID, agentID: id, resources: task.resources),
                    frameworkID: framework.id, resources: Resources(task.resources), now: now)
                entry.state = task.state
                framework.tasks[task.taskID] = entry
                agent.tasks.insert(entry.key)
                used[framework.id, default: Resources()] += entry.resources
            }
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
            agentID: agent.id, pingIntervalSeconds: settings.agentPingInterval, token: token))))
        if reattached { reconcileTasks(reported: subscribe.tasks, on: agent) }
        emit(.allocateSoon)
    }

    /// Tasks the master placed on a re-registering agent that the agent no longer has are lost; one still staging
    /// may not have reached the agent yet, and is sent again.
    private func reconcileTasks(reported: [TaskRecord], on agent: AgentRecord) {
        let present = Set(reported.map { TaskKey(framework: $0.frameworkID, task: $0.taskID) })
        for key in agent.tasks.sorted(by: { $0.task < $1.task }) where !present.contains(key) {
            guard let framework = frameworks[key.framework], let task = framework.tasks[key.task] else { continue }
            if task.state == .staging {
                var info = framework.info
                info.id = framework.id
                emit(.toAgent(agent.id, AgentEvent(type: .runTask, runTask: .init(framework: info, task: task.info))))
                continue
            }
            taskEnded(task, framework: framework, status: masterStatus(
                task.info.taskID, .lost, reason: .agentReregistered, message: "Task was not found on the re-registered agent",
                agentID: agent.id))
        }
    }

    /// Every ping interval: agents that did not answer the last ping count a miss; too many and they go.
    func pingAgents() {
        for agent in agents.values.sorted(by: { $0.id < $1.id }) {
            if agent.answeredPing {
                agent.missedPings = 0
            } else {
                agent.missedPings += 1
            }
            if agent.missedPings >= settings.maxAgentPingTimeouts {
                removeAgent(agent, message: "Agent \(agent.id) missed \(agent.missedPings) pings")
                continue
            }
            agent.answeredPing = false
            if agent.isConnected { emit(.toAgent(agent.id, AgentEvent(type: .ping))) }
        }
    }

    /// Removes an agent: its offers are rescinded, its tasks reported lost, and its frameworks told it failed.
    func removeAgent(_ agent: AgentRecord, message: String) {
        logger.warning("removing agent \(agent.id): \(message)")
        metrics.agentsRemoved += 1
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
            taskEnded(task, framework: framework, status: masterStatus(
                task.info.taskID, .lost, reason: .agentRemoved, message: message, agentID: agent.id))
        }
        for id in affected.sorted() {
            emit(.toFramework(id, SchedulerEvent(type: .failure, failure: .init(agentID: agent.id))))
        }
        allocator.removeAgent(agent.id)
        emit(.persist(.removeAgent(agent.id)))
        agents[agent.id] = nil
        if agent.isConnected { emit(.closeAgentStream(agent.id)) }
        agent.isConnected = false
        emit(.allocateSoon)
    }
}
