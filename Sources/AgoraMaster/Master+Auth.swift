import AgoraAuth
import AgoraHTTP
import AgoraRuntime
import AgoraWire

extension Master {
    /// Who is calling: the authenticated principal when `required` (nil when that kind of caller is not
    /// authenticated); a missing or wrong credential is a 401.
    func principal(of request: HTTPRequest, required: Bool) throws(AuthRejection) -> String? {
        guard required else { return nil }
        return try HTTPAuthenticator(credentials: options.credentials).principal(of: request)
    }

    /// A timer that could not be armed: logged and counted in `/metrics`.
    func timerFailed(_ error: RuntimeError) {
        core.metrics.timerFailures += 1
        logger.critical("cannot arm a timer: \(error)")
    }

    /// Answers a refused request and counts it in `/metrics`.
    func refuse(_ rejection: AuthRejection, _ responder: HTTPResponder) {
        core.metrics.authFailures[rejection.kind, default: 0] += 1
        logger.warning("refused a request: \(rejection.kind)")
        responder.send(rejection.response)
    }

    /// The principal a subscribing framework is registered under, after checking it may use `id` and its roles.
    func admitFramework(_ info: inout FrameworkInfo, id: FrameworkID, principal: String?) throws(AuthRejection) {
        if options.authenticateFrameworks {
            if let claimed = info.principal, claimed != principal {
                throw .forbidden("framework_info.principal '\(claimed)' is not the authenticated principal '\(principal ?? "")'")
            }
            info.principal = principal
            if let existing = core.frameworks[id], existing.info.principal != principal {
                throw .forbidden("Framework '\(id)' is registered by another principal")
            }
        }
        let roles = info.roles.isEmpty ? [info.role ?? "*"] : info.roles
        for role in roles where !options.acls.allows(info.principal, .registerFrameworks, role) {
            throw .forbidden("Principal '\(info.principal ?? "")' may not register frameworks in role '\(role)'")
        }
    }

    /// A call about an existing framework must come from the principal that registered it.
    func checkOwner(of framework: FrameworkRecord, principal: String?) throws(AuthRejection) {
        guard options.authenticateFrameworks, framework.info.principal != principal else { return }
        throw .forbidden("Framework '\(framework.id)' is registered by another principal")
    }

}
