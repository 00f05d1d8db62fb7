import AgoraResources
import AgoraWire
import Testing

@Suite struct PlacementConstraintTests {
    private let rack = { (name: String) in [Attribute.text("rack", name)] }

    private func holds(_ parts: [String], on host: String, rack here: String, placed: [(String, String)]) throws -> Bool {
        try PlacementConstraint(parts: parts).holds(hostname: host, attributes: rack(here),
                                                    placed: placed.map { ($0.0, rack($0.1)) })
    }

    @Test func everyMarathonOperatorAndChronosEquals() throws {
        #expect(try holds(["hostname", "UNIQUE"], on: "a", rack: "r1", placed: [("b", "r1")]))
        #expect(try !holds(["hostname", "UNIQUE"], on: "a", rack: "r1", placed: [("a", "r1")]))
        #expect(try holds(["rack", "CLUSTER", "r1"], on: "a", rack: "r1", placed: []))
        #expect(try !holds(["rack", "IS", "r2"], on: "a", rack: "r1", placed: []))
        #expect(try holds(["rack", "EQUALS", "r1"], on: "a", rack: "r1", placed: []))
        #expect(try holds(["rack", "LIKE", "r[0-9]"], on: "a", rack: "r1", placed: []))
        #expect(try !holds(["rack", "UNLIKE", "r[0-9]"], on: "a", rack: "r1", placed: []))
        #expect(try holds(["rack", "MAX_PER", "2"], on: "a", rack: "r1", placed: [("b", "r1")]))
        #expect(try !holds(["rack", "MAX_PER", "2"], on: "a", rack: "r1", placed: [("b", "r1"), ("c", "r1")]))
        #expect(try holds(["rack", "GROUP_BY", "2"], on: "a", rack: "r2", placed: [("b", "r1")]))
        #expect(try !holds(["rack", "GROUP_BY", "2"], on: "a", rack: "r1", placed: [("b", "r1")]))
        #expect(try !holds(["zone", "CLUSTER", "z"], on: "a", rack: "r1", placed: []), "an agent without the field")
    }

    @Test(arguments: [["hostname"], ["hostname", "NEAR"], ["rack", "CLUSTER"], ["rack", "LIKE", "("], ["rack", "MAX_PER", "0"],
                      ["a", "UNIQUE", "x", "y"]])
    func badConstraintsSayWhy(_ parts: [String]) {
        #expect(throws: PlacementConstraintError.self) { try PlacementConstraint(parts: parts) }
    }

    @Test func rangeAttributesCompareByTheirText() {
        let attributes = [Attribute(name: "spare", type: .ranges, ranges: ValueRanges([ValueRange(begin: 1, end: 2)]))]
        #expect(PlacementConstraint.value("spare", hostname: "h", attributes: attributes) == "[1-2]")
    }
}
