import AgoraAuth
import AgoraHTTP
import AgoraWire

extension Master {
    /// Runs an operator endpoint for the authenticated principal (when `--authenticate-http`), or refuses it.
    func asOperator(_ request: HTTPRequest, _ responder: HTTPResponder, _ handle: (String?) throws(AuthRejection) -> HTTPResponse) {
        do {
            let principal = try principal(of: request, required: options.authenticateHTTP)
            responder.send(try handle(principal))
        } catch {
            refuse(error, responder)
        }
    }

    /// `POST /teardown` with `frameworkId=…` (form or query, as Mesos): removes the framework and kills its tasks.
    func operatorTeardown(_ request: HTTPRequest, principal: String?) throws(AuthRejection) -> HTTPResponse {
        let form = String(decoding: request.body, as: UTF8.self).split(separator: "&").compactMap { pair -> (String, String)? in
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
            return parts.count == 2 ? (parts[0], parts[1]) : nil
        }
        guard let text = form.first(where: { $0.0 == "frameworkId" })?.1 ?? request.queryValue("frameworkId"), !text.isEmpty else {
            return .error(.badRequest, "Expecting 'frameworkId' to be present")
        }
        guard let framework = core.frameworks[FrameworkID(text)] else { return .error(.badRequest, "No framework found with specified ID") }
        guard options.acls.allows(principal, .teardownFrameworks, framework.info.principal) else {
            throw .forbidden("Principal '\(principal ?? "")' may not tear down frameworks of '\(framework.info.principal ?? "")'")
        }
        run(.teardown(framework.id, reason: "operator asked for it"))
        return HTTPResponse(status: .ok)
    }

    /// `POST /api/v1`, Mesos' operator API in JSON: `MARK_AGENT_GONE` only; every other call is refused by name.
    func operatorCall(_ request: HTTPRequest, principal: String?) throws(AuthRejection) -> HTTPResponse {
        guard let body = try? JSONValue.parse(request.body), case .string(let type)? = body["type"] else {
            return .error(.badRequest, "Expecting a JSON body with 'type'")
        }
        guard type == "MARK_AGENT_GONE" else {
            return .error(.badRequest, "Operator call \(type) is not implemented; MARK_AGENT_GONE is")
        }
        guard case .string(let text)? = body["mark_agent_gone"]?["agent_id"]?["value"], !text.isEmpty else {
            return .error(.badRequest, "Expecting 'mark_agent_gone.agent_id.value'")
        }
        let id = AgentID(text)
        guard options.acls.allows(principal, .markAgentsGone, nil) else {
            throw .forbidden("Principal '\(principal ?? "")' may not mark agents gone")
        }
        guard !core.goneAgents.contains(id) else { return HTTPResponse(status: .ok) }
        guard core.agents[id] != nil || core.unreachableAgents[id] != nil || core.recoveredAgents[id] != nil else {
            return .error(.notFound, "Agent '\(id)' is not known")
        }
        run(.markAgentGone(id))
        return HTTPResponse(status: .ok)
    }

    /// `POST /tasks/kill` with `{"task_id": "…", "framework_id": "…"}` (framework optional):
    /// an operator's kill, carried out as the framework's own KILL would be.
    func operatorKill(_ request: HTTPRequest, principal: String?) throws(AuthRejection) -> HTTPResponse {
        guard let body = try? JSONValue.parse(request.body), case .string(let taskText)? = body["task_id"],
              !taskText.isEmpty else {
            return .error(.badRequest, "Expecting a JSON body with 'task_id'")
        }
        let taskID = TaskID(taskText)
        var owners = core.frameworks.values.filter { $0.tasks[taskID] != nil }
        if case .string(let framework)? = body["framework_id"] {
            owners = owners.filter { $0.id.value == framework }
        }
        guard let owner = owners.first else { return .error(.notFound, "No running task '\(taskID)'") }
        guard owners.count == 1 else {
            return .error(.conflict, "Task id '\(taskID)' is used by \(owners.count) frameworks; give 'framework_id'")
        }
        guard options.acls.allows(principal, .killTasks, owner.info.principal) else {
            throw .forbidden("Principal '\(principal ?? "")' may not kill tasks of '\(owner.info.principal ?? "")'")
        }
        run(.schedulerCall(owner.id, SchedulerCall(type: .kill, kill: .init(taskID: taskID))))
        let answer = JSONValue.object([("task_id", .string(taskText)), ("framework_id", .string(owner.id.value))])
        return HTTPResponse(status: .accepted, headers: ["Content-Type": "application/json"], body: answer.serialized())
    }
}
