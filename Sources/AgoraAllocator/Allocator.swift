import AgoraResources
import AgoraWire

/// Hierarchical Dominant Resource Fairness: agents' free resources go first to the role with the lowest
/// weighted dominant share, then within it to the framework with the lowest dominant share.
///
/// Pure bookkeeping with no I/O and no clock of its own: the master feeds it events and asks it to
/// `allocate(now:)`; time is whatever seconds value the caller passes. What it counts as allocated is
/// everything offered or in use, so offered + used never exceeds an agent's total.
public final class Allocator {
    /// Resources smaller than this on an agent are not worth offering (Mesos: `cpus:0.01|mem:32`).
    public var minimumCPUs = 0.01
    public var minimumMemory = 32.0

    private var agents: [AgentID: AgentEntry] = [:]
    private var agentOrder: [AgentID] = []
    private var frameworks: [FrameworkID: FrameworkEntry] = [:]
    private var roles: [String: RoleEntry] = [:]
    private var filters: [FrameworkID: [AgentID: RefusalFilter]] = [:]
    private var clusterTotal: [String: Double] = [:]
    private var rotation = 0

    public init() {}

    struct AgentEntry {
        var total: Resources
        var allocated = Resources()
        var byFramework: [FrameworkID: Resources] = [:]
        var active = true
        var free: Resources { total - allocated }
    }

    /// A class, so the allocation cycle's scan over frameworks copies one reference per framework, not its fields.
    final class FrameworkEntry {
        /// The roles it is subscribed to (one, or several for a MULTI_ROLE framework); offers are per role.
        var roles: [String]
        /// The entries of `roles`, in the same order (resolved once: an allocation cycle hashes no role name).
        var roleEntries: [RoleEntry]
        /// What it holds under each of its roles, in the same order (the roles' shares count these).
        var allocatedByRole: [[String: Double]]
        var active: Bool
        var suppressedRoles: Set<String> = []
        var allocated: [String: Double] = [:]
        var share = 0.0
        var firstRole: String { roles.first ?? "*" }

        init(roles: [String], entries: [RoleEntry], active: Bool) {
            self.roles = roles
            roleEntries = entries
            allocatedByRole = Array(repeating: [:], count: roles.count)
            self.active = active
        }
    }

    final class RoleEntry {
        var weight = 1.0
        var allocated: [String: Double] = [:]
        var share = 0.0
        var frameworks = 0
    }

    // MARK: Agents

    /// Adds an agent; `used` is what frameworks' tasks already hold there (an agent re-registering).
    public func addAgent(_ id: AgentID, total: Resources, used: [FrameworkID: Resources] = [:]) {
        if agents[id] != nil { removeAgent(id) }
        var entry = AgentEntry(total: total)
        for (framework, resources) in used where frameworks[framework] != nil {
            entry.allocated += resources
            entry.byFramework[framework, default: Resources()] += resources
        }
        agents[id] = entry
        agentOrder.append(id)
        for (name, amount) in total.quantities { clusterTotal[name, default: 0] += amount }
        for (framework, resources) in used {
            guard let role = frameworks[framework]?.firstRole else { continue }
            account(framework, role: role, plus: resources)
        }
        refreshShares()
    }

    /// Forgets an agent and whatever was allocated on it.
    public func removeAgent(_ id: AgentID) {
        guard let agent = agents.removeValue(forKey: id) else { return }
        agentOrder.removeAll { $0 == id }
        for (framework, resources) in agent.byFramework { accountAcrossRoles(framework, minus: resources) }
        for (name, amount) in agent.total.quantities {
            clusterTotal[name] = max(0, (clusterTotal[name] ?? 0) - amount)
        }
        for key in filters.keys { filters[key]?[id] = nil }
        refreshShares()
    }

    /// An inactive agent keeps its allocations but gets no new offers.
    public func setAgentActive(_ id: AgentID, _ active: Bool) {
        agents[id]?.active = active
    }

    // MARK: Frameworks

    public func addFramework(_ id: FrameworkID, role: String, active: Bool = true) {
        addFramework(id, roles: [role], active: active)
    }

    public func addFramework(_ id: FrameworkID, roles subscribed: [String], active: Bool = true) {
        if frameworks[id] != nil { return }
        let list = subscribed.isEmpty ? ["*"] : subscribed
        frameworks[id] = FrameworkEntry(roles: list, entries: list.map(join), active: active)
    }

    /// The entry of role `name` (made when new), counting one more framework in it.
    private func join(_ name: String) -> RoleEntry {
        let entry = roles[name] ?? RoleEntry()
        roles[name] = entry
        entry.frameworks += 1
        return entry
    }

