import AgoraWire

/// Why Agora cannot carry out `call` as asked, naming the call, operation or field it does not implement; nil when
/// it can. Nothing a framework sends is accepted and then ignored.
func unsupportedProblem(_ call: SchedulerCall, roles: [String]) -> String? {
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
        let asked = call.revive?.roles ?? call.suppress?.roles ?? []
        if let other = asked.first(where: { !roles.contains($0) }) {
            return "Role '\(other)' is not one of this framework's roles (\(roles.joined(separator: ", ")))"
        }
        return nil
    case .subscribe?:
        guard let subscribe = call.subscribe else { return nil }
        return rolesProblem(subscribe.frameworkInfo, suppressed: subscribe.suppressedRoles)
    case .updateFramework?:
        if call.updateFramework?.offerConstraints != nil {
            return "UPDATE_FRAMEWORK's offer_constraints are not implemented: leave them out"
        }
        return nil
    case .teardown?, .decline?, .kill?, .acknowledge?, .reconcile?, .message?, .shutdown?, .unknown?, nil:
        return nil
    }
}

/// Why a FrameworkInfo's roles cannot be used, or nil: several roles (`roles`) need the MULTI_ROLE capability, as in
/// Mesos, and exclude `role`; none may repeat; suppressed roles must be among them.
func rolesProblem(_ info: FrameworkInfo, suppressed: [String]) -> String? {
    let multiRole = info.capabilities.contains { $0.type == .multiRole }
    if !info.roles.isEmpty && !multiRole {
        return "'framework_info.roles' needs the MULTI_ROLE capability (without it, give one 'role')"
    }
    if !info.roles.isEmpty && info.role != nil { return "Give 'framework_info.roles' or 'framework_info.role', not both" }
    if Set(info.roles).count != info.roles.count { return "'framework_info.roles' lists a role twice" }
    if let bad = info.roles.first(where: { $0.isEmpty || $0 == "." || $0 == ".." || $0.contains(where: \.isWhitespace) }) {
        return "Role '\(bad)' is not a valid role name"
    }
    let roles = info.roles.isEmpty ? [info.role ?? "*"] : info.roles
    if let other = suppressed.first(where: { !roles.contains($0) }) {
        return "Suppressed role '\(other)' is not one of the framework's roles (\(roles.joined(separator: ", ")))"
    }
    return nil
}
