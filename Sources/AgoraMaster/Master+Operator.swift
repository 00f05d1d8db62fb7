import AgoraHTTP
import AgoraWire

extension Master {
    /// `POST /tasks/kill` with `{"task_id": "…", "framework_id": "…"}` (framework optional):
    /// an operator's kill, carried out as the framework's own KILL would be.
    func operatorKill(_ request: HTTPRequest) -> HTTPResponse {
        guard let body = try? JSONValue.parse(request.body), case .string(let taskText)? = body["task_id"],
              !taskText.isEmpty else {
            return .error(.badRequest, "Expecting a JSON body with 'task_id'")
        }
        let taskID = TaskID(taskText)
        var owners = frameworks.values.filter { $0.tasks[taskID] != nil }
        if case .string(let framework)? = body["framework_id"] {
            owners = owners.filter { $0.id.value == framework }
        }
        guard let owner = owners.first else { return .error(.notFound, "No running task '\(taskID)'") }
        guard owners.count == 1 else {
            return .error(.conflict, "Task id '\(taskID)' is used by \(owners.count) frameworks; give 'framework_id'")
        }
        kill(SchedulerCall.Kill(taskID: taskID), framework: owner)
        let answer = JSONValue.object([("task_id", .string(taskText)), ("framework_id", .string(owner.id.value))])
        return HTTPResponse(status: .accepted, headers: ["Content-Type": "application/json"], body: answer.serialized())
    }
}
