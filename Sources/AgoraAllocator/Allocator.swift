import AgoraCollections
import AgoraResources
import AgoraWire

/// Hierarchical Dominant Resource Fairness: agents' free resources go first to the role with the lowest
/// weighted dominant share, then within it to the framework with the lowest dominant share.
///
/// Pure bookkeeping with no I/O and no clock of its own: the master feeds it events and asks it to
/// `allocate(now:)`; time is whatever seconds value the caller passes. What it counts as allocated is
/// everything offered or in use, so offered + used never exceeds an agent's total.
///
/// Event-driven: a cycle visits only the agents something happened to (added, resources recovered, reactivated,
/// a refusal filter on them expired, or a framework became eligible), and finds the most deserving framework in
/// roles and frameworks kept sorted by share instead of scanning every framework for every agent.
public final class Allocator {
    /// Resources smaller than this on an agent are not worth offering (Mesos: `cpus:0.01|mem:32`).
    public var minimumCPUs = 0.01
    public var minimumMemory = 32.0

    private var agents: [AgentID: AgentEntry] = [:]
    private var frameworks: [FrameworkID: FrameworkEntry] = [:]
    private var roles: [String: RoleEntry] = [:]
    private var filters: [FrameworkID: [AgentID: RefusalFilter]] = [:]
    /// The refusal filters' ends, earliest first: a cycle pops those that passed instead of sweeping every filter.
    private var filterEnds = MinHeap<FilterEnd>()
    /// When `filterEnds` next drops the ends of filters replaced or cleared since (twice the filters it held last).
    private var filterEndsRebuildAt = 4096
    private var clusterTotal = SortedMap<String, Double>()
    private var rotation = 0
    /// Agents the next cycle visits: those that may have something to offer to an eligible framework.
    private var pending: Set<AgentID> = []
    /// Set instead of filling `pending` with every agent.
    private var allAgentsPending = false
    /// Roles by weighted share, each with its frameworks by share; re-sorted lazily when shares change wholesale.
    private var roleOrder = KeyedOrder<RoleEntry>()
    private var ordersStale = true
    private var nextAgentNumber = 0

    public init() {}

    /// Roles and their frameworks refer to each other; the orders let go of them first.
    deinit {
        for role in roles.values { role.members = KeyedOrder() }
        for role in roleOrder.items { role.members = KeyedOrder() }
    }

    struct AgentEntry {
        /// Its place in the visiting order.
        var number: Int
        var total: Resources
        var allocated = Resources()
        var byFramework: [FrameworkID: Resources] = [:]
        var active = true
        var free: Resources { total - allocated }
    }

    /// A class, so the allocation cycle's scan over frameworks copies one reference per framework, not its fields.
    final class FrameworkEntry: OrderKeyed {
        let id: FrameworkID
        /// The roles it is subscribed to (one, or several for a MULTI_ROLE framework); offers are per role.
        var roles: [String]
        /// The entries of `roles`, in the same order (resolved once: an allocation cycle hashes no role name).
        var roleEntries: [RoleEntry]
        /// What it holds under each of its roles, in the same order (the roles' shares count these).
        var allocatedByRole: [SortedMap<String, Double>]
        var active: Bool
        var suppressedRoles: Set<String> = []
        var allocated = SortedMap<String, Double>()
        var share = 0.0
        var firstRole: String { roles.first ?? "*" }
        var orderKey: FrameworkKey { FrameworkKey(share: share, id: id) }

        init(id: FrameworkID, roles: [String], entries: [RoleEntry], active: Bool) {
            self.id = id
            self.roles = roles
            roleEntries = entries
            allocatedByRole = Array(repeating: SortedMap(), count: roles.count)
            self.active = active
        }
    }

    struct FrameworkKey: Comparable {
        let share: Double
        let id: FrameworkID
        static func < (left: Self, right: Self) -> Bool { (left.share, left.id) < (right.share, right.id) }
    }

