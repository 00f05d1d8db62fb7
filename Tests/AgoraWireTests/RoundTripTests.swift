import AgoraWire
import Testing

@Suite struct RoundTripTests {
    @Test func statusUUIDsAreSixteenBytesAndNeverRepeat() {
        let uuids = (0..<1000).map { _ in TaskStatus.newUUID() }
        #expect(uuids.allSatisfy { $0.count == 16 })
        #expect(Set(uuids).count == uuids.count)
        // Every byte position takes many values (no byte left constant by the packing of the two draws).
        for position in 0..<16 { #expect(Set(uuids.map { $0[position] }).count > 100) }
    }

    @Test(arguments: Samples.all.indices)
    func protobufAndJSONRoundTrip(index: Int) throws {
        guard let message = Samples.all[index] as? any (WireMessage & Equatable) else {
            Issue.record("\(type(of: Samples.all[index])) is not Equatable")
            return
        }
        try roundTrip(message)
    }

    private func roundTrip<M: WireMessage & Equatable>(_ message: M) throws {
        let binary = try message.protobuf()
        #expect(try M(protobuf: binary) == message, "\(M.self) binary round trip")

        let json = try message.json()
        #expect(try M(json: json) == message, "\(M.self) JSON round trip: \(String(decoding: json, as: UTF8.self))")

        // JSON produced here, decoded, re-encoded through the binary path, and back to the same JSON.
        let viaBinary = try M(protobuf: try M(json: json).protobuf())
        #expect(try viaBinary.json() == json)
        #expect(try viaBinary.protobuf() == binary)
    }
}

@Suite struct WireShapeTests {
    @Test func jsonFollowsTheMesosMapping() throws {
        let json = try SchedulerEvent(type: .offers, offers: .init(offers: [Samples.offer])).jsonValue()
        #expect(json["type"] == .string("OFFERS"))
        let offer = json["offers"]?["offers"].flatMap { value -> JSONValue? in
            if case .array(let items) = value { return items.first }
            return nil
        }
        #expect(offer?["id"] == .object([("value", .string("offer-1"))]))
        #expect(offer?["framework_id"]?["value"] == .string("fw-1"))
        guard case .array(let resources)? = offer?["resources"] else {
            Issue.record("resources missing")
            return
        }
        #expect(resources[0] == (try JSONValue.parse(#"{"name":"cpus","type":"SCALAR","scalar":{"value":1.5}}"#)))
        #expect(resources[2]["ranges"] == (try JSONValue.parse(
            #"{"range":[{"begin":31000,"end":31009},{"begin":31100,"end":31200}]}"#)))
        #expect(resources[3]["set"] == (try JSONValue.parse(#"{"item":["ssd0","ssd1"]}"#)))
    }

    @Test func bytesAreBase64AndEnumsAreNames() throws {
        let json = try SchedulerCall(
            type: .acknowledge, frameworkID: "fw",
            acknowledge: .init(agentID: "a", taskID: "t", uuid: Array("hello!?".utf8))).jsonValue()
        #expect(json["acknowledge"]?["uuid"] == .string("aGVsbG8hPw=="))
        #expect(json["type"] == .string("ACKNOWLEDGE"))
    }

    @Test func decodesWhatPymesosSends() throws {
        // Unknown keys (here "command.environment" and "unknown") are ignored; numbers may be ints or floats.
        let text = #"""
        {"type": "ACCEPT", "framework_id": {"value": "fw-1"},
         "accept": {"offer_ids": [{"value": "o-1"}],
                    "operations": [{"type": "LAUNCH", "launch": {"task_infos": [
                        {"name": "t", "task_id": {"value": "t-1"}, "agent_id": {"value": "a-1"},
                         "command": {"value": "echo hi"}, "command.environment": {},
                         "resources": [{"name": "cpus", "type": "SCALAR", "scalar": {"value": 1}},
                                       {"name": "mem", "type": "SCALAR", "scalar": {"value": 32.0}}]}]}}],
                    "filters": {"refuse_seconds": 5}},
         "unknown": [1, 2, 3]}
        """#
        let call = try SchedulerCall(json: Array(text.utf8))
        #expect(call.type == .accept)
        let task = call.accept?.operations.first?.launch?.taskInfos.first
        #expect(task?.taskID == "t-1")
        #expect(task?.resources.map(\.scalar?.value) == [1, 32])
        #expect(call.accept?.filters?.refuseSeconds == 5)
    }

    @Test func absentOptionalsStayAbsentAndDefaultsApply() throws {
        let filters = try Filters(protobuf: [])
        #expect(filters.refuseSeconds == nil)
        #expect(filters.effectiveRefuseSeconds == 5)
        let resource = try Resource(protobuf: Resource.scalar("cpus", 1).protobuf())
        #expect(resource.role == nil)
        let explicit = try Resource(protobuf: Resource.scalar("cpus", 1, role: "*").protobuf())
        #expect(explicit.role == "*")
    }

    @Test func wireFormatFollowsContentType() {
        #expect(WireFormat(contentType: "application/json; charset=utf-8") == .json)
        #expect(WireFormat(contentType: "application/x-protobuf") == .protobuf)
        #expect(WireFormat(contentType: "text/plain") == nil)
        #expect(WireFormat(contentType: " Application/JSON ;charset=utf-8") == .json)
        #expect(WireFormat(contentType: "APPLICATION/X-PROTOBUF") == .protobuf)
        #expect(WireFormat(contentType: "application/jsonx") == nil)
        #expect(WireFormat(contentType: "application/jso") == nil)
        #expect(WireFormat(contentType: "") == nil)
        #expect(WireFormat(contentType: "applicätion/json") == nil)
    }
}
