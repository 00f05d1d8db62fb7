import AgoraWire

/// What happens to the master, as the core sees it: calls already decoded, authenticated and checked against the
/// caller's stream, timers that fired, streams that closed. `MasterCore.handle` turns each into `MasterEffect`s.
enum MasterEvent {
    /// A framework subscribed (admission already checked); its new stream has `streamID`.
    case frameworkSubscribed(FrameworkInfo, id: FrameworkID, suppressedRoles: [String], streamID: String)
    /// The framework's stream `streamID` closed.
    case frameworkDisconnected(FrameworkID, streamID: String)
    /// UPDATE_FRAMEWORK, already checked: the framework's new info and suppressed roles.
    case frameworkUpdated(FrameworkID, FrameworkInfo, suppressedRoles: [String])
    /// A call of a subscribed framework other than SUBSCRIBE.
    case schedulerCall(FrameworkID, SchedulerCall)
    /// An agent subscribed, under `id` when it has one, with the secret it was given (or presented).
    case agentSubscribed(AgentCall.Subscribe, id: AgentID?, token: AgentToken, principal: String?, ip: String?)
    /// The agent's stream closed.
    case agentDisconnected(AgentID)
    case statusUpdate(AgentCall.Update, from: AgentID)
    case pong(AgentID)
    /// An executor's message for its framework, relayed by its agent.
    case executorMessage(ExecutorMessage, from: AgentID)
    /// A custom executor's process ended.
    case executorExited(AgentCall.ExecutorExited, from: AgentID)
    /// An operator removes a framework (`POST /teardown`).
    case teardown(FrameworkID, reason: String)
    /// An operator says an agent will never come back (its tasks are gone).
    case markAgentGone(AgentID)
    /// Frameworks and agents admitted before a restart, read back from the registry.
    case recovered(frameworks: [(FrameworkID, FrameworkInfo)], agents: [(AgentID, AgentInfo)],
                   unreachable: [(AgentID, AgentInfo, since: Double)], gone: [AgentID])
    /// A timer armed by an `.arm` effect fired.
    case timerFired(MasterTimer)
    /// Periodic work: an allocation cycle, a round of agent pings, heartbeats on framework streams.
    case allocate
    case pingAgents
    case heartbeat
}

/// One-shot timers the core asks for; the shell arms them on its clock and hands them back as `.timerFired`.
enum MasterTimer: Hashable {
    /// The framework did not come back within its `failover_timeout`.
    case failover(FrameworkID)
    /// Agents admitted before the restart had `agentReregisterTimeout` to come back.
    case agentReregistration
}

/// A change to the registry (SQLite), applied by the shell.
enum RegistryWrite {
    case admitAgent(AgentInfo, AgentID, token: AgentToken, principal: String?)
    case removeAgent(AgentID)
    /// The agent missed its pings at `since`; it stays known until it returns or is marked gone.
    case markUnreachable(AgentInfo, AgentID, since: Double)
    case markGone(AgentID, since: Double)
    case admitFramework(FrameworkInfo, FrameworkID)
    case removeFramework(FrameworkID)
}

/// What the core asks the shell to do, in order. The cases that carry an event or a registry record are boxed
/// (`indirect`): an `AgentEvent` is 1.3 KB, and unboxed every effect was that large, copied into the list and out
/// again (4 % of the master's CPU under a burst of status updates).
enum MasterEffect {
    indirect case toFramework(FrameworkID, SchedulerEvent)
    /// A task's status update for its framework. A `resend` (the agent sent that update again) is dropped while the
    /// copy queued before is still in the master, waiting for the framework to read it: it would only follow that
    /// copy. The shell notes where each copy went in `task.queuedStatus`.
    indirect case taskStatusToFramework(FrameworkID, SchedulerEvent, TaskEntry, resend: Bool)
    indirect case toAgent(AgentID, AgentEvent)
    /// The same event to each of these agents (a ping round): one event, not one per agent (an `AgentEvent` is over a
    /// kilobyte, so a thousand of them were a megabyte each round).
    indirect case toAgents([AgentID], AgentEvent)
    /// Attach the stream of the call being handled (the shell holds it) to this framework or agent; events for it
    /// follow.
    case openFrameworkStream(FrameworkID, streamID: String)
    case openAgentStream(AgentID)
    /// End a stream without reporting its close back as an event.
    case closeFrameworkStream(FrameworkID)
    case closeAgentStream(AgentID)
    indirect case persist(RegistryWrite)
    case arm(MasterTimer, afterSeconds: Double)
    case cancel(MasterTimer)
    /// Run an allocation cycle soon (bursts of these coalesce into one).
    case allocateSoon
}
