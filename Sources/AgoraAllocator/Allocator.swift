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

    struct FrameworkEntry {
        var role: String
        var active: Bool
        var suppressed = false
        var allocated: [String: Double] = [:]
        var share = 0.0
    }

    struct RoleEntry {
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
        for (framework, resources) in used { account(framework, plus: resources) }
        refreshShares()
    }

    /// Forgets an agent and whatever was allocated on it.
    public func removeAgent(_ id: AgentID) {
        guard let agent = agents.removeValue(forKey: id) else { return }
        agentOrder.removeAll { $0 == id }
        for (framework, resources) in agent.byFramework { account(framework, minus: resources) }
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
        if frameworks[id] != nil { return }
        frameworks[id] = FrameworkEntry(role: role, active: active)
        roles[role, default: RoleEntry()].frameworks += 1
    }

    /// Forgets a framework; the caller recovers its allocations first (or they vanish with it).
    public func removeFramework(_ id: FrameworkID) {
        guard let framework = frameworks.removeValue(forKey: id) else { return }
        for agentID in agents.keys {
            if let held = agents[agentID]?.byFramework.removeValue(forKey: id) {
                agents[agentID]?.allocated -= held
            }
        }
        roles[framework.role]?.frameworks -= 1
        for (name, amount) in framework.allocated {
            roles[framework.role]?.allocated[name, default: 0] -= amount
        }
        if roles[framework.role]?.frameworks == 0 && roles[framework.role]?.weight == 1 { roles[framework.role] = nil }
        filters[id] = nil
        refreshShares()
    }

    /// A disconnected framework is inactive: it keeps what it holds and gets no offers.
    public func setFrameworkActive(_ id: FrameworkID, _ active: Bool) {
        frameworks[id]?.active = active
    }

    public func suppress(_ id: FrameworkID) {
        frameworks[id]?.suppressed = true
    }

    /// Stops or resumes offers to the framework without touching its refusal filters (UPDATE_FRAMEWORK).
    public func setSuppressed(_ id: FrameworkID, _ suppressed: Bool) {
        frameworks[id]?.suppressed = suppressed
    }

    /// Resumes offers and clears every refusal filter of the framework.
    public func revive(_ id: FrameworkID) {
        frameworks[id]?.suppressed = false
        filters[id] = nil
    }

    public func setWeight(_ weight: Double, forRole role: String) {
        roles[role, default: RoleEntry()].weight = max(weight, 0.0001)
        refreshShares()
    }

    // MARK: Resources coming back

    /// Returns resources of `framework` on `agent` to the pool (declined, unused, or freed by a finished task).
    /// With `refuseSeconds` > 0 the framework is not offered them again before `now + refuseSeconds`.
    public func recover(
        _ resources: Resources, framework: FrameworkID, agent agentID: AgentID, refuseSeconds: Double? = nil,
        now: Double
    ) {
        guard var agent = agents[agentID] else { return }
        let held = agent.byFramework[framework] ?? Resources()
        let returned = held.contains(resources) ? resources : (held - (held - resources))
        agent.allocated -= returned
        let left = held - returned
        agent.byFramework[framework] = left.isEmpty ? nil : left
        agents[agentID] = agent
        account(framework, minus: returned)
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
            let parts: [(role: String?, resources: Resources)] = free.hasReservations
                ? free.reservedRoles.sorted().map { ($0, free.reserved(for: $0)) } + [(nil, free.reserved(for: "*"))]
                : [(nil, free)]
            var grants: [FrameworkID: Resources] = [:]
            for (role, part) in parts {
                guard part.scalar("cpus") >= minimumCPUs || part.scalar("mem") >= minimumMemory,
                      let framework = pick(for: agentID, free: part, role: role, now: now) else { continue }
                grants[framework, default: Resources()] += part
            }
            for (framework, granted) in grants.sorted(by: { $0.key < $1.key }) {
                agents[agentID]?.allocated += granted
                agents[agentID]?.byFramework[framework, default: Resources()] += granted
                account(framework, plus: granted)
                result.append(Allocation(frameworkID: framework, agentID: agentID, resources: granted))
            }
        }
        return result
    }

    /// The eligible framework (of `role`, when given) with the lowest role share, then the lowest own share.
    private func pick(for agentID: AgentID, free: Resources, role: String?, now: Double) -> FrameworkID? {
        var best: (roleShare: Double, share: Double, id: FrameworkID)?
        for (id, framework) in frameworks where framework.active && !framework.suppressed && (role == nil || framework.role == role) {
            if let filter = filters[id]?[agentID], filter.until > now, filter.refused.contains(free) { continue }
            let role = roles[framework.role]
            let roleShare = (role?.share ?? 0) / (role?.weight ?? 1)
            let candidate = (roleShare, framework.share, id)
            if best == nil || candidate < best! { best = candidate }
        }
        return best?.id
    }

    private func expireFilters(now: Double) {
        for (framework, byAgent) in filters {
            let live = byAgent.filter { $0.value.until > now }
            filters[framework] = live.isEmpty ? nil : live
        }
    }

    private func account(_ framework: FrameworkID, plus resources: Resources) {
        guard let role = frameworks[framework]?.role else { return }
        for (name, amount) in resources.quantities {
            frameworks[framework]?.allocated[name, default: 0] += amount
            roles[role]?.allocated[name, default: 0] += amount
        }
        updateShare(framework)
    }

    private func account(_ framework: FrameworkID, minus resources: Resources) {
        guard let role = frameworks[framework]?.role else { return }
        for (name, amount) in resources.quantities {
            frameworks[framework]?.allocated[name, default: 0] -= amount
            roles[role]?.allocated[name, default: 0] -= amount
        }
        updateShare(framework)
    }

    private func dominantShare(_ allocated: [String: Double]) -> Double {
        var share = 0.0
        for (name, amount) in allocated {
            guard let total = clusterTotal[name], total > 0 else { continue }
            share = max(share, amount / total)
        }
        return share
    }

    private func updateShare(_ framework: FrameworkID) {
        guard let entry = frameworks[framework] else { return }
        frameworks[framework]?.share = dominantShare(entry.allocated)
        if let role = roles[entry.role] { roles[entry.role]?.share = dominantShare(role.allocated) }
    }

    /// Shares depend on the cluster total; recompute them all when it changes.
    private func refreshShares() {
        for (id, framework) in frameworks {
            let share = dominantShare(framework.allocated)
            frameworks[id]?.share = share
        }
        for (name, role) in roles {
            let share = dominantShare(role.allocated)
            roles[name]?.share = share
        }
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
