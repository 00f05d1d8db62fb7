import AgoraAllocator
import AgoraResources
import AgoraAuth
import AgoraHTTP
import AgoraWire
import Foundation

extension Master {
    /// `POST /api/v1/agent`: SUBSCRIBE opens the agent's event stream; UPDATE and PONG answer 202.
    func handleAgentCall(_ request: HTTPRequest, _ responder: HTTPResponder) {
        do {
            let principal = try principal(of: request, required: options.authenticateAgents)
            let format = try request.wireFormat()
            let call = try request.decode(AgentCall.self, as: format)
            switch call.type {
            case .subscribe?:
                guard let subscribe = call.subscribe else {
                    throw CallRejection(status: .badRequest, message: "Expecting 'subscribe' to be present")
                }
                try validatePorts(subscribe.agentInfo.resources, field: "subscribe.agent_info.resources")
                let id = call.agentID ?? subscribe.agentInfo.id
                let token = try agentToken(for: id, presented: call.token, principal: principal)
                registerAgent(subscribe, requestedID: id, token: token, principal: principal, ip: request.peer?.host,
                              format: format, responder: responder)
            case .update?:
                let agent = try connectedAgent(call.agentID, token: call.token)
                guard let update = call.update else {
                    throw CallRejection(status: .badRequest, message: "Expecting 'update' to be present")
                }
                statusUpdate(update, from: agent)
                responder.send(HTTPResponse(status: .accepted))
            case .pong?:
                let agent = try connectedAgent(call.agentID, token: call.token)
                agent.answeredPing = true
                agent.missedPings = 0
                responder.send(HTTPResponse(status: .accepted))
            case .unknown?, nil:
                throw CallRejection(status: .badRequest, message: "Expecting 'type' to be present")
            }
        } catch let rejection as AuthRejection {
            refuse(rejection, responder)
        } catch let rejection as CallRejection {
            metrics.invalidCalls += 1
            responder.send(rejection.response)
        } catch {
            responder.send(.error(.internalServerError, "\(error)"))
        }
    }

