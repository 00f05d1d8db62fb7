import AgoraWire

/// What a framework implements. Every callback runs on the client's loop thread, in event order.
///
/// All methods have empty default implementations; implement the ones your framework needs.
public protocol SchedulerDelegate: AnyObject {
    /// The master accepted the subscription (first time or after a reconnection).
    func subscribed(_ client: SchedulerClient, frameworkID: FrameworkID, masterInfo: MasterInfo?)
    /// New offers. Answer each with `launch`, `accept` or `decline`; unanswered offers hold resources.
    func offers(_ client: SchedulerClient, _ offers: [Offer])
    /// An offer is no longer valid.
    func rescinded(_ client: SchedulerClient, offerID: OfferID)
    /// A task changed state. With automatic acknowledgement (the default) it is acknowledged after this returns.
    func update(_ client: SchedulerClient, _ status: TaskStatus)
    /// An agent (or executor) failed.
    func failure(_ client: SchedulerClient, agentID: AgentID?, executorID: ExecutorID?, status: Int32?)
    /// Opaque bytes from an executor.
    func message(_ client: SchedulerClient, agentID: AgentID, executorID: ExecutorID, data: [UInt8])
    /// The master reported an unrecoverable error (for example the framework was removed).
    func error(_ client: SchedulerClient, message: String)
    /// The subscription dropped; the client resubscribes with backoff unless stopped.
    func disconnected(_ client: SchedulerClient, reason: String)
}

extension SchedulerDelegate {
    public func subscribed(_ client: SchedulerClient, frameworkID: FrameworkID, masterInfo: MasterInfo?) {}
    public func offers(_ client: SchedulerClient, _ offers: [Offer]) {}
    public func rescinded(_ client: SchedulerClient, offerID: OfferID) {}
    public func update(_ client: SchedulerClient, _ status: TaskStatus) {}
    public func failure(_ client: SchedulerClient, agentID: AgentID?, executorID: ExecutorID?, status: Int32?) {}
    public func message(_ client: SchedulerClient, agentID: AgentID, executorID: ExecutorID, data: [UInt8]) {}
    public func error(_ client: SchedulerClient, message: String) {}
    public func disconnected(_ client: SchedulerClient, reason: String) {}
}
