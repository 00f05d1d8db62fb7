import AgoraAllocator
import AgoraResources
import AgoraRuntimeTesting
import AgoraWire
import Testing

private func agentResources() -> Resources {
    (try? Resources(parsing: "cpus:4;mem:4096;disk:1000;ports:[31000-31099]")) ?? Resources()
}

@Suite struct AllocatorTests {
    @Test func offersEveryFreeAgentToTheOnlyFramework() {
        let allocator = Allocator()
        allocator.addAgent("a1", total: agentResources())
        allocator.addAgent("a2", total: agentResources())
        allocator.addFramework("f1", role: "*")
        let offers = allocator.allocate(now: 0)
        #expect(offers.count == 2)
        #expect(offers.allSatisfy { $0.resources == agentResources() })
        // Everything is offered now: nothing more to give.
        #expect(allocator.allocate(now: 1).isEmpty)
    }

    @Test func staticReservationsGoOnlyToTheirRole() throws {
        let allocator = Allocator()
        allocator.addAgent("a1", total: try Resources(parsing: "cpus(web):2;mem(web):512;cpus:1;mem:256"))
        allocator.addFramework("batch", role: "*")
        var offers = allocator.allocate(now: 0)
        #expect(offers.map(\.frameworkID) == ["batch"])
        #expect(offers.first?.resources == (try Resources(parsing: "cpus:1;mem:256")), "nothing reserved for web goes to batch")
        allocator.addFramework("web", role: "web")
        offers = allocator.allocate(now: 1)
        #expect(offers.map(\.frameworkID) == ["web"])
        #expect(offers.first?.resources == (try Resources(parsing: "cpus(web):2;mem(web):512")))
        // Returned, the unreserved part may go to either; the reserved part still only to web.
        allocator.recover(try Resources(parsing: "cpus:1;mem:256"), framework: "batch", agent: "a1", now: 2)
        allocator.recover(try Resources(parsing: "cpus(web):2;mem(web):512"), framework: "web", agent: "a1", now: 2)
        offers = allocator.allocate(now: 3)
        let web = offers.first { $0.frameworkID == "web" }?.resources ?? Resources()
        #expect(web.contains(try Resources(parsing: "cpus(web):2;mem(web):512")))
        #expect(offers.filter { $0.frameworkID == "batch" }.allSatisfy { !$0.resources.hasReservations })
    }

    @Test func aMultiRoleFrameworkGetsOffersForEachOfItsRolesAndSuppressesThemOneByOne() throws {
        let allocator = Allocator()
        allocator.addAgent("a1", total: try Resources(parsing: "cpus(web):2;mem(web):512;cpus:1;mem:256"))
        allocator.addAgent("a2", total: agentResources())
        allocator.addFramework("multi", roles: ["web", "batch"])
        let offers = allocator.allocate(now: 0)
        #expect(Set(offers.map(\.role)) == ["web", "batch"], "offers under both roles")
        #expect(offers.filter { $0.resources.hasReservations }.allSatisfy { $0.role == "web" })
        for offer in offers { allocator.recover(offer.resources, framework: "multi", agent: offer.agentID, role: offer.role, now: 1) }
        allocator.suppress("multi", roles: ["batch"])
        let again = allocator.allocate(now: 2)
        #expect(!again.isEmpty && again.allSatisfy { $0.role == "web" }, "batch is suppressed")
        #expect(allocator.share(of: "multi") > 0)
        for offer in again { allocator.recover(offer.resources, framework: "multi", agent: offer.agentID, role: offer.role, now: 3) }
        #expect(allocator.share(of: "multi") == 0, "everything returned to the role it was allocated to")
    }

    @Test func dominantResourceFairnessSplitsAContendedCluster() {
        let allocator = Allocator()
        for index in 0..<8 { allocator.addAgent(AgentID("a\(index)"), total: agentResources()) }
        allocator.addFramework("f1", role: "*")
        allocator.addFramework("f2", role: "*")
        let offers = allocator.allocate(now: 0)
        let counts = Dictionary(grouping: offers, by: \.frameworkID).mapValues(\.count)
        #expect(counts["f1"] == 4)
        #expect(counts["f2"] == 4)
        #expect(allocator.share(of: "f1") == 0.5)
    }

