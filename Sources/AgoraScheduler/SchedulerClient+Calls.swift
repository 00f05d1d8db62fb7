import AgoraWire

extension SchedulerClient {
    /// Launches `tasks` on the given offers; what they leave unused is refused for `refuseSeconds`.
    public func launch(_ tasks: [TaskInfo], on offers: [OfferID], refuseSeconds: Double = 5,
                       completion: @escaping (Result<Void, SchedulerCallError>) -> Void = { _ in }) {
        send(SchedulerCall(type: .accept, accept: .init(offerIDs: offers, operations: [.launch(tasks)],
                                                        filters: Filters(refuseSeconds: refuseSeconds))),
             completion: completion)
    }

    /// Accepts offers with any operations.
    public func accept(_ offers: [OfferID], operations: [Offer.Operation], filters: Filters? = nil,
                       completion: @escaping (Result<Void, SchedulerCallError>) -> Void = { _ in }) {
        send(SchedulerCall(type: .accept, accept: .init(offerIDs: offers, operations: operations, filters: filters)),
             completion: completion)
    }

    /// Returns offers unused; they are not offered to this framework again for `refuseSeconds`.
    public func decline(_ offers: [OfferID], refuseSeconds: Double = 5) {
        send(SchedulerCall(type: .decline, decline: .init(offerIDs: offers, filters: Filters(refuseSeconds: refuseSeconds))))
    }

    /// Kills a task; `gracePeriod` overrides the SIGTERM → SIGKILL wait for this kill.
    public func kill(_ task: TaskID, agent: AgentID? = nil, gracePeriod: Double? = nil) {
        let policy = gracePeriod.map { KillPolicy(gracePeriod: DurationInfo(seconds: $0)) }
        send(SchedulerCall(type: .kill, kill: .init(taskID: task, agentID: agent, killPolicy: policy)))
    }

    /// Acknowledges a status update; updates without a uuid need none and are skipped.
    public func acknowledge(_ status: TaskStatus) {
        guard let uuid = status.uuid, let agentID = status.agentID else { return }
        send(SchedulerCall(type: .acknowledge, acknowledge: .init(agentID: agentID, taskID: status.taskID, uuid: uuid)))
    }

    /// Asks for the latest state of the given tasks (or of every task, when empty).
    public func reconcile(_ tasks: [(TaskID, AgentID?)] = []) {
        send(SchedulerCall(type: .reconcile, reconcile: .init(tasks: tasks.map { .init(taskID: $0.0, agentID: $0.1) })))
    }

    /// Clears refusal filters and resumes offers.
    public func revive(roles: [String] = []) {
        offersWanted = roles.isEmpty ? true : nil
        send(SchedulerCall(type: .revive, revive: .init(roles: roles)))
    }

    /// Stops offers until `revive`.
    public func suppress(roles: [String] = []) {
        offersWanted = roles.isEmpty ? false : nil
        send(SchedulerCall(type: .suppress, suppress: .init(roles: roles)))
    }

    /// REVIVE or SUPPRESS for every role, sent only when it changes what the master was last told (`offersWanted`).
    public func wantOffers(_ wanted: Bool) {
        guard wanted != offersWanted else { return }
        if wanted { revive() } else { suppress() }
    }

    /// Ends the framework: its tasks are killed. The client stops afterwards.
    public func teardown(completion: @escaping (Result<Void, SchedulerCallError>) -> Void = { _ in }) {
        send(SchedulerCall(type: .teardown)) { [weak self] result in
            self?.stop()
            completion(result)
        }
    }
}
