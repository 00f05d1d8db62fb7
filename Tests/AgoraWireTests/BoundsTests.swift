import AgoraWire
import Testing

@Suite struct BoundsTests {
    @Test func refusesWhatCannotBeAnIntegerOrIsOutOfRange() throws {
        for value in [Double.nan, .infinity, -.infinity, 1e300, 1e19, -1, 1.5] {
            #expect(throws: WireError.self) { try Bounds.integer(value, in: 0...65535, field: "/ports(0)") }
        }
        #expect(try Bounds.integer(8080.0, in: 0...65535, field: "/port") == 8080)
        #expect(throws: WireError.self) { try Bounds.integer(UInt64.max, in: 0...10, field: "x") }
    }

    @Test func errorsNameTheField() {
        do {
            _ = try Bounds.seconds(1e300, field: "/healthChecks(0)/intervalSeconds")
            Issue.record("1e300 seconds was accepted")
        } catch {
            #expect(error.field == "/healthChecks(0)/intervalSeconds")
            #expect(error.code == .outOfRange)
        }
    }

    @Test func clampedConversionsNeverTrap() {
        #expect(Bounds.clampedInt64(.nan) == 0)
        #expect(Bounds.clampedInt64(.infinity) == .max)
        #expect(Bounds.clampedInt64(-1e300) == .min)
        #expect(Bounds.clampedInt64(2.5) == 3)
        #expect(Bounds.duration(seconds: 1e300) == .seconds(Bounds.maxSeconds))
        #expect(Bounds.duration(seconds: -.infinity) == .zero)
    }

    @Test func decodedMessagesAreChecked() throws {
        let bad = [
            #"{"name":"cpus","type":"SCALAR","scalar":{"value":"NaN"}}"#,
            #"{"name":"mem","type":"SCALAR","scalar":{"value":1e17}}"#,
            #"{"name":"ports","type":"RANGES","ranges":{"range":[{"begin":5,"end":4}]}}"#,
        ]
        for text in bad {
            #expect(throws: WireError.self, "\(text)") { try Resource(json: Array(text.utf8)) }
        }
        let framework = #"{"user":"u","name":"n","failover_timeout":1e300}"#
        do {
            _ = try FrameworkInfo(json: Array(framework.utf8))
            Issue.record("failover_timeout 1e300 was accepted")
        } catch {
            #expect(error.field == "mesos.v1.FrameworkInfo.failover_timeout")
        }
    }
}
