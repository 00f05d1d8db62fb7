import AgoraResources
import AgoraWire
import Testing

@Suite struct ResourcesTests {
    @Test func parsesTheAgentFlagSyntax() throws {
        let resources = try Resources(parsing: "cpus:2.5; mem:1024;disk:4096;ports:[31000-31009,31005-31020];gpus(ml):1;zones:{a,b}")
        #expect(resources.scalar("cpus") == 2.5)
        #expect(resources.scalar("mem") == 1024)
        #expect(resources.scalar("gpus") == 1)
        #expect(resources.ranges("ports").ranges == [31000...31020])
        #expect(resources.set("zones") == ["a", "b"])
        #expect(resources.description == "cpus:2.5;disk:4096;gpus(ml):1;mem:1024;ports:[31000-31020];zones:{a,b}")
    }

    @Test(arguments: ["cpus", "cpus:abc", "cpus:-1", "ports:[5-1]", "ports:[1-x]", ":3", "cpus():1"])
    func rejectsBadFlags(_ text: String) {
        #expect(throws: ResourcesParseError.self) { _ = try Resources(parsing: text) }
    }

    @Test func arithmeticKeepsThreeDecimalsExactly() throws {
        var total = Resources()
        for _ in 0..<10 { total += try Resources(parsing: "cpus:0.1") }
        #expect(total == (try Resources(parsing: "cpus:1")))
        let left = total - (try Resources(parsing: "cpus:0.3"))
        #expect(left.scalar("cpus") == 0.7)
        #expect((left - (try Resources(parsing: "cpus:5"))).isEmpty)
    }

    @Test func rangesSplitAndMerge() throws {
        let all = try Resources(parsing: "ports:[31000-31010]")
        let some = try Resources(parsing: "ports:[31003-31004]")
        let left = all - some
        #expect(left.ranges("ports").ranges == [31000...31002, 31005...31010])
        #expect(all.contains(some))
        #expect(!left.contains(some))
        #expect((left + some) == all)
        #expect(left.ranges("ports").count == 9)
        #expect(all.ranges("ports").prefix(2).ranges == [31000...31001])
    }

    @Test func containmentRespectsRolesAndKinds() throws {
        let reserved = try Resources(parsing: "cpus(web):2;mem:100")
        #expect(!reserved.contains(try Resources(parsing: "cpus:1")))
        #expect(reserved.contains(try Resources(parsing: "cpus(web):1.5;mem:100")))
        #expect(!(try Resources(parsing: "disks:{a}")).contains(try Resources(parsing: "disks:{a,b}")))
    }

    @Test func wireRoundTrip() throws {
        let resources = try Resources(parsing: "cpus:1.5;mem(web):64;ports:[1-2,5-9];disks:{x}")
        let wire = resources.wire(allocationRole: "web")
        #expect(Resources(wire) == resources)
        #expect(wire.allSatisfy { $0.allocationInfo?.role == "web" })
        #expect(wire.first { $0.name == "mem" }?.role == "web")
        #expect(wire.first { $0.name == "cpus" }?.role == nil)
    }
}

@Suite struct ResourcesFitTests {
    @Test func picksConcretePortsAndSetItems() throws {
        let offer = try Resources(parsing: "cpus:2;mem:1024;ports:[31000-31001,31005-31010];disks:{b,a,c}")
        let fit = try #require(offer.fit(ResourceDemand(scalars: ["cpus": 0.5, "mem": 128], ranges: ["ports": 3],
                                                        sets: ["disks": 2])))
        #expect(fit == (try Resources(parsing: "cpus:0.5;mem:128;ports:[31000-31001,31005-31005];disks:{a,b}")))
        #expect(offer.contains(fit))
        #expect((offer - fit).fit(ResourceDemand(cpus: 1.5, mem: 896, ports: 5)) != nil)
    }

    @Test func refusesWhatDoesNotFit() throws {
        let offer = try Resources(parsing: "cpus:1;mem:64;ports:[31000-31001]")
        #expect(offer.fit(ResourceDemand(cpus: 1.5, mem: 32)) == nil)
        #expect(offer.fit(ResourceDemand(cpus: 0.1, mem: 32, ports: 3)) == nil)
        #expect(offer.fit(ResourceDemand(scalars: ["gpus": 1])) == nil)
    }

    @Test func takesExactPortsAcrossRolesAndCountedPortsBesideThem() throws {
        let offer = try Resources(parsing: "ports:[31000-31010];ports(web):[8080-8080]")
        let exact = RangeSet([8080...8080, 31000...31000])
        let fit = try #require(offer.fit(ResourceDemand(ranges: ["ports": 2], exactRanges: ["ports": exact])))
        #expect(fit == (try Resources(parsing: "ports(web):[8080-8080];ports:[31000-31002]")))
        #expect(offer.fit(ResourceDemand(exactRanges: ["ports": RangeSet([31010...31011])])) == nil)
        #expect(offer.fit(ResourceDemand(exactRanges: ["ports": RangeSet([9000...9000])])) == nil)
        #expect(offer.fit(ResourceDemand(ranges: ["ports": 11], exactRanges: ["ports": exact])) == nil)
    }

    @Test func prefersReservedResources() throws {
        let offer = try Resources(parsing: "cpus:1;cpus(web):0.5")
        #expect(offer.fit(ResourceDemand(scalars: ["cpus": 1])) == (try Resources(parsing: "cpus(web):0.5;cpus:0.5")))
    }
}
