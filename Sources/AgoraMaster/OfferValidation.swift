import AgoraAuth
import AgoraResources
import AgoraWire

/// Why the offers named by an ACCEPT cannot be used together, or nil when they can: there must be some, each must
/// still be outstanding for the caller, and all on one agent.
func acceptedOffersProblem(_ ids: [OfferID], outstanding: [OfferRecord?]) -> String? {
    guard !ids.isEmpty else { return "No offers given" }
    for (id, offer) in zip(ids, outstanding) where offer == nil { return "Offer \(id) is no longer valid" }
    let offers = outstanding.compactMap { $0 }
    if let other = offers.first(where: { $0.agentID != offers[0].agentID }) {
        return "Offers \(offers[0].id) and \(other.id) are on different agents"
    }
    if let other = offers.first(where: { $0.role != offers[0].role }) {
        return "Offers \(offers[0].id) and \(other.id) are allocated to different roles ('\(offers[0].role)', '\(other.role)')"
    }
    return nil
}

/// What the master knows when it checks one task of an ACCEPT.
struct LaunchContext {
    /// The agent of the accepted offers.
    var agentID: AgentID
    /// Whether that agent is connected right now.
    var agentConnected: Bool
    /// What is left of the accepted offers after the tasks before this one.
    var remaining: Resources
    /// Whether the framework already has a live task with this id.
    var taskIDInUse: Bool
    /// Whether the task's custom executor already runs another live task on that agent.
    var executorInUse: Bool = false
    /// The framework's principal, user and the ACLs that say whom it may run tasks as.
    var principal: String?
    var frameworkUser: String
    var acls: ACLs
}

/// Why `task` cannot be launched, or nil when it can.
func launchProblem(_ task: TaskInfo, resources: Resources, in context: LaunchContext) -> String? {
    if task.taskID.value.isEmpty { return "Task ID must not be empty" }
    if task.taskID.value.contains("/") { return "Task ID '\(task.taskID)' must not contain '/'" }
    if task.taskID.value == "." || task.taskID.value == ".." { return "Task ID must not be '.' or '..'" }
    if context.taskIDInUse { return "Task ID '\(task.taskID)' is already in use" }
    if task.agentID != context.agentID {
        return "Task uses agent '\(task.agentID)' but the offers are for agent '\(context.agentID)'"
    }
    if let executor = task.executor, let problem = executorProblem(executor, in: context) { return problem }
    if let problem = urisProblem(task.command?.uris ?? []) { return problem }
    if task.maxCompletionTime != nil { return "TaskInfo.max_completion_time is not implemented" }
    if task.executor?.container != nil {
        return "ExecutorInfo.container is not implemented: custom executors run on the host (give the task a container instead)"
    }
    if let container = task.container {
        if task.executor != nil { return "TaskInfo.container with a custom executor is not implemented: a container task runs Agora's command executor" }
        if let problem = containerProblem(container) ?? portMappingProblem(container, ports: resources.ranges("ports")) { return problem }
    }
    if task.check != nil { return "TaskInfo.check (general checks) is not implemented; use health_check" }
    let user = task.command?.user ?? task.executor?.command?.user ?? context.frameworkUser
    guard context.acls.allows(context.principal, .runTasks, user) else {
        return "Principal '\(context.principal ?? "")' is not allowed to run tasks as user '\(user)'"
    }
    if (task.command == nil) == (task.executor == nil) {
        return "Task should have at least one (but not both) of CommandInfo or ExecutorInfo present"
    }
    guard let command = task.command ?? task.executor?.command else { return "Task has no 'command'" }
    if command.isShell && (command.value ?? "").isEmpty { return "Task's shell command is empty" }
    if !command.isShell && (command.value ?? "").isEmpty && task.container?.imageName == nil {
        return "Task's command has no executable 'value'"
    }
    if resources.isEmpty { return "Task uses no resources" }
    if !context.remaining.contains(resources) {
        return "Task uses more resources (\(resources)) than available in the accepted offers (\(context.remaining))"
    }
    guard context.agentConnected else { return "Agent '\(context.agentID)' is not connected" }
    return nil
}

/// Why a task's custom executor cannot run, or nil when it can: a command executor with its own id, one task each.
func executorProblem(_ executor: ExecutorInfo, in context: LaunchContext) -> String? {
    let id = executor.executorID.value
    if id.isEmpty { return "Executor ID must not be empty" }
    if id.contains("/") { return "Executor ID '\(id)' must not contain '/'" }
    if id == "." || id == ".." { return "Executor ID must not be '.' or '..'" }
    if executor.type == .default {
        return "The DEFAULT executor (task groups, LAUNCH_GROUP) is not implemented; give a CUSTOM executor a 'command'"
    }
    if executor.command == nil { return "Executor '\(id)' has no 'command'" }
    if let problem = urisProblem(executor.command?.uris ?? []) { return problem }
    if context.executorInUse {
        return "Executor '\(id)' already runs a task on agent '\(context.agentID)': Agora runs one task per executor"
    }
    return nil
}

/// Why the fetcher cannot put `uris` into a sandbox, or nil when it can.
func urisProblem(_ uris: [CommandInfo.URI]) -> String? {
    uris.lazy.compactMap(\.fetchProblem).first
}
