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
            if let problem = unsupportedProblem(call, role: framework.role) {
                throw CallRejection(status: .badRequest, message: problem)
            }
            if let agentID = call.message?.agentID ?? call.shutdown?.agentID, core.agents[agentID]?.isConnected != true {
                throw CallRejection(status: .badRequest, message: "Agent '\(agentID)' is not connected: nothing can reach its executors")
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
        default: nil
        }
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
        if let problem = unsupportedProblem(call, role: "") {
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
        run(.frameworkSubscribed(info, id: id, suppressedRoles: subscribe.suppressedRoles,
                                 streamID: UUID().uuidString.lowercased()),
            opening: (responder, responseFormat))
    }
}