    /// Changes the roles of a framework; a role it leaves must hold nothing of it any more (the caller recovers the
    /// offers of that role first and refuses the change while tasks live there).
    public func setRoles(_ id: FrameworkID, _ subscribed: [String]) {
        guard let framework = frameworks[id] else { return }
        let list = subscribed.isEmpty ? ["*"] : subscribed
        var entries: [RoleEntry] = []
        var held: [[String: Double]] = []
        for name in list {
            if let index = framework.roles.firstIndex(of: name) {
                entries.append(framework.roleEntries[index])
                held.append(framework.allocatedByRole[index])
            } else {
                entries.append(join(name))
                held.append([:])
            }
        }
        for (index, name) in framework.roles.enumerated() where !list.contains(name) {
            leave(name, framework.roleEntries[index], holding: framework.allocatedByRole[index])
            framework.suppressedRoles.remove(name)
        }
        framework.roles = list
        framework.roleEntries = entries
        framework.allocatedByRole = held
        refreshShares()
    }

    private func leave(_ name: String, _ role: RoleEntry, holding allocated: [String: Double]) {
        role.frameworks -= 1
        for (resource, amount) in allocated { role.allocated[resource, default: 0] -= amount }
        if role.frameworks == 0 && role.weight == 1 { roles[name] = nil }
    }

    /// Forgets a framework; the caller recovers its allocations first (or they vanish with it).
    public func removeFramework(_ id: FrameworkID) {
        guard let framework = frameworks.removeValue(forKey: id) else { return }
        for agentID in agents.keys {
            if let held = agents[agentID]?.byFramework.removeValue(forKey: id) {
                agents[agentID]?.allocated -= held
            }
        }
        for (index, name) in framework.roles.enumerated() {
            leave(name, framework.roleEntries[index], holding: framework.allocatedByRole[index])
        }
        filters[id] = nil
        refreshShares()
    }

    /// A disconnected framework is inactive: it keeps what it holds and gets no offers.
    public func setFrameworkActive(_ id: FrameworkID, _ active: Bool) {
        frameworks[id]?.active = active
    }

    /// Stops offers for `roles` of the framework (all of them when empty).
    public func suppress(_ id: FrameworkID, roles only: [String] = []) {
        guard let framework = frameworks[id] else { return }
        frameworks[id]?.suppressedRoles.formUnion(only.isEmpty ? framework.roles : only)
    }

    /// Sets exactly which roles of the framework are suppressed, without touching its refusal filters
    /// (SUBSCRIBE and UPDATE_FRAMEWORK).
    public func setSuppressed(_ id: FrameworkID, roles suppressed: [String]) {
        frameworks[id]?.suppressedRoles = Set(suppressed)
    }

    /// Resumes offers for `roles` (all when empty) and clears every refusal filter of the framework.
    public func revive(_ id: FrameworkID, roles only: [String] = []) {
        guard let framework = frameworks[id] else { return }
        frameworks[id]?.suppressedRoles.subtract(only.isEmpty ? framework.roles : only)
        filters[id] = nil
    }

    public func setWeight(_ weight: Double, forRole role: String) {
        let entry = roles[role] ?? RoleEntry()
        roles[role] = entry
        entry.weight = max(weight, 0.0001)
        refreshShares()
    }

    // MARK: Resources coming back

    /// Returns resources of `framework` on `agent` to the pool (declined, unused, or freed by a finished task).
    /// With `refuseSeconds` > 0 the framework is not offered them again before `now + refuseSeconds`.
    public func recover(
        _ resources: Resources, framework: FrameworkID, agent agentID: AgentID, role: String? = nil,
        refuseSeconds: Double? = nil, now: Double
    ) {
        guard var agent = agents[agentID] else { return }
        let held = agent.byFramework[framework] ?? Resources()
        let returned = held.contains(resources) ? resources : (held - (held - resources))
        agent.allocated -= returned
        let left = held - returned
        agent.byFramework[framework] = left.isEmpty ? nil : left
        agents[agentID] = agent
        if let role = role ?? frameworks[framework]?.firstRole { account(framework, role: role, minus: returned) }
        if let refuseSeconds, refuseSeconds > 0, !returned.isEmpty {
            let seconds = min(refuseSeconds, 365 * 24 * 3600)
            filters[framework, default: [:]][agentID] = RefusalFilter(refused: returned, until: now + seconds)
        }
        refreshShares()
    }

    // MARK: Allocation

    /// One allocation cycle: every agent's free resources go to the most deserving eligible framework.
    public func allocate(now: Double) -> [Allocation] {
        guard !frameworks.isEmpty, !agentOrder.isEmpty else { return [] }
        expireFilters(now: now)
        var result: [Allocation] = []
        let count = agentOrder.count
        rotation = (rotation + 1) % count
        for step in 0..<count {
            let agentID = agentOrder[(rotation + step) % count]
            guard let agent = agents[agentID], agent.active else { continue }
            // Resources reserved for a role go only to that role's frameworks; the unreserved ones to any.
            let free = agent.free
            guard free.hasReservations else {
                // The common case: nothing reserved, one pick for everything free.
                guard free.scalar("cpus") >= minimumCPUs || free.scalar("mem") >= minimumMemory,
                      let grantee = pick(for: agentID, free: free, role: nil, now: now) else { continue }
                result.append(grant(free, on: agentID, to: grantee))
                continue
            }
            let parts = free.reservedRoles.sorted().map { ($0, free.reserved(for: $0)) } + [(nil, free.reserved(for: "*"))]
            var grants: [Grantee: Resources] = [:]
            for (role, part) in parts {
                guard part.scalar("cpus") >= minimumCPUs || part.scalar("mem") >= minimumMemory,
                      let grantee = pick(for: agentID, free: part, role: role, now: now) else { continue }
                grants[grantee, default: Resources()] += part
            }
            for (grantee, granted) in grants.sorted(by: { ($0.key.framework, $0.key.role) < ($1.key.framework, $1.key.role) }) {
                result.append(grant(granted, on: agentID, to: grantee))
            }
        }
        return result
    }