    @Test func dominantShareUsesTheScarcestResource() throws {
        // One framework ends up holding mostly memory, the other mostly CPU; the next agent goes to
        // the one whose dominant share is lower.
        let allocator = Allocator()
        allocator.addAgent("big-mem", total: try Resources(parsing: "cpus:1;mem:9000"))
        allocator.addAgent("big-cpu", total: try Resources(parsing: "cpus:9;mem:1000"))
        allocator.addFramework("f1", role: "*")
        allocator.addFramework("f2", role: "*")
        let first = allocator.allocate(now: 0)
        #expect(Set(first.map(\.frameworkID)) == ["f1", "f2"])
        let cpuHolder = first.first { $0.agentID == "big-cpu" }!.frameworkID
        allocator.addAgent("small", total: try Resources(parsing: "cpus:1;mem:100"))
        // Over cpus:11 and mem:10100 the CPU holder's share is 9/11 = 0.82, the memory holder's 9000/10100 = 0.89.
        #expect(allocator.allocate(now: 1).map(\.frameworkID) == [cpuHolder])
    }

    @Test func roleWeightsSkewTheSplit() {
        let allocator = Allocator()
        for index in 0..<8 { allocator.addAgent(AgentID("a\(index)"), total: agentResources()) }
        allocator.setWeight(3, forRole: "prod")
        allocator.addFramework("prod-fw", role: "prod")
        allocator.addFramework("dev-fw", role: "dev")
        let counts = Dictionary(grouping: allocator.allocate(now: 0), by: \.frameworkID).mapValues(\.count)
        #expect(counts["prod-fw"] == 6)
        #expect(counts["dev-fw"] == 2)
    }

    @Test func refusalFilterHoldsUntilItExpiresAndReviveClearsIt() {
        let allocator = Allocator()
        allocator.addAgent("a1", total: agentResources())
        allocator.addFramework("f1", role: "*")
        let first = allocator.allocate(now: 0)
        #expect(first.count == 1)
        allocator.recover(first[0].resources, framework: "f1", agent: "a1", refuseSeconds: 5, now: 0)
        #expect(allocator.allocate(now: 1).isEmpty)
        #expect(allocator.allocate(now: 4.9).isEmpty)
        #expect(allocator.allocate(now: 5.1).count == 1)

        let again = allocator.allocated(to: "f1", on: "a1")
        allocator.recover(again, framework: "f1", agent: "a1", refuseSeconds: 60, now: 6)
        #expect(allocator.allocate(now: 7).isEmpty)
        allocator.revive("f1")
        #expect(allocator.allocate(now: 7).count == 1)
    }

    @Test func aReplacedRefusalEndsAtItsOwnTimeNotAtTheOneBefore() {
        let allocator = Allocator()
        allocator.addAgent("a1", total: agentResources())
        allocator.addFramework("f1", role: "*")
        allocator.recover(allocator.allocate(now: 0)[0].resources, framework: "f1", agent: "a1", refuseSeconds: 5, now: 0)
        allocator.revive("f1")
        allocator.recover(allocator.allocate(now: 1)[0].resources, framework: "f1", agent: "a1", refuseSeconds: 60, now: 1)
        #expect(allocator.allocate(now: 5.1).isEmpty)
        #expect(allocator.allocate(now: 60.9).isEmpty)
        #expect(allocator.allocate(now: 61.1).count == 1)
    }

    @Test func refusalsKeepTheirEndsThroughThousandsOfRevives() {
        // Each revive clears the filter its decline set; the ends left behind are dropped along the way.
        let allocator = Allocator()
        allocator.addAgent("a1", total: agentResources())
        allocator.addFramework("f1", role: "*")
        var now = 0.0
        for _ in 0..<10_000 {
            let offer = allocator.allocate(now: now)
            #expect(offer.count == 1)
            allocator.recover(offer[0].resources, framework: "f1", agent: "a1", refuseSeconds: 3600, now: now)
            allocator.revive("f1")
            now += 0.001
        }
        allocator.recover(allocator.allocate(now: now)[0].resources, framework: "f1", agent: "a1", refuseSeconds: 10, now: now)
        #expect(allocator.allocate(now: now + 9.9).isEmpty)
        #expect(allocator.allocate(now: now + 10.1).count == 1)
    }

