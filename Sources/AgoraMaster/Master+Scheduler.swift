import AgoraAuth
import AgoraHTTP
import AgoraWire
import Foundation

extension Master {
    /// `POST /api/v1/scheduler`: SUBSCRIBE opens the event stream; every other call answers 202.
    func handleSchedulerCall(_ request: HTTPRequest, _ responder: HTTPResponder) {
        do {
            let principal = try principal(of: request, required: options.authenticateFrameworks)
            let format = try request.wireFormat()
            let call = try request.decode(SchedulerCall.self, as: format)
            guard let type = call.type, type != .unknown else {
                throw CallRejection(status: .badRequest, message: "Expecting 'type' to be present")
            }
            if type == .subscribe {
                try subscribe(call, principal: principal, request: request, format: format, responder: responder)
                return
            }
            let framework = try subscribedFramework(for: call, request: request)
            try checkOwner(of: framework, principal: principal)
            if let missing = missingPayload(of: call, type: type) {
                throw CallRejection(status: .badRequest, message: "Expecting '\(missing)' to be present")
            }
            if let problem = unsupportedProblem(call, roles: framework.roles) {
                throw CallRejection(status: .badRequest, message: problem)
            }
            if let agentID = call.message?.agentID ?? call.shutdown?.agentID, core.agents[agentID]?.isConnected != true {
                throw CallRejection(status: .badRequest, message: "Agent '\(agentID)' is not connected: nothing can reach its executors")
            }
            if let update = call.updateFramework {
                var info = update.frameworkInfo
                try checkUpdate(&info, suppressing: update.suppressedRoles, of: framework, principal: principal)
                run(.frameworkUpdated(framework.id, info, suppressedRoles: update.suppressedRoles))
                return responder.send(HTTPResponse(status: .ok))
            }
            run(.schedulerCall(framework.id, call))
            responder.send(HTTPResponse(status: .accepted))
        } catch {
            answer(error, responder)
        }
    }

    /// The one place a refused call becomes an HTTP answer (and a count in `/metrics`).
    func answer(_ error: Error, _ responder: HTTPResponder) {
        switch error {
        case let rejection as AuthRejection:
            refuse(rejection, responder)
        case let rejection as CallRejection:
            core.metrics.invalidCalls += 1
            responder.send(rejection.response)
        default:
            responder.send(.error(.internalServerError, "\(error)"))
        }
    }

    /// The field a call of `type` must carry and does not, if any.
    private func missingPayload(of call: SchedulerCall, type: SchedulerCall.Kind) -> String? {
        switch type {
        case .accept: call.accept == nil ? "accept" : nil
        case .decline: call.decline == nil ? "decline" : nil
        case .kill: call.kill == nil ? "kill" : nil
        case .acknowledge: call.acknowledge == nil ? "acknowledge" : nil
        case .reconcile: call.reconcile == nil ? "reconcile" : nil
        case .message: call.message == nil ? "message" : nil
        case .shutdown: call.shutdown == nil ? "shutdown" : nil
        case .updateFramework: call.updateFramework == nil ? "update_framework" : nil
        default: nil
        }
    }

    /// UPDATE_FRAMEWORK may change everything but the user, the principal and checkpointing, as in Mesos; a role
    /// can be left only once the framework has no live task in it.
    private func checkUpdate(_ info: inout FrameworkInfo, suppressing suppressed: [String], of framework: FrameworkRecord,
                             principal: String?) throws {
        func refuse(_ message: String) -> CallRejection { CallRejection(status: .badRequest, message: message) }
        if let id = info.id, id != framework.id { throw refuse("'update_framework.framework_info.id' differs from 'framework_id'") }
        info.id = framework.id
        if info.user != framework.info.user { throw refuse("'framework_info.user' cannot be changed by UPDATE_FRAMEWORK") }
        if (info.checkpoint ?? false) != (framework.info.checkpoint ?? false) {
            throw refuse("'framework_info.checkpoint' cannot be changed by UPDATE_FRAMEWORK")
        }
        if let claimed = info.principal, claimed != framework.info.principal {
            throw refuse("'framework_info.principal' cannot be changed by UPDATE_FRAMEWORK")
        }
        info.principal = framework.info.principal
        if let problem = rolesProblem(info, suppressed: suppressed) { throw refuse(problem) }
        if let role = rolesLeftWithTasks(info, framework: framework) {
            throw refuse("Role '\(role)' still has live tasks of this framework: it cannot be left")
        }
        try admitFramework(&info, id: framework.id, principal: principal)
    }

    /// A role the framework holds live tasks in that `info` no longer lists, if any.
    private func rolesLeftWithTasks(_ info: FrameworkInfo, framework: FrameworkRecord) -> String? {
        let kept = info.roles.isEmpty ? [info.role ?? "*"] : info.roles
        return framework.tasks.values.lazy.filter { !$0.state.isTerminal }.map { $0.role ?? framework.role }
            .first { !kept.contains($0) }
    }

    private func subscribedFramework(for call: SchedulerCall, request: HTTPRequest) throws -> FrameworkRecord {
        guard let id = call.frameworkID else {
            throw CallRejection(status: .badRequest, message: "Expecting 'framework_id' to be present")
        }
        guard let framework = core.frameworks[id], framework.isConnected else {
            throw CallRejection(status: .forbidden, message: "Framework '\(id)' is not subscribed")
        }
        guard let streamID = request.headers["Mesos-Stream-Id"] else {
            throw CallRejection(status: .badRequest,
                                message: "All non-subscribe calls should include the 'Mesos-Stream-Id' header")
        }
        guard streamID == framework.streamID else {
            throw CallRejection(
                status: .badRequest,
                message: "The stream ID '\(streamID)' included in this request didn't match the stream ID currently "
                    + "associated with framework ID '\(id)'")
        }
        return framework
    }

    private func subscribe(
        _ call: SchedulerCall, principal: String?, request: HTTPRequest, format: WireFormat, responder: HTTPResponder
    ) throws {
        guard let subscribe = call.subscribe else {
            throw CallRejection(status: .badRequest, message: "Expecting 'subscribe' to be present")
        }
        if let problem = unsupportedProblem(call, roles: []) {
            throw CallRejection(status: .badRequest, message: problem)
        }
        var info = subscribe.frameworkInfo
        if let callID = call.frameworkID, let infoID = info.id, callID != infoID {
            throw CallRejection(status: .badRequest,
                                message: "'framework_id' differs from 'subscribe.framework_info.id'")
        }
        let responseFormat = try request.responseFormat(default: format)
        let id = info.id ?? call.frameworkID ?? FrameworkID(core.nextID(""))
        info.id = id
        try admitFramework(&info, id: id, principal: principal)
        if let existing = core.frameworks[id], let role = rolesLeftWithTasks(info, framework: existing) {
            throw CallRejection(status: .badRequest, message: "Role '\(role)' still has live tasks of this framework: it cannot be left")
        }
        run(.frameworkSubscribed(info, id: id, suppressedRoles: subscribe.suppressedRoles,
                                 streamID: UUID().uuidString.lowercased()),
            opening: (responder, responseFormat))
    }
}