    private func grant(_ resources: Resources, on agentID: AgentID, to grantee: Grantee) -> Allocation {
        agents[agentID]?.allocated += resources
        agents[agentID]?.byFramework[grantee.framework, default: Resources()] += resources
        account(grantee.framework, role: grantee.role, plus: resources)
        return Allocation(frameworkID: grantee.framework, agentID: agentID, role: grantee.role, resources: resources)
    }

    /// A framework under one of its roles.
    private struct Grantee: Hashable {
        let framework: FrameworkID
        let role: String
    }

    /// The eligible framework and role (only `reserved`, for resources reserved to it) with the lowest weighted role
    /// share, then the lowest own share.
    private func pick(for agentID: AgentID, free: Resources, role reserved: String?, now: Double) -> Grantee? {
        var best: (roleShare: Double, share: Double, id: FrameworkID, role: Int)?
        var bestEntry: FrameworkEntry?
        for (id, framework) in frameworks where framework.active {
            if let filter = filters[id]?[agentID], filter.until > now, filter.refused.contains(free) { continue }
            for (index, name) in framework.roles.enumerated() where reserved == nil || name == reserved {
                if !framework.suppressedRoles.isEmpty && framework.suppressedRoles.contains(name) { continue }
                let role = framework.roleEntries[index]
                let candidate = (role.share / role.weight, framework.share, id, index)
                if best == nil || candidate < best! {
                    best = candidate
                    bestEntry = framework
                }
            }
        }
        guard let best, let bestEntry else { return nil }
        return Grantee(framework: best.id, role: bestEntry.roles[best.role])
    }

    private func expireFilters(now: Double) {
        for (framework, byAgent) in filters {
            let live = byAgent.filter { $0.value.until > now }
            filters[framework] = live.isEmpty ? nil : live
        }
    }

    private func account(_ framework: FrameworkID, role: String, plus resources: Resources) {
        account(framework, role: role, resources, sign: 1)
    }

    private func account(_ framework: FrameworkID, role: String, minus resources: Resources) {
        account(framework, role: role, resources, sign: -1)
    }

    private func account(_ framework: FrameworkID, role: String, _ resources: Resources, sign: Double) {
        guard let entry = frameworks[framework] else { return }
        let index = entry.roles.firstIndex(of: role) ?? 0
        let roleEntry = entry.roleEntries[index]
        for (name, amount) in resources.quantities {
            entry.allocated[name, default: 0] += sign * amount
            entry.allocatedByRole[index][name, default: 0] += sign * amount
            roleEntry.allocated[name, default: 0] += sign * amount
        }
        entry.share = dominantShare(entry.allocated)
        roleEntry.share = dominantShare(roleEntry.allocated)
    }

    /// Takes `resources` back from whichever roles of the framework hold them (an agent that went away).
    private func accountAcrossRoles(_ framework: FrameworkID, minus resources: Resources) {
        guard let entry = frameworks[framework] else { return }
        var left = resources.quantities
        for (index, role) in entry.roles.enumerated() {
            var part = Resources()
            for (name, held) in entry.allocatedByRole[index] {
                let taken = min(held, left[name] ?? 0)
                guard taken > 0 else { continue }
                part.add(scalar: name, taken)
                left[name, default: 0] -= taken
            }
            if !part.isEmpty { account(framework, role: role, minus: part) }
        }
    }

    private func dominantShare(_ allocated: [String: Double]) -> Double {
        var share = 0.0
        for (name, amount) in allocated {
            guard let total = clusterTotal[name], total > 0 else { continue }
            share = max(share, amount / total)
        }
        return share
    }

    /// Shares depend on the cluster total; recompute them all when it changes.
    private func refreshShares() {
        for framework in frameworks.values { framework.share = dominantShare(framework.allocated) }
        for role in roles.values { role.share = dominantShare(role.allocated) }
    }

    // MARK: Inspection

    /// What `framework` holds (offered or used) on `agent`.
    public func allocated(to framework: FrameworkID, on agent: AgentID) -> Resources {
        agents[agent]?.byFramework[framework] ?? Resources()
    }

    /// What is neither offered nor used on `agent`.
    public func free(on agent: AgentID) -> Resources { agents[agent]?.free ?? Resources() }

    public func total(on agent: AgentID) -> Resources { agents[agent]?.total ?? Resources() }

    /// A framework's weighted dominant share, for tests and metrics.
    public func share(of framework: FrameworkID) -> Double { frameworks[framework]?.share ?? 0 }

    public var agentCount: Int { agents.count }
    public var frameworkCount: Int { frameworks.count }
}
