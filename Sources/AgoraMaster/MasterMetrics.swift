/// Counters the master keeps for `/metrics`.
struct MasterMetrics {
    var offersSent = 0
    var offersDeclined = 0
    var offersRescinded = 0
    var offersAccepted = 0
    var tasksLaunched = 0
    var taskErrors = 0
    var terminalTasks: [String: Int] = [:]
    var allocationRuns = 0
    var allocationSeconds = 0.0
    var agentsRemoved = 0
    var agentsUnreachable = 0
    var statusUpdates = 0
    /// Resent status updates: passed on to the framework again, or acknowledged at once if it had acknowledged them.
    var duplicateStatusUpdates = 0
    /// Resent updates not passed on again because the first copy was still queued for the framework.
    var resendsStillQueued = 0
    /// Framework messages passed between schedulers and executors, and those dropped (no framework to take one).
    var messagesRelayed = 0
    var messagesDropped = 0
    var invalidCalls = 0
    var timerFailures = 0
    /// Requests refused for want of credentials (`unauthenticated`) or of permission (`forbidden`).
    var authFailures: [String: Int] = [:]
}