    /// The secret that binds agent `id` to the agent holding it: a known id must present its token (and, when agents
    /// authenticate, come from the same principal); a new id, or one registered before tokens existed, gets one.
    private func agentToken(for id: AgentID?, presented: String?, principal: String?) throws(AuthRejection) -> String {
        if let id, let stored = registrar.token(of: id) {
            guard let presented, constantTimeEqual(Array(presented.utf8), Array(stored.token.utf8)) else {
                throw .forbidden("Agent '\(id)' is registered to another agent: its token is missing or wrong")
            }
            guard !options.authenticateAgents || stored.principal == principal else {
                throw .forbidden("Agent '\(id)' is registered by another principal")
            }
            return stored.token
        }
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in String(generator.next() as UInt64, radix: 16) }.joined(separator: "-")
    }


    /// Port resources must be TCP/UDP port numbers (1-65535); other range resources are free-form.
    private func validatePorts(_ resources: [Resource], field: String) throws(CallRejection) {
        for (index, resource) in resources.enumerated() where resource.name == "ports" {
            for range in resource.ranges?.range ?? [] where range.begin < 1 || range.end > 65535 {
                throw CallRejection(status: .badRequest, message:
                    "Invalid \(field)[\(index)].ranges: ports must be between 1 and 65535 (got \(range.begin)-\(range.end))")
            }
        }
    }

    private func connectedAgent(_ id: AgentID?, token: String?) throws -> AgentRecord {
        guard let id else { throw CallRejection(status: .badRequest, message: "Expecting 'agent_id' to be present") }
        guard let agent = agents[id], agent.isConnected else {
            throw CallRejection(status: .forbidden, message: "Agent '\(id)' is not registered")
        }
        guard let token, constantTimeEqual(Array(token.utf8), Array(agent.token.utf8)) else {
            throw AuthRejection.forbidden("Call for agent '\(id)' without its token")
        }
        return agent
    }

    /// Registers a new agent or re-attaches a known one (same id), reconciling what runs on it.
    private func registerAgent(
        _ subscribe: AgentCall.Subscribe, requestedID: AgentID?, token: String, principal: String?, ip: String?,
        format: WireFormat, responder: HTTPResponder
    ) {
        var info = subscribe.agentInfo
        let knownID = requestedID ?? info.id
        let agent: AgentRecord
        if let knownID, let existing = agents[knownID] {
            agent = existing
            existing.stream?.close()
            info.id = knownID
            existing.info = info
            reconcileTasks(reported: subscribe.tasks, on: existing)
            logger.info("agent \(knownID) at \(info.hostname) re-registered")
        } else {
            let id = knownID ?? AgentID(nextID("S"))
            info.id = id
            agent = AgentRecord(id: id, info: info, registeredTime: now)
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
        registrar.admit(info, id: agent.id)
        registrar.keep(token: token, principal: principal, of: agent.id)
        agent.token = token
        agent.ip = ip
        agent.missedPings = 0
        agent.answeredPing = true
        let stream = EventStream(
            stream: responder.startStream(status: .ok, headers: ["Content-Type": format.contentType]),
            format: format, logger: logger)
        agent.stream = stream
        stream.onClose = { [weak self, weak agent, weak stream] in
            guard let self, let agent, let stream, agent.stream === stream else { return }
            agent.stream = nil
            self.allocator.setAgentActive(agent.id, false)
            self.logger.warning("agent \(agent.id) disconnected; removed after missing pings")
        }
        allocator.setAgentActive(agent.id, true)
        stream.send(AgentEvent(type: .subscribed, subscribed: .init(
            agentID: agent.id, pingIntervalSeconds: options.agentPingTimeout.seconds, token: token)))
        requestAllocation()
    }

    /// Tasks the master placed on a re-registering agent that the agent no longer has are lost.
    private func reconcileTasks(reported: [TaskRecord], on agent: AgentRecord) {
        let present = Set(reported.map { TaskKey(framework: $0.frameworkID, task: $0.taskID) })
        for key in agent.tasks where !present.contains(key) {
            guard let framework = frameworks[key.framework], let task = framework.tasks[key.task] else { continue }
            // A task still staging may not have reached the agent yet; it is resent below.
            if task.state == .staging {
                var info = framework.info
                info.id = framework.id
                agent.stream?.send(AgentEvent(type: .runTask, runTask: .init(framework: info, task: task.info)))
                continue
            }
            loseTask(task, framework: framework, agent: agent, reason: .agentReregistered,
                     message: "Task was not found on the re-registered agent")
        }
    }

    /// Every ping interval: agents that did not answer the last ping count a miss; too many and they go.
    func pingAgents() {
        for agent in Array(agents.values) {
            if agent.answeredPing {
                agent.missedPings = 0
            } else {
                agent.missedPings += 1
            }
            if agent.missedPings >= options.maxAgentPingTimeouts {
                removeAgent(agent, message: "Agent \(agent.id) missed \(agent.missedPings) pings")
                continue
            }
            agent.answeredPing = false
            agent.stream?.send(AgentEvent(type: .ping))
        }
    }

    /// Removes an agent: its offers are rescinded and its tasks reported lost.
    func removeAgent(_ agent: AgentRecord, message: String) {
        logger.warning("removing agent \(agent.id): \(message)")
        metrics.agentsRemoved += 1
        for framework in frameworks.values {
            for offerID in framework.offers {
                guard let offer = offers[offerID], offer.agentID == agent.id else { continue }
                offers[offerID] = nil
                framework.offers.remove(offerID)
                metrics.offersRescinded += 1
                framework.stream?.send(SchedulerEvent(type: .rescind, rescind: .init(offerID: offerID)))
            }
        }
        var affected = Set<FrameworkID>()
        for key in agent.tasks {
            guard let framework = frameworks[key.framework], let task = framework.tasks[key.task] else { continue }
            affected.insert(framework.id)
            loseTask(task, framework: framework, agent: agent, reason: .agentRemoved, message: message)
        }
        for id in affected {
            frameworks[id]?.stream?.send(SchedulerEvent(type: .failure, failure: .init(agentID: agent.id)))
        }
        allocator.removeAgent(agent.id)
        registrar.remove(agent: agent.id)
        agents[agent.id] = nil
        agent.stream?.close()
        agent.stream = nil
        requestAllocation()
    }

    private func loseTask(
        _ task: TaskEntry, framework: FrameworkRecord, agent: AgentRecord, reason: TaskStatus.Reason, message: String
    ) {
        task.state = .lost
        task.statuses.append((.lost, now))
        agent.tasks.remove(task.key)
        framework.tasks[task.info.taskID] = nil
        framework.remember(completed: task)
        metrics.terminalTasks[TaskState.lost.rawValue, default: 0] += 1
        allocator.recover(task.resources, framework: framework.id, agent: agent.id, now: now)
        sendMasterStatus(task.info.taskID, .lost, reason: reason, message: message, agentID: agent.id, to: framework)
    }
}