    @Test func filteredResourcesGoToAnotherFramework() {
        let allocator = Allocator()
        allocator.addAgent("a1", total: agentResources())
        allocator.addFramework("f1", role: "*")
        let offer = allocator.allocate(now: 0)[0]
        allocator.addFramework("f2", role: "*")
        allocator.recover(offer.resources, framework: "f1", agent: "a1", refuseSeconds: 5, now: 0)
        #expect(allocator.allocate(now: 1).map(\.frameworkID) == ["f2"])
    }

    @Test func newlyFreedResourcesBypassAFilterOnLess() throws {
        // A filter covers what was refused; an agent with more free than that is offered again.
        let allocator = Allocator()
        allocator.addAgent("a1", total: agentResources())
        allocator.addFramework("f1", role: "*")
        let offer = allocator.allocate(now: 0)[0]
        let task = try Resources(parsing: "cpus:1;mem:128")
        allocator.recover(offer.resources - task, framework: "f1", agent: "a1", refuseSeconds: 30, now: 0)
        #expect(allocator.allocate(now: 1).isEmpty)
        allocator.recover(task, framework: "f1", agent: "a1", now: 2)
        #expect(allocator.allocate(now: 3).first?.resources == agentResources())
    }

    @Test func suppressedAndInactiveFrameworksGetNothing() {
        let allocator = Allocator()
        allocator.addAgent("a1", total: agentResources())
        allocator.addFramework("f1", role: "*")
        allocator.suppress("f1")
        #expect(allocator.allocate(now: 0).isEmpty)
        allocator.revive("f1")
        allocator.setFrameworkActive("f1", false)
        #expect(allocator.allocate(now: 0).isEmpty)
        allocator.setFrameworkActive("f1", true)
        #expect(allocator.allocate(now: 0).count == 1)
    }

    /// Event-driven cycles: only agents something happened to are visited, and each event that can change an
    /// agent's outcome brings it back.
    @Test func aCycleVisitsOnlyTheAgentsSomethingHappenedTo() throws {
        let allocator = Allocator()
        for name in ["a1", "a2", "a3"] { allocator.addAgent(AgentID(name), total: agentResources()) }
        allocator.addFramework("f1", role: "*")
        #expect(allocator.allocate(now: 0).count == 3)
        #expect(allocator.allocate(now: 1).isEmpty, "nothing happened")
        allocator.recover(try Resources(parsing: "cpus:1;mem:128"), framework: "f1", agent: "a2", now: 2)
        #expect(allocator.allocate(now: 3).map(\.agentID) == ["a2"])

        // Declined everywhere with a filter: not visited again until the filters end, then offered again.
        for name in ["a1", "a2", "a3"] {
            allocator.recover(allocator.allocated(to: "f1", on: AgentID(name)), framework: "f1", agent: AgentID(name),
                              refuseSeconds: 10, now: 4)
        }
        #expect(allocator.allocate(now: 5).isEmpty)
        #expect(allocator.allocate(now: 13).isEmpty)
        #expect(Set(allocator.allocate(now: 14.5).map(\.agentID)) == ["a1", "a2", "a3"])

        // A framework that arrives later is offered what the first one refused.
        for name in ["a1", "a2", "a3"] {
            allocator.recover(allocator.allocated(to: "f1", on: AgentID(name)), framework: "f1", agent: AgentID(name),
                              refuseSeconds: 100, now: 15)
        }
        #expect(allocator.allocate(now: 16).isEmpty)
        allocator.addFramework("f2", role: "*")
        #expect(Set(allocator.allocate(now: 17).map(\.frameworkID)) == ["f2"])
        #expect(allocator.allocate(now: 18).isEmpty)

        // An agent coming back to service is visited again.
        allocator.addAgent("a4", total: agentResources())
        allocator.setAgentActive("a4", false)
        #expect(allocator.allocate(now: 19).isEmpty)
        allocator.setAgentActive("a4", true)
        #expect(allocator.allocate(now: 20).map(\.agentID) == ["a4"])
    }

