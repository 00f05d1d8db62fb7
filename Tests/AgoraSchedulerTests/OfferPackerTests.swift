import AgoraResources
import AgoraScheduler
import AgoraWire
import Testing

@Suite struct OfferPackerTests {
    @Test func demandsAreFittedAndTakenUntilTheOfferIsFull() throws {
        let offer = Offer(id: "o1", frameworkID: "fw", agentID: "a1", hostname: "h",
                          resources: try Resources(parsing: "cpus:2;mem:256;ports:[8000-8001]").wire(allocationRole: "*"),
                          allocationInfo: .init(role: "*"))
        var packer = OfferPacker(offer)
        let demand = ResourceDemand(cpus: 1, mem: 100, disk: 0, ports: 1)
        let taken = (0..<3).map { _ in packer.take(demand) }
        #expect(taken[2] == nil)
        let first = try #require(taken[0])
        let second = try #require(taken[1])
        #expect(first.ranges("ports").count == 1 && second.ranges("ports").count == 1)
        #expect(first.ranges("ports") != second.ranges("ports"))
        #expect(packer.remaining == (try Resources(parsing: "mem:56")))
        packer.add(TaskInfo(name: "t", taskID: "t", agentID: "a1", resources: packer.wire(first), command: .shell("true")))
        #expect(packer.tasks.count == 1)
        #expect(packer.tasks[0].resources.allSatisfy { $0.allocationInfo?.role == "*" })
    }
}
