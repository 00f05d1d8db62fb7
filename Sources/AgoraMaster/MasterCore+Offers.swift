import AgoraResources
import AgoraWire

extension MasterCore {
    /// One allocation cycle: each allocation becomes an offer, sent in one OFFERS event per framework.
    func allocate() {
        let allocations = allocator.allocate(now: now)
        metrics.allocationRuns += 1
        var byFramework: [FrameworkID: [Offer]] = [:]
        for allocation in allocations {
            guard let framework = frameworks[allocation.frameworkID], let agent = agents[allocation.agentID] else {
                allocator.recover(allocation.resources, framework: allocation.frameworkID, agent: allocation.agentID,
                                  role: allocation.role, now: now)
                continue
            }
            let offer = OfferRecord(id: OfferID(nextID("O")), frameworkID: framework.id, agentID: agent.id,
                                    role: allocation.role, resources: allocation.resources)
            offers[offer.id] = offer
            framework.offers.insert(offer.id)
            byFramework[framework.id, default: []].append(Offer(
                id: offer.id, frameworkID: framework.id, agentID: agent.id, hostname: agent.info.hostname,
                url: agent.url, resources: offer.resources.wire(allocationRole: offer.role),
                attributes: agent.info.attributes, allocationInfo: .init(role: offer.role)))
        }
        for (id, list) in byFramework.sorted(by: { $0.key < $1.key }) {
            metrics.offersSent += list.count
            emit(.toFramework(id, SchedulerEvent(type: .offers, offers: .init(offers: list))))
        }
    }

    /// Removes an outstanding offer of `framework`, if it is one.
    func takeOffer(_ id: OfferID, of framework: FrameworkRecord) -> OfferRecord? {
        guard let offer = offers[id], offer.frameworkID == framework.id else { return nil }
        offers[id] = nil
        framework.offers.remove(id)
        return offer
    }

    /// Takes back every offer of `framework` (optionally telling it with RESCIND events).
    func rescindOffers(of framework: FrameworkRecord, notify: Bool) {
        for id in framework.offers.sorted() {
            guard let offer = offers.removeValue(forKey: id) else { continue }
            allocator.recover(offer.resources, framework: framework.id, agent: offer.agentID, role: offer.role, now: now)
            if notify {
                metrics.offersRescinded += 1
                emit(.toFramework(framework.id, SchedulerEvent(type: .rescind, rescind: .init(offerID: id))))
            }
        }
        framework.offers.removeAll()
    }

    /// ACCEPT: runs each LAUNCH against the offered resources; what is left goes back with the call's filters.
    func accept(_ accept: SchedulerCall.Accept, framework: FrameworkRecord) {
        let tasks = accept.operations.filter { $0.type == .launch }.flatMap { $0.launch?.taskInfos ?? [] }
        let outstanding = accept.offerIDs.map { id in offers[id].flatMap { $0.frameworkID == framework.id ? $0 : nil } }
        let taken = accept.offerIDs.compactMap { takeOffer($0, of: framework) }
        if let problem = acceptedOffersProblem(accept.offerIDs, outstanding: outstanding) {
            for offer in taken {
                allocator.recover(offer.resources, framework: framework.id, agent: offer.agentID, role: offer.role, now: now)
            }
            for task in tasks {
                tell(framework, masterStatus(task.taskID, .lost, reason: .invalidOffers, message: problem,
                                             agentID: task.agentID))
            }
            emit(.allocateSoon)
            return
        }
        metrics.offersAccepted += taken.count
        let agentID = taken[0].agentID
        var remaining = taken.reduce(Resources()) { $0 + $1.resources }
        for task in tasks {
            // A custom executor's resources are the task's too: taken from the offer, returned with its end.
            let resources = Resources(task.resources) + Resources(task.executor?.resources ?? [])
            var context = LaunchContext(
                agentID: agentID, agentConnected: agents[agentID]?.isConnected ?? false, remaining: remaining,
                taskIDInUse: framework.tasks[task.taskID] != nil, principal: framework.info.principal,
                frameworkUser: framework.info.user, acls: settings.acls)
            if let executor = task.executor?.executorID {
                // Only this agent's tasks: a scan of all the framework's tasks per launch was quadratic in them.
                context.executorInUse = agents[agentID]?.tasks.contains { key in
                    guard key.framework == framework.id, let other = framework.tasks[key.task] else { return false }
                    return !other.state.isTerminal && other.executorID == executor
                } ?? false
            }
            if let problem = launchProblem(task, resources: resources, in: context) {
                metrics.taskErrors += 1
                tell(framework, masterStatus(task.taskID, .error, reason: .taskInvalid, message: problem,
                                             agentID: task.agentID))
                continue
            }
            remaining -= resources
            launch(task, on: agentID, resources: resources, role: taken[0].role, framework: framework)
        }
        allocator.recover(remaining, framework: framework.id, agent: agentID, role: taken[0].role,
                          refuseSeconds: accept.filters?.effectiveRefuseSeconds ?? 5, now: now)
        emit(.allocateSoon)
    }

    private func launch(_ task: TaskInfo, on agentID: AgentID, resources: Resources, role: String, framework: FrameworkRecord) {
        // The same id, held in the agent's own storage rather than a copy decoded from each ACCEPT.
        var task = task
        task.agentID = agentID
        let entry = TaskEntry(info: task, frameworkID: framework.id, resources: taskResources.shared(resources), role: role,
                              now: now)
        framework.tasks[task.taskID] = entry
        agents[task.agentID]?.tasks.insert(entry.key)
        metrics.tasksLaunched += 1
        var info = framework.info
        info.id = framework.id
        emit(.toAgent(task.agentID, AgentEvent(type: .runTask, runTask: .init(framework: info, task: task))))
    }
}
