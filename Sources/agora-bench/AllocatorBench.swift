import AgoraAllocator
import AgoraResources
import AgoraWire
import Foundation

/// Allocation cycle time of the allocator alone, for clusters of agents × frameworks.
enum AllocatorBench {
    static func run(quick: Bool) throws {
        let shapes = quick ? [(1000, 10), (1000, 100)]
            : [(1000, 10), (1000, 100), (10_000, 10), (10_000, 100), (10_000, 1000)]
        let agentResources = try Resources(parsing: "cpus:8;mem:16384;disk:100000;ports:[31000-32000]")
        for (agentCount, frameworkCount) in shapes {
            let allocator = Allocator()
            for index in 0..<agentCount { allocator.addAgent(AgentID("agent-\(index)"), total: agentResources) }
            for index in 0..<frameworkCount { allocator.addFramework(FrameworkID("fw-\(index)"), role: "role-\(index % 4)") }
            var measurement = Measurement()
            var offered = 0
            let cycles = quick ? 5 : 10
            var now = 0.0
            for _ in 0..<cycles {
                now += 1
                let start = ContinuousClock.now
                let allocations = allocator.allocate(now: now)
                measurement.record(seconds(since: start))
                offered = allocations.count
                // Every offer is declined without a filter, so each cycle allocates the whole cluster again.
                for allocation in allocations {
                    allocator.recover(allocation.resources, framework: allocation.frameworkID,
                                      agent: allocation.agentID, now: now)
                }
            }
            // Event-driven: everything is offered out; one offer comes back and the next cycle places only it.
            let held = allocator.allocate(now: now + 1)
            var single = Measurement()
            for (index, allocation) in held.prefix(cycles * 20).enumerated() {
                now += 1
                allocator.recover(allocation.resources, framework: allocation.frameworkID, agent: allocation.agentID, now: now)
                let start = ContinuousClock.now
                let again = allocator.allocate(now: now)
                single.record(seconds(since: start))
                precondition(again.count == 1, "one recovered offer gives one allocation (got \(again.count) at \(index))")
            }
            report("allocation cycle \(agentCount) agents x \(frameworkCount) fws", [
                ("p50_ms", format(measurement.percentile(0.5) * 1000, 2)),
                ("max_ms", format(measurement.percentile(1) * 1000, 2)),
                ("offers/cycle", "\(offered)"),
                ("us/agent", format(measurement.percentile(0.5) * 1e6 / Double(agentCount), 2)),
                ("one_recovered_p50_us", format(single.percentile(0.5) * 1e6, 1)),
                ("one_recovered_max_us", format(single.percentile(1) * 1e6, 1)),
            ])
        }
    }
}
