import AgoraWire

/// Why Agora cannot carry out `call` as asked, naming the call, operation or field it does not implement; nil when
/// it can. Nothing a framework sends is accepted and then ignored.
func unsupportedProblem(_ call: SchedulerCall, role: String) -> String? {
    switch call.type {
    case .request?:
        return "REQUEST is not implemented: resources come only as offers"
    case .acceptInverseOffers?, .declineInverseOffers?:
        return "\(call.type!.rawValue) is not implemented: Agora sends no inverse offers"
    case .acknowledgeOperationStatus?, .reconcileOperations?:
        return "\(call.type!.rawValue) is not implemented: Agora performs no offer operations with status updates "
            + "(only LAUNCH)"
    case .accept?:
        let kinds = call.accept?.operations.map { $0.type ?? .unknown } ?? []
        if let other = kinds.first(where: { $0 != .launch }) {
            return "Offer operation \(other.rawValue) is not implemented: Agora performs LAUNCH only"
        }
        return nil
    case .revive?, .suppress?:
        let roles = call.revive?.roles ?? call.suppress?.roles ?? []
        if let other = roles.first(where: { $0 != role }) {
            return "Role '\(other)' is not this framework's role '\(role)'"
        }
        return nil
    case .subscribe?:
        let roles = call.subscribe?.frameworkInfo.roles ?? []
        if roles.count > 1 {
            return "Multi-role frameworks are not implemented: subscribe with one role (got \(roles.count) roles)"
        }
        return nil
    case .teardown?, .decline?, .kill?, .acknowledge?, .reconcile?, .message?, .shutdown?, .updateFramework?, .unknown?, nil:
        return nil
    }
}
