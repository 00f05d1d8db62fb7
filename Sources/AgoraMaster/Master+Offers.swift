import AgoraAllocator
import AgoraResources
import AgoraWire
import Foundation

extension Master {
    /// One allocation cycle: each allocation becomes an offer, sent in one OFFERS event per framework.
    func allocate() {
        let started = ContinuousClock.now
        let allocations = allocator.allocate(now: now)
        metrics.allocationRuns += 1
        var byFramework: [FrameworkID: [Offer]] = [:]
        for allocation in allocations {
            guard let framework = frameworks[allocation.frameworkID], let agent = agents[allocation.agentID] else {
                allocator.recover(allocation.resources, framework: allocation.frameworkID, agent: allocation.agentID,
                                  now: now)
                continue
            }
            let offer = OfferRecord(id: OfferID(nextID("O")), frameworkID: framework.id, agentID: agent.id,
                                    resources: allocation.resources)
            offers[offer.id] = offer
            framework.offers.insert(offer.id)
            byFramework[framework.id, default: []].append(Offer(
                id: offer.id, frameworkID: framework.id, agentID: agent.id, hostname: agent.info.hostname,
                url: agent.url, resources: offer.resources.wire(allocationRole: framework.role),
                attributes: agent.info.attributes, allocationInfo: .init(role: framework.role)))
        }
        for (id, list) in byFramework {
            metrics.offersSent += list.count
            frameworks[id]?.stream?.send(SchedulerEvent(type: .offers, offers: .init(offers: list)))
        }
        let elapsed = ContinuousClock.now - started
        metrics.allocationSeconds += Double(elapsed.components.attoseconds) / 1e18 + Double(elapsed.components.seconds)
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
        for id in framework.offers {
            guard let offer = offers.removeValue(forKey: id) else { continue }
            allocator.recover(offer.resources, framework: framework.id, agent: offer.agentID, now: now)
            if notify {
                metrics.offersRescinded += 1
                framework.stream?.send(SchedulerEvent(type: .rescind, rescind: .init(offerID: id)))
            }
        }
        framework.offers.removeAll()
    }

    /// ACCEPT: runs each LAUNCH against the offered resources; what is left goes back with the call's filters.
    func accept(_ accept: SchedulerCall.Accept, framework: FrameworkRecord) {
        let refuseSeconds = accept.filters?.effectiveRefuseSeconds ?? 5
        let tasks = accept.operations.filter { $0.type == .launch }.flatMap { $0.launch?.taskInfos ?? [] }
        var taken: [OfferRecord] = []
        var invalid: String?
        for id in accept.offerIDs {
            guard let offer = takeOffer(id, of: framework) else {
                invalid = invalid ?? "Offer \(id) is no longer valid"
                continue
            }
            if let first = taken.first, first.agentID != offer.agentID {
                invalid = invalid ?? "Offers \(first.id) and \(offer.id) are on different agents"
            }
            taken.append(offer)
        }
        if accept.offerIDs.isEmpty { invalid = "No offers given" }
        if let invalid {
            for offer in taken {
                allocator.recover(offer.resources, framework: framework.id, agent: offer.agentID, now: now)
            }
            for task in tasks {
                sendMasterStatus(task.taskID, .lost, reason: .invalidOffers, message: invalid, agentID: task.agentID,
                                 to: framework)
            }
            requestAllocation()
            return
        }
        metrics.offersAccepted += taken.count
        let agentID = taken[0].agentID
        var remaining = taken.reduce(Resources()) { $0 + $1.resources }
        for task in tasks {
            let resources = Resources(task.resources)
            if let problem = validate(task, resources: resources, agentID: agentID, remaining: remaining,
                                      framework: framework) {
                metrics.taskErrors += 1
                sendMasterStatus(task.taskID, .error, reason: .taskInvalid, message: problem, agentID: task.agentID,
                                 to: framework)
                continue
            }
            remaining -= resources
            launch(task, resources: resources, framework: framework)
        }
        allocator.recover(remaining, framework: framework.id, agent: agentID, refuseSeconds: refuseSeconds, now: now)
        requestAllocation()
    }

    /// Why `task` cannot run on what is left of the accepted offers, or nil when it can.
    private func validate(
        _ task: TaskInfo, resources: Resources, agentID: AgentID, remaining: Resources, framework: FrameworkRecord
    ) -> String? {
        if task.taskID.value.isEmpty { return "Task ID must not be empty" }
        if task.taskID.value.contains("/") { return "Task ID '\(task.taskID)' must not contain '/'" }
        if framework.tasks[task.taskID] != nil { return "Task ID '\(task.taskID)' is already in use" }
        if task.agentID != agentID {
            return "Task uses agent '\(task.agentID)' but the offers are for agent '\(agentID)'"
        }
        if task.executor != nil { return "Custom executors are not supported; give the task a 'command'" }
        if let problem = runTasksProblem(task, framework: framework) { return problem }
        guard let command = task.command else { return "Task has no 'command'" }
        if command.isShell && (command.value ?? "").isEmpty { return "Task's shell command is empty" }
        if !command.isShell && (command.value ?? "").isEmpty { return "Task's command has no executable 'value'" }
        if resources.isEmpty { return "Task uses no resources" }
        if !remaining.contains(resources) {
            return "Task uses more resources (\(resources)) than available in the accepted offers (\(remaining))"
        }
        guard let agent = agents[agentID], agent.isConnected else { return "Agent '\(agentID)' is not connected" }
        return nil
    }

    private func launch(_ task: TaskInfo, resources: Resources, framework: FrameworkRecord) {
        let entry = TaskEntry(info: task, frameworkID: framework.id, resources: resources, now: now)
        framework.tasks[task.taskID] = entry
        agents[task.agentID]?.tasks.insert(entry.key)
        metrics.tasksLaunched += 1
        var info = framework.info
        info.id = framework.id
        agents[task.agentID]?.stream?.send(AgentEvent(type: .runTask, runTask: .init(framework: info, task: task)))
    }
}
