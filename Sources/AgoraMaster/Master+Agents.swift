import AgoraAuth
import AgoraHTTP
import AgoraRuntime
import AgoraWire

/// The largest call an agent's stream may carry, as the HTTP server's default body limit.
private let maxAgentCallBytes = 8 * 1024 * 1024

extension Master {
    /// `POST /api/v1/agent`: SUBSCRIBE opens the agent's event stream; UPDATE, PONG, MESSAGE and EXECUTOR_EXITED answer 202.
    /// A streamed request (`Content-Type: application/recordio`) carries SUBSCRIBE and then every call of the agent.
    func handleAgentCall(_ request: HTTPRequest, _ responder: HTTPResponder) {
        if let body = responder.requestBody { return handleAgentStream(request, body, responder) }
        do {
            let principal = try principal(of: request, required: options.authenticateAgents)
            let format = try request.wireFormat()
            let call = try request.decode(AgentCall.self, as: format)
            if call.type == .subscribe {
                return try subscribeAgent(call, ip: request.peer?.host, principal: principal, opening: (responder, format))
            }
            try dispatch(call)
            responder.send(HTTPResponse(status: .accepted))
        } catch {
            answer(error, responder)
        }
    }

    /// One connection per agent: the agent's calls come as RecordIO records in the body of its subscribe request
    /// (`Message-Content-Type` their encoding), SUBSCRIBE first, while its events go out on the response. A record
    /// that cannot be decoded or a call that is refused ends the stream (its answer cannot follow the events already
    /// sent): it is logged and counted, and the agent subscribes again. The agent ending its body leaves too.
    private func handleAgentStream(_ request: HTTPRequest, _ body: HTTPRequestBody, _ responder: HTTPResponder) {
        let principal: String?
        let format: WireFormat
        do {
            principal = try self.principal(of: request, required: options.authenticateAgents)
            guard let type = request.headers["Message-Content-Type"], let known = WireFormat(contentType: type) else {
                throw CallRejection(status: .unsupportedMediaType,
                                    message: "Expecting 'Message-Content-Type' of application/json or application/x-protobuf")
            }
            format = known
        } catch {
            return answer(error, responder)
        }
        let reader = AgentStreamReader(master: self, responder: responder, format: format, principal: principal,
                                       peer: request.peer)
        body.onData = { bytes in reader.read(bytes) }
        body.onEnd = { _ in reader.ended() }
    }

    /// The calls of one record of an agent's stream: SUBSCRIBE must come first, and only once.
    fileprivate func agentStreamCall(_ call: AgentCall, subscribed: inout Bool, reader: AgentStreamReader) throws {
        if !subscribed {
            guard call.type == .subscribe else {
                throw CallRejection(status: .badRequest, message: "Expecting the first call of an agent's stream to be SUBSCRIBE")
            }
            subscribed = true
            try subscribeAgent(call, ip: reader.peer?.host, principal: reader.principal, opening: (reader.responder, reader.format))
        } else if call.type == .subscribe {
            throw CallRejection(status: .badRequest, message: "SUBSCRIBE is only the first call of an agent's stream")
        } else {
            try dispatch(call)
        }
    }

    /// A refused record or call ends the agent's stream: answered if nothing was sent yet, else logged and closed.
    fileprivate func endAgentStream(_ error: any Error, reader: AgentStreamReader) {
        let responder = reader.responder
        let streaming = responder.hasResponded
        answer(error, responder)
        guard streaming else { return }
        let reason = (error as? CallRejection)?.message ?? (error as? AuthRejection)?.message ?? "\(error)"
        logger.warning("closed the stream of the agent at \(reader.peer?.description ?? "?"): \(reason)")
        responder.closeConnection()
    }

    /// SUBSCRIBE: admits the agent (its id's token checked) and opens its event stream on `subscriber`.
    private func subscribeAgent(_ call: AgentCall, ip: String?, principal: String?, opening subscriber: Subscriber) throws {
        let subscribe = try present(call.subscribe, "subscribe")
        try validatePorts(subscribe.agentInfo.resources, field: "subscribe.agent_info.resources")
        let id = call.agentID ?? subscribe.agentInfo.id
        if let id, core.goneAgents.contains(id) {
            throw AuthRejection.forbidden("Agent '\(id)' was marked gone; start it with a fresh work directory")
        }
        let token = try agentToken(for: id, presented: call.token, principal: principal)
        run(.agentSubscribed(subscribe, id: id, token: token, principal: principal, ip: ip), opening: subscriber)
    }

