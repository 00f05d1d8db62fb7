import AgoraAllocator
import AgoraResources
import AgoraAuth
import AgoraHTTP
import AgoraRuntime
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
            try dispatch(call, type: type, framework: framework)
            responder.send(HTTPResponse(status: .accepted))
        } catch let rejection as AuthRejection {
            refuse(rejection, responder)
        } catch let rejection as CallRejection {
            metrics.invalidCalls += 1
            responder.send(rejection.response)
        } catch {
            responder.send(.error(.internalServerError, "\(error)"))
        }
    }

    private func subscribedFramework(for call: SchedulerCall, request: HTTPRequest) throws -> FrameworkRecord {
        guard let id = call.frameworkID else {
            throw CallRejection(status: .badRequest, message: "Expecting 'framework_id' to be present")
        }
        guard let framework = frameworks[id], framework.isConnected else {
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

    private func dispatch(_ call: SchedulerCall, type: SchedulerCall.Kind, framework: FrameworkRecord) throws {
        func require<T>(_ value: T?, _ name: String) throws -> T {
            guard let value else { throw CallRejection(status: .badRequest, message: "Expecting '\(name)' to be present") }
            return value
        }
        switch type {
        case .teardown:
            teardown(framework, reason: "framework asked to be torn down")
        case .accept:
            accept(try require(call.accept, "accept"), framework: framework)
        case .decline:
            let decline = try require(call.decline, "decline")
            for offerID in decline.offerIDs {
                guard let offer = takeOffer(offerID, of: framework) else { continue }
                metrics.offersDeclined += 1
                allocator.recover(offer.resources, framework: framework.id, agent: offer.agentID,
                                  refuseSeconds: decline.filters?.effectiveRefuseSeconds ?? 5, now: now)
            }
            requestAllocation()
        case .revive:
            allocator.revive(framework.id)
            requestAllocation()
        case .suppress:
            allocator.suppress(framework.id)
        case .kill:
            kill(try require(call.kill, "kill"), framework: framework)
        case .acknowledge:
            acknowledge(try require(call.acknowledge, "acknowledge"), framework: framework)
        case .reconcile:
            reconcile(try require(call.reconcile, "reconcile"), framework: framework)
        case .message, .shutdown, .request, .acceptInverseOffers, .declineInverseOffers, .acknowledgeOperationStatus,
             .reconcileOperations, .updateFramework, .subscribe, .unknown:
            // Accepted and ignored, as Mesos does for calls without an effect here.
            break
        }
    }

    private func subscribe(
        _ call: SchedulerCall, principal: String?, request: HTTPRequest, format: WireFormat, responder: HTTPResponder
    ) throws {
        guard let subscribe = call.subscribe else {
            throw CallRejection(status: .badRequest, message: "Expecting 'subscribe' to be present")
        }
        var info = subscribe.frameworkInfo
        if let callID = call.frameworkID, let infoID = info.id, callID != infoID {
            throw CallRejection(status: .badRequest,
                                message: "'framework_id' differs from 'subscribe.framework_info.id'")
        }
        let responseFormat = try request.responseFormat(default: format)
        let id = info.id ?? call.frameworkID ?? FrameworkID(nextID(""))
        info.id = id
        try admitFramework(&info, id: id, principal: principal)

        let framework: FrameworkRecord
        if let existing = frameworks[id] {
            framework = existing
            if let old = existing.stream {
                old.send(SchedulerEvent(type: .error, error: .init(message: "Framework failed over")))
                old.close()
            }
            existing.failoverTimer?.close()
            existing.failoverTimer = nil
            existing.info = info
            registrar.admit(info, id: id)
            logger.info("framework \(id) (\(info.name)) resubscribed")
        } else {
            framework = FrameworkRecord(id: id, info: info, registeredTime: now)
            frameworks[id] = framework
            allocator.addFramework(id, role: framework.role)
            registrar.admit(info, id: id)
            logger.info("framework \(id) (\(info.name)) subscribed with role \(framework.role)")
        }
        allocator.setFrameworkActive(id, true)
        for role in subscribe.suppressedRoles where role == framework.role { allocator.suppress(id) }

        let streamID = UUID().uuidString.lowercased()
        framework.streamID = streamID
        let stream = EventStream(
            stream: responder.startStream(status: .ok, headers: [
                "Content-Type": responseFormat.contentType, "Mesos-Stream-Id": streamID, "Cache-Control": "no-cache",
            ]),
            format: responseFormat, logger: logger)
        framework.stream = stream
        stream.onClose = { [weak self, weak framework] in
            guard let self, let framework, framework.streamID == streamID else { return }
            self.frameworkDisconnected(framework)
        }
        stream.send(SchedulerEvent(type: .subscribed, subscribed: .init(
            frameworkID: id, heartbeatIntervalSeconds: options.heartbeatInterval.seconds, masterInfo: masterInfo)))
        requestAllocation()
    }

    var masterInfo: MasterInfo {
        MasterInfo(id: masterID, ip: 0, port: UInt32(address.port), pid: "master@\(address)",
                   hostname: options.hostname, version: agoraVersion,
                   address: Address(hostname: options.hostname, ip: address.host, port: Int32(address.port)))
    }

    /// The stream dropped: offers go back; tasks stay until `failover_timeout` runs out.
    private func frameworkDisconnected(_ framework: FrameworkRecord) {
        framework.stream = nil
        allocator.setFrameworkActive(framework.id, false)
        rescindOffers(of: framework, notify: false)
        logger.info("framework \(framework.id) disconnected; failover timeout \(framework.info.failoverTimeout ?? 0)s")
        startFailoverTimer(framework)
        requestAllocation()
    }

    /// Tears the framework down unless it resubscribes within its `failover_timeout`.
    func startFailoverTimer(_ framework: FrameworkRecord) {
        let timeout = max(framework.info.failoverTimeout ?? 0, 0)
        framework.failoverTimer = loop.schedule(after: Bounds.duration(seconds: timeout), orReport: timerFailed) { [weak self, weak framework] in
            guard let self, let framework, !framework.isConnected else { return }
            self.teardown(framework, reason: "failover timeout elapsed")
        }
    }

    /// Removes a framework: its offers are rescinded, its tasks killed on their agents.
    func teardown(_ framework: FrameworkRecord, reason: String) {
        logger.info("tearing down framework \(framework.id): \(reason)")
        framework.failoverTimer?.close()
        framework.failoverTimer = nil
        rescindOffers(of: framework, notify: false)
        var notified = Set<AgentID>()
        for task in framework.tasks.values {
            agents[task.agentID]?.tasks.remove(task.key)
            if notified.insert(task.agentID).inserted {
                agents[task.agentID]?.stream?.send(AgentEvent(
                    type: .shutdownFramework, shutdownFramework: .init(frameworkID: framework.id)))
            }
            framework.remember(completed: task)
        }
        framework.tasks.removeAll()
        allocator.removeFramework(framework.id)
        registrar.remove(framework: framework.id)
        frameworks[framework.id] = nil
        framework.stream?.close()
        framework.stream = nil
        completedFrameworks.append(framework)
        if completedFrameworks.count > 100 { completedFrameworks.removeFirst() }
        requestAllocation()
    }
}
