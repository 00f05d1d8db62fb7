import AgoraWire
import Testing

/// What the generated codecs check beyond a plain round trip: strings C cannot hold, bytes that are not
/// UTF-8, the JSON key spellings Mesos clients use, and nesting hidden in keys Agora does not read.
@Suite struct GeneratedCodecTests {
    @Test func aStringHoldingNULCannotBecomeACString() {
        #expect(throws: WireError(.invalidValue, field: "mesos.v1.Label.key", "a string holds a NUL character")) {
            try Label(key: "a\u{0}b", value: "v").protobuf()
        }
        #expect(throws: WireError(.invalidValue, field: "mesos.v1.TaskID.value", "a string holds a NUL character")) {
            try TaskID("t\u{0}").protobuf()
        }
    }

    @Test func protobufStringsMustBeUTF8() {
        // Label { key: "\xff" }: field 1, length 1, one byte that is not UTF-8.
        #expect(throws: WireError(.invalidValue, field: "mesos.v1.Label.key", "string is not valid UTF-8")) {
            try Label(protobuf: [0x0A, 0x01, 0xFF])
        }
        #expect(throws: WireError(.invalidValue, field: "mesos.v1.Labels.labels[1].key", "string is not valid UTF-8")) {
            try Labels(protobuf: [0x0A, 0x03, 0x0A, 0x01, 0x61, 0x0A, 0x03, 0x0A, 0x01, 0xC3])
        }
    }

    @Test func jsonKeysMatchAsMesosClientsSpellThem() throws {
        let text = #"""
        {"type": "DECLINE", "frameworkId": {"value": "f"},
         "decline": {"offerIDs": [{"value": "o-1"}, {"value": "o-2"}], "filters": null, "FILTERS": null},
         "unknown": {"deep": [[[{"a": [1, 2.5e3, "x", true, null]}]]]},
         "Type": "DECLINE"}
        """#
        let call = try SchedulerCall(json: Array(text.utf8))
        #expect(call.type == .decline)
        #expect(call.frameworkID == "f")
        #expect(call.decline?.offerIDs == ["o-1", "o-2"])
        #expect(call.decline?.filters == nil)
    }

    @Test func theLastOfRepeatedKeysWins() throws {
        let label = try Label(json: Array(#"{"key": "a", "value": "1", "key": "b"}"#.utf8))
        #expect(label == Label(key: "b", value: "1"))
    }

    @Test func nestingInAnUnreadKeyIsStillBounded() {
        let deep = String(repeating: "[", count: 150) + String(repeating: "]", count: 150)
        #expect(throws: WireError(.invalidJSON, field: nil, "nesting deeper than 100 at byte 122")) {
            try Label(json: Array(#"{"key": "a", "extra": \#(deep)}"#.utf8))
        }
    }

    @Test func enumsReadByNameOrNumberAndRefuseTheRest() throws {
        #expect(try TaskStatus(json: Array(#"{"task_id": {"value": "t"}, "state": 1}"#.utf8)).state == .running)
        #expect(throws: WireError(.unknownEnumValue, field: "mesos.v1.TaskStatus.state",
                                  "\"TASK_NAPPING\" is not a value of mesos.v1.TaskState")) {
            try TaskStatus(json: Array(#"{"task_id": {"value": "t"}, "state": "TASK_NAPPING"}"#.utf8))
        }
        #expect(throws: WireError(.unknownEnumValue, field: "mesos.v1.TaskStatus.state", "99 is not a value of mesos.v1.TaskState")) {
            // TaskStatus { task_id { value: "t" }, state: 99 }
            try TaskStatus(protobuf: [0x0A, 0x03, 0x0A, 0x01, 0x74, 0x10, 99])
        }
    }
}