    /// Every call but SUBSCRIBE, from a connected agent presenting its token.
    private func dispatch(_ call: AgentCall) throws {
        switch call.type {
        case .subscribe?:
            throw CallRejection(status: .badRequest, message: "SUBSCRIBE opens the agent's stream")
        case .update?:
            let update = try present(call.update, "update")
            run(.statusUpdate(update, from: try connectedAgent(call.agentID, token: call.token).id))
        case .pong?:
            run(.pong(try connectedAgent(call.agentID, token: call.token).id))
        case .message?:
            let message = try present(call.message, "message")
            run(.executorMessage(message, from: try connectedAgent(call.agentID, token: call.token).id))
        case .executorExited?:
            let exited = try present(call.executorExited, "executor_exited")
            run(.executorExited(exited, from: try connectedAgent(call.agentID, token: call.token).id))
        case .unknown?, nil:
            throw CallRejection(status: .badRequest, message: "Expecting 'type' to be present")
        }
    }

    /// The call's payload for its type, or a 400 naming the missing field.
    private func present<Payload>(_ payload: Payload?, _ field: String) throws(CallRejection) -> Payload {
        guard let payload else { throw CallRejection(status: .badRequest, message: "Expecting '\(field)' to be present") }
        return payload
    }

    /// The secret that binds agent `id` to the agent holding it: a known id must present its token (and, when agents
    /// authenticate, come from the same principal); a new id, or one registered before tokens existed, gets one.
    private func agentToken(for id: AgentID?, presented: String?, principal: String?) throws -> AgentToken {
        let stored: (token: String, principal: String?)?
        do {
            stored = try id.flatMap(registrar.token(of:))
        } catch {
            // Without the registry, an id's owner cannot be told from a stranger: refuse rather than hand out a token.
            throw CallRejection(status: .serviceUnavailable, message: "Cannot read the registry: \(error)")
        }
        if let id, let stored {
            guard let token = AgentToken(stored.token) else {
                throw CallRejection(status: .serviceUnavailable, message: "The registry holds a malformed token for agent '\(id)'")
            }
            guard let presented = presented.flatMap(AgentToken.init), token.matches(presented) else {
                throw AuthRejection.forbidden("Agent '\(id)' is registered to another agent: its token is missing or wrong")
            }
            guard !options.authenticateAgents || stored.principal == principal else {
                throw AuthRejection.forbidden("Agent '\(id)' is registered by another principal")
            }
            return token
        }
        return AgentToken.random()
    }

    /// Port resources must be TCP/UDP port numbers (1-65535); other range resources are free-form.
    private func validatePorts(_ resources: [Resource], field: String) throws(CallRejection) {
        for (index, resource) in resources.enumerated() where resource.name == "ports" {
            for range in resource.ranges?.range ?? [] where range.begin < 1 || range.end > 65535 {
                throw CallRejection(status: .badRequest, message:
                    "Invalid \(field)[\(index)].ranges: ports must be between 1 and 65535 (got \(range.begin)-\(range.end))")
            }
        }
    }

    private func connectedAgent(_ id: AgentID?, token: String?) throws -> AgentRecord {
        guard let id else { throw CallRejection(status: .badRequest, message: "Expecting 'agent_id' to be present") }
        guard let agent = core.agents[id], agent.isConnected else {
            throw CallRejection(status: .forbidden, message: "Agent '\(id)' is not registered")
        }
        guard let presented = token.flatMap(AgentToken.init), agent.token?.matches(presented) == true else {
            throw AuthRejection.forbidden("Call for agent '\(id)' without its token")
        }
        return agent
    }
}

/// What an agent's stream keeps while it is open: its record decoder, whether SUBSCRIBE came, and what the request
/// said. One object per agent: the master holds ten thousand of them, so not a closure context plus a box for each
/// variable it would capture.
private final class AgentStreamReader {
    private weak var master: Master?
    unowned let responder: HTTPResponder
    let principal: String?
    let peer: SocketAddress?
    private var decoder = RecordIODecoder(maxRecordBytes: maxAgentCallBytes)
    // The one-byte fields last and together (an object in a 16-byte smaller size class).
    let format: WireFormat
    private var subscribed = false
    /// Set by the first refused record: what follows on the stream is not read.
    private var stopped = false

    init(master: Master, responder: HTTPResponder, format: WireFormat, principal: String?, peer: SocketAddress?) {
        self.master = master
        self.responder = responder
        self.format = format
        self.principal = principal
        self.peer = peer
    }

    /// A piece of the stream's body: each complete record is a call.
    func read(_ bytes: [UInt8]) {
        guard !stopped, let master else { return }
        do {
            let records: [[UInt8]]
            do {
                records = try decoder.feed(bytes)
            } catch {
                throw CallRejection(status: .badRequest, message: "\(error)")
            }
            for record in records {
                let call: AgentCall
                do {
                    call = try AgentCall(decoding: record, as: format)
                } catch {
                    throw CallRejection(status: .badRequest, message: "Failed to parse body into \(AgentCall.protoName): \(error)")
                }
                try master.agentStreamCall(call, subscribed: &subscribed, reader: self)
            }
        } catch {
            stopped = true
            master.endAgentStream(error, reader: self)
        }
    }

    /// The agent ended its body (or its connection went): the stream closes.
    func ended() { responder.closeConnection() }
}
