import AgoraAuth
import AgoraHTTP

extension Master {
    /// Every route the master serves.
    func installRoutes(_ router: Router) {
        router.add(.post, "/api/v1/scheduler") { [unowned self] request, responder in
            self.handleSchedulerCall(request, responder)
        }
        router.add(.post, "/api/v1/agent") { [unowned self] request, responder in
            self.handleAgentCall(request, responder)
        }
        router.acceptStreamedBodies(on: "/api/v1/agent")
        router.add(.get, "/state") { [unowned self] _ in
            HTTPResponse(status: .ok, headers: ["Content-Type": "application/json"], body: self.stateJSON().serialized())
        }
        router.add(.get, "/metrics") { [unowned self] _ in self.prometheusMetrics().response }
        router.add(.post, "/tasks/kill") { [unowned self] request, responder in
            self.asOperator(request, responder) { principal throws(AuthRejection) in try self.operatorKill(request, principal: principal) }
        }
        router.add(.post, "/api/v1") { [unowned self] request, responder in
            self.asOperator(request, responder) { principal throws(AuthRejection) in try self.operatorCall(request, principal: principal) }
        }
        router.add(.post, "/teardown") { [unowned self] request, responder in
            self.asOperator(request, responder) { principal throws(AuthRejection) in try self.operatorTeardown(request, principal: principal) }
        }
        router.add(.get, "/openapi.json") { _ in HTTPResponse(status: .ok, contentType: "application/json", body: MasterOpenAPI.document) }
        router.add(.get, "/health") { _ in HTTPResponse(status: .ok, contentType: "text/plain", body: "OK\n") }
        router.add(.get, "/version") { _ in
            HTTPResponse(status: .ok, contentType: "application/json",
                         body: "{\"version\":\"\(agoraVersion)\",\"build_user\":\"agora\"}")
        }
    }
}