    final class RoleEntry: OrderKeyed {
        let name: String
        var weight = 1.0
        var allocated = SortedMap<String, Double>()
        var share = 0.0
        var frameworks = 0
        /// Its frameworks, least share first.
        var members = KeyedOrder<FrameworkEntry>()
        var weightedShare: Double { share / weight }
        var orderKey: RoleKey { RoleKey(weightedShare: weightedShare, name: name) }
        init(name: String) { self.name = name }
    }

    struct RoleKey: Comparable {
        let weightedShare: Double
        let name: String
        static func < (left: Self, right: Self) -> Bool { (left.weightedShare, left.name) < (right.weightedShare, right.name) }
    }

    // MARK: Agents

    /// Adds an agent; `used` is what frameworks' tasks already hold there (an agent re-registering).
    public func addAgent(_ id: AgentID, total: Resources, used: [FrameworkID: Resources] = [:]) {
        if agents[id] != nil { removeAgent(id) }
        var entry = AgentEntry(number: nextAgentNumber, total: total)
        nextAgentNumber += 1
        for (framework, resources) in used where frameworks[framework] != nil {
            entry.allocated += resources
            entry.byFramework[framework, default: Resources()] += resources
        }
        agents[id] = entry
        pending.insert(id)
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
        pending.remove(id)
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
        if active && agents[id] != nil { pending.insert(id) }
    }

    // MARK: Frameworks

    public func addFramework(_ id: FrameworkID, role: String, active: Bool = true) {
        addFramework(id, roles: [role], active: active)
    }

    public func addFramework(_ id: FrameworkID, roles subscribed: [String], active: Bool = true) {
        if frameworks[id] != nil { return }
        let list = subscribed.isEmpty ? ["*"] : subscribed
        let framework = FrameworkEntry(id: id, roles: list, entries: list.map(role(named:)), active: active)
        frameworks[id] = framework
        for entry in framework.roleEntries { join(framework, entry) }
        reconsiderAllAgents()
    }

    /// The entry of role `name`, made (and ordered) when new.
    private func role(named name: String) -> RoleEntry {
        if let entry = roles[name] { return entry }
        let entry = RoleEntry(name: name)
        roles[name] = entry
        if !ordersStale { roleOrder.insert(entry) }
        return entry
    }

    /// Counts `framework` in `role` and orders it there.
    private func join(_ framework: FrameworkEntry, _ role: RoleEntry) {
        role.frameworks += 1
        if !ordersStale { role.members.insert(framework) }
    }

    /// Every agent is visited by the next cycle (a framework became eligible for resources it was not before).
    private func reconsiderAllAgents() {
        allAgentsPending = true
    }

    /// Changes the roles of a framework; a role it leaves must hold nothing of it any more (the caller recovers the
    /// offers of that role first and refuses the change while tasks live there).
    public func setRoles(_ id: FrameworkID, _ subscribed: [String]) {
        guard let framework = frameworks[id] else { return }
        let list = subscribed.isEmpty ? ["*"] : subscribed
        var entries: [RoleEntry] = []
        var held: [SortedMap<String, Double>] = []
        for name in list {
            if let index = framework.roles.firstIndex(of: name) {
                entries.append(framework.roleEntries[index])
                held.append(framework.allocatedByRole[index])
            } else {
                let entry = role(named: name)
                join(framework, entry)
                entries.append(entry)
                held.append(SortedMap())
            }
        }
        for (index, name) in framework.roles.enumerated() where !list.contains(name) {
            leave(framework, framework.roleEntries[index], holding: framework.allocatedByRole[index])
            framework.suppressedRoles.remove(name)
        }
        framework.roles = list
        framework.roleEntries = entries
        framework.allocatedByRole = held
        refreshShares()
        reconsiderAllAgents()
    }

    private func leave(_ framework: FrameworkEntry, _ role: RoleEntry, holding allocated: SortedMap<String, Double>) {
        role.frameworks -= 1
        for (resource, amount) in allocated { role.allocated[resource, default: 0] -= amount }
        // Even while the orders wait to be sorted again: a role and a framework holding each other would leak.
        role.members.remove(framework)
        if role.frameworks == 0 && role.weight == 1 {
            roles[role.name] = nil
            roleOrder.remove(role)
        }
    }