    /// The sorted orders follow shares as grants change them: with two frameworks in two roles, each cycle of
    /// recovered agents alternates between them as plain DRF would.
    @Test func sortedOrdersFollowSharesAsGrantsChangeThem() {
        let allocator = Allocator()
        for index in 0..<8 { allocator.addAgent(AgentID("a\(index)"), total: agentResources()) }
        allocator.addFramework("f1", role: "r1")
        allocator.addFramework("f2", role: "r2")
        allocator.addFramework("f3", role: "r2")
        let offers = allocator.allocate(now: 0)
        let byFramework = Dictionary(grouping: offers, by: \.frameworkID).mapValues(\.count)
        // Roles split the cluster evenly; r2's half is split between its two frameworks.
        #expect(byFramework == ["f1": 4, "f2": 2, "f3": 2])
        allocator.setWeight(3, forRole: "r2")
        for offer in offers { allocator.recover(offer.resources, framework: offer.frameworkID, agent: offer.agentID, now: 1) }
        let weighted = Dictionary(grouping: allocator.allocate(now: 2), by: \.frameworkID).mapValues(\.count)
        #expect(weighted == ["f1": 2, "f2": 3, "f3": 3])
    }

    @Test func dustIsNotOffered() throws {
        let allocator = Allocator()
        allocator.addAgent("a1", total: try Resources(parsing: "cpus:0.005;mem:16;disk:10"))
        allocator.addFramework("f1", role: "*")
        #expect(allocator.allocate(now: 0).isEmpty)
    }

    @Test func removingAnAgentDropsItsAllocations() {
        let allocator = Allocator()
        allocator.addAgent("a1", total: agentResources())
        allocator.addAgent("a2", total: agentResources())
        allocator.addFramework("f1", role: "*")
        _ = allocator.allocate(now: 0)
        allocator.removeAgent("a1")
        #expect(allocator.agentCount == 1)
        #expect(allocator.allocated(to: "f1", on: "a1").isEmpty)
        #expect(allocator.share(of: "f1") == 1)
    }

    @Test func offeredPlusUsedNeverExceedsTotal() throws {
        var random = SplitMix64(seed: 7)
        let allocator = Allocator()
        let agents = (0..<6).map { AgentID("a\($0)") }
        let frameworks = (0..<4).map { FrameworkID("f\($0)") }
        for agent in agents { allocator.addAgent(agent, total: agentResources()) }
        for framework in frameworks { allocator.addFramework(framework, role: "r\(random.next() % 2)") }
        var now = 0.0
        for _ in 0..<2000 {
            now += 0.5
            switch random.next() % 4 {
            case 0:
                _ = allocator.allocate(now: now)
            case 1, 2:
                let framework = frameworks[Int(random.next() % 4)]
                let agent = agents[Int(random.next() % 6)]
                let held = allocator.allocated(to: framework, on: agent)
                // Return a random part: some cpus, some ports, or all of it.
                var part = Resources()
                if random.next() % 3 == 0 {
                    part = held
                } else {
                    part.add(scalar: "cpus", min(held.scalar("cpus"), Double(random.next() % 3)))
                    part.add(ranges: "ports", held.ranges("ports").prefix(random.next() % 10))
                }
                allocator.recover(part, framework: framework, agent: agent,
                                  refuseSeconds: Double(random.next() % 4), now: now)
            default:
                // Returning more than is held (a bug in a caller) must not create resources.
                allocator.recover(agentResources(), framework: frameworks[0], agent: agents[0], now: now)
            }
            for agent in agents {
                let held = frameworks.reduce(Resources()) { $0 + allocator.allocated(to: $1, on: agent) }
                #expect(agentResources().contains(held))
                #expect(held + allocator.free(on: agent) == agentResources())
            }
        }
    }
}