    /// Forgets a framework; the caller recovers its allocations first (or they vanish with it).
    public func removeFramework(_ id: FrameworkID) {
        guard let framework = frameworks.removeValue(forKey: id) else { return }
        for agentID in agents.keys {
            if let held = agents[agentID]?.byFramework.removeValue(forKey: id) {
                agents[agentID]?.allocated -= held
                pending.insert(agentID)
            }
        }
        for (index, _) in framework.roles.enumerated() {
            leave(framework, framework.roleEntries[index], holding: framework.allocatedByRole[index])
        }
        filters[id] = nil
        refreshShares()
    }

    /// A disconnected framework is inactive: it keeps what it holds and gets no offers.
    public func setFrameworkActive(_ id: FrameworkID, _ active: Bool) {
        guard let framework = frameworks[id], framework.active != active else { return }
        framework.active = active
        if active { reconsiderAllAgents() }
    }

    /// Stops offers for `roles` of the framework (all of them when empty).
    public func suppress(_ id: FrameworkID, roles only: [String] = []) {
        guard let framework = frameworks[id] else { return }
        frameworks[id]?.suppressedRoles.formUnion(only.isEmpty ? framework.roles : only)
    }

    /// Sets exactly which roles of the framework are suppressed, without touching its refusal filters
    /// (SUBSCRIBE and UPDATE_FRAMEWORK).
    public func setSuppressed(_ id: FrameworkID, roles suppressed: [String]) {
        guard let framework = frameworks[id] else { return }
        if !framework.suppressedRoles.subtracting(suppressed).isEmpty { reconsiderAllAgents() }
        framework.suppressedRoles = Set(suppressed)
    }

    /// Resumes offers for `roles` (all when empty) and clears every refusal filter of the framework.
    public func revive(_ id: FrameworkID, roles only: [String] = []) {
        guard let framework = frameworks[id] else { return }
        frameworks[id]?.suppressedRoles.subtract(only.isEmpty ? framework.roles : only)
        filters[id] = nil
        reconsiderAllAgents()
    }

    public func setWeight(_ weight: Double, forRole name: String) {
        role(named: name).weight = max(weight, 0.0001)
        refreshShares()
    }

    // MARK: Resources coming back

    /// Returns resources of `framework` on `agent` to the pool (declined, unused, or freed by a finished task).
    /// With `refuseSeconds` > 0 the framework is not offered them again before `now + refuseSeconds`.
    public func recover(
        _ resources: Resources, framework: FrameworkID, agent agentID: AgentID, role: String? = nil,
        refuseSeconds: Double? = nil, now: Double
    ) {
        // In place: a copy of the entry written back made its `byFramework` table a copy each time.
        guard let held = agents[agentID].map({ $0.byFramework[framework] ?? Resources() }) else { return }
        let returned = held.contains(resources) ? resources : (held - (held - resources))
        let left = held - returned
        agents[agentID]?.allocated -= returned
        agents[agentID]?.byFramework[framework] = left.isEmpty ? nil : left
        pending.insert(agentID)
        if let role = role ?? frameworks[framework]?.firstRole { account(framework, role: role, minus: returned) }
        if let refuseSeconds, refuseSeconds > 0, !returned.isEmpty {
            let until = now + min(refuseSeconds, 365 * 24 * 3600)
            filters[framework, default: [:]][agentID] = RefusalFilter(refused: returned, until: until)
            filterEnds.push(FilterEnd(until: until, framework: framework, agent: agentID))
            if filterEnds.count >= filterEndsRebuildAt { rebuildFilterEnds() }
        }
    }

    // MARK: Allocation

    /// One allocation cycle: the free resources of every agent something happened to go to the most deserving
    /// eligible framework. An agent left with nothing to offer, or nobody to offer it to, is not visited again until
    /// something happens to it.
    public func allocate(now: Double) -> [Allocation] {
        guard !frameworks.isEmpty, !agents.isEmpty else { return [] }
        expireFilters(now: now)
        guard allAgentsPending || !pending.isEmpty else { return [] }
        if ordersStale { sortOrders() }
        var result: [Allocation] = []
        let count = nextAgentNumber
        rotation = (rotation + 1) % max(count, 1)
        let place = { (entry: AgentEntry) in (entry.number - self.rotation + count) % count }
        let visiting = allAgentsPending
            ? agents.map { (place($0.value), $0.key) }.sorted { $0.0 < $1.0 }
            : pending.compactMap { id in agents[id].map { (place($0), id) } }.sorted { $0.0 < $1.0 }
        pending.removeAll(keepingCapacity: true)
        allAgentsPending = false
        for (_, agentID) in visiting {
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
    /// share, then the lowest own share, then the lowest id: roles are read in order of weighted share, and among
    /// roles of equal weighted share the first eligible framework of each is compared.
    private func pick(for agentID: AgentID, free: Resources, role reserved: String?, now: Double) -> Grantee? {
        let ordered = roleOrder.items
        var index = 0
        while index < ordered.count {
            let level = ordered[index].weightedShare
            var best: (key: FrameworkKey, grantee: Grantee)?
            while index < ordered.count, ordered[index].weightedShare == level {
                let role = ordered[index]
                index += 1
                guard reserved == nil || role.name == reserved else { continue }
                for framework in role.members.items where eligible(framework, in: role.name, agent: agentID, free: free, now: now) {
                    if best == nil || framework.orderKey < best!.key {
                        best = (framework.orderKey, Grantee(framework: framework.id, role: role.name))
                    }
                    break
                }
            }
            if let best { return best.grantee }
        }
        return nil
    }

    private func eligible(_ framework: FrameworkEntry, in role: String, agent: AgentID, free: Resources, now: Double) -> Bool {
        guard framework.active else { return false }
        if !framework.suppressedRoles.isEmpty && framework.suppressedRoles.contains(role) { return false }
        if let filter = filters[framework.id]?[agent], filter.until > now, filter.refused.contains(free) { return false }
        return true
    }

    /// Drops the refusal filters that ended (their agents are visited again). An end whose filter was replaced or
    /// cleared since is only popped.
    private func expireFilters(now: Double) {
        while let end = filterEnds.min, end.until <= now {
            _ = filterEnds.popMin()
            guard filters[end.framework]?[end.agent]?.until == end.until else { continue }
            filters[end.framework]?[end.agent] = nil
            if filters[end.framework]?.isEmpty == true { filters[end.framework] = nil }
            pending.insert(end.agent)
        }
    }

    /// The ends of the live filters only: a framework that revives (clearing its filters) and declines again and
    /// again would otherwise leave an end behind each time, until its refusal ran out.
    private func rebuildFilterEnds() {
        filterEnds.removeAll()
        for (framework, byAgent) in filters {
            for (agent, filter) in byAgent { filterEnds.push(FilterEnd(until: filter.until, framework: framework, agent: agent)) }
        }
        filterEndsRebuildAt = max(4096, 2 * filterEnds.count)
    }

    /// Puts every role and every role's frameworks in order again.
    private func sortOrders() {
        roleOrder = KeyedOrder()
        for role in roles.values {
            role.members = KeyedOrder()
            roleOrder.insert(role)
        }
        for framework in frameworks.values {
            for role in framework.roleEntries { role.members.insert(framework) }
        }
        ordersStale = false
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
        let share = dominantShare(entry.allocated)
        let roleShare = dominantShare(roleEntry.allocated)
        guard !ordersStale else {
            entry.share = share
            roleEntry.share = roleShare
            return
        }
        if share != entry.share {
            for member in entry.roleEntries { member.members.rekey(entry) { entry.share = share } }
        }
        if roleShare != roleEntry.share { roleOrder.rekey(roleEntry) { roleEntry.share = roleShare } }
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

    private func dominantShare(_ allocated: SortedMap<String, Double>) -> Double {
        var share = 0.0
        for (name, amount) in allocated {
            guard let total = clusterTotal[name], total > 0 else { continue }
            share = max(share, amount / total)
        }
        return share
    }

    /// Shares depend on the cluster total; recompute them all when it changes (the orders are sorted again before
    /// the next cycle).
    private func refreshShares() {
        for framework in frameworks.values { framework.share = dominantShare(framework.allocated) }
        for role in roles.values { role.share = dominantShare(role.allocated) }
        ordersStale = true
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
