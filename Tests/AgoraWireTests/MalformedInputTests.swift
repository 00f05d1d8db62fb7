import AgoraRuntimeTesting
import AgoraWire
import Testing

/// One bad input and the typed error it must produce.
struct Malformed: CustomTestStringConvertible, Sendable {
    let name: String
    let decode: @Sendable () throws(WireError) -> Void
    let code: WireError.Code
    let field: String?

    var testDescription: String { name }
}

private func binary<M: WireMessage>(_ type: M.Type, _ bytes: [UInt8]) -> @Sendable () throws(WireError) -> Void {
    { () throws(WireError) in _ = try M(protobuf: bytes) }
}

private func json<M: WireMessage>(_ type: M.Type, _ text: String) -> @Sendable () throws(WireError) -> Void {
    { () throws(WireError) in _ = try M(json: Array(text.utf8)) }
}

private let truncatedOffer: [UInt8] = {
    let bytes = (try? Samples.offer.protobuf()) ?? []
    return Array(bytes.prefix(bytes.count / 2))
}()

private let cases: [Malformed] = [
    Malformed(name: "binary: empty message missing its required field", decode: binary(FrameworkID.self, []),
              code: .missingRequiredField, field: "mesos.v1.FrameworkID.value"),
    Malformed(name: "binary: nested required field missing", decode: binary(TaskStatus.self, [0x0a, 0x00, 0x10, 0x01]),
              code: .missingRequiredField, field: "mesos.v1.TaskStatus.task_id.value"),
    Malformed(name: "binary: unknown enum value",
              decode: binary(TaskStatus.self, [0x0a, 0x03, 0x0a, 0x01, 0x74, 0x10, 0x63]),
              code: .unknownEnumValue, field: "mesos.v1.TaskStatus.state"),
    Malformed(name: "binary: string sent as fixed32", decode: binary(FrameworkID.self, [0x0d, 0, 0, 0, 0]),
              code: .invalidWireType, field: "mesos.v1.FrameworkID.value"),
    Malformed(name: "binary: truncated varint", decode: binary(TaskStatus.self, [0x10, 0xff]),
              code: .truncated, field: "mesos.v1.TaskStatus.state"),
    Malformed(name: "binary: length past the end", decode: binary(FrameworkID.self, [0x0a, 0x05, 0x61]),
              code: .truncated, field: "mesos.v1.FrameworkID.value"),
    Malformed(name: "binary: truncated in the middle of an offer", decode: binary(Offer.self, truncatedOffer),
              code: .truncated, field: nil),
    Malformed(name: "binary: wire type 7", decode: binary(FrameworkID.self, [0x0f]),
              code: .invalidWireType, field: "mesos.v1.FrameworkID.value"),
    Malformed(name: "binary: field number zero", decode: binary(FrameworkID.self, [0x00, 0x00]),
              code: .malformed, field: "mesos.v1.FrameworkID"),
    Malformed(name: "json: not JSON", decode: json(FrameworkID.self, #"{"value":"#),
              code: .invalidJSON, field: nil),
    Malformed(name: "json: trailing garbage", decode: json(FrameworkID.self, #"{"value":"x"} x"#),
              code: .invalidJSON, field: nil),
    Malformed(name: "json: nesting too deep", decode: json(FrameworkID.self, String(repeating: "[", count: 500)),
              code: .invalidJSON, field: nil),
    Malformed(name: "json: array instead of object", decode: json(FrameworkID.self, "[1]"),
              code: .wrongJSONType, field: "mesos.v1.FrameworkID"),
    Malformed(name: "json: number instead of string", decode: json(FrameworkID.self, #"{"value":5}"#),
              code: .wrongJSONType, field: "mesos.v1.FrameworkID.value"),
    Malformed(name: "json: missing required field", decode: json(FrameworkID.self, "{}"),
              code: .missingRequiredField, field: "mesos.v1.FrameworkID.value"),
    Malformed(name: "json: nested required field missing",
              decode: json(TaskStatus.self, #"{"task_id":{},"state":"TASK_RUNNING"}"#),
              code: .missingRequiredField, field: "mesos.v1.TaskStatus.task_id.value"),
    Malformed(name: "json: unknown enum name",
              decode: json(TaskStatus.self, #"{"task_id":{"value":"t"},"state":"TASK_BOGUS"}"#),
              code: .unknownEnumValue, field: "mesos.v1.TaskStatus.state"),
    Malformed(name: "json: unknown enum number",
              decode: json(TaskStatus.self, #"{"task_id":{"value":"t"},"state":99}"#),
              code: .unknownEnumValue, field: "mesos.v1.TaskStatus.state"),
    Malformed(name: "json: invalid base64",
              decode: json(TaskStatus.self, #"{"task_id":{"value":"t"},"state":"TASK_RUNNING","uuid":"!!!"}"#),
              code: .invalidBase64, field: "mesos.v1.TaskStatus.uuid"),
    Malformed(name: "json: string instead of bool",
              decode: json(TaskStatus.self, #"{"task_id":{"value":"t"},"state":"TASK_RUNNING","healthy":"yes"}"#),
              code: .wrongJSONType, field: "mesos.v1.TaskStatus.healthy"),
    Malformed(name: "json: int32 out of range", decode: json(AgentInfo.self, #"{"hostname":"h","port":99999999999}"#),
              code: .outOfRange, field: "mesos.v1.AgentInfo.port"),
    Malformed(name: "json: fraction for an integer", decode: json(AgentInfo.self, #"{"hostname":"h","port":1.5}"#),
              code: .wrongJSONType, field: "mesos.v1.AgentInfo.port"),
    Malformed(name: "json: negative unsigned", decode: json(ValueRange.self, #"{"begin":-1,"end":2}"#),
              code: .outOfRange, field: "mesos.v1.Value.Range.begin"),
    Malformed(name: "json: object for a repeated field", decode: json(SchedulerEvent.Offers.self, #"{"offers":{}}"#),
              code: .wrongJSONType, field: "mesos.v1.scheduler.Event.Offers.offers"),
    Malformed(name: "json: bad element deep in a list",
              decode: json(SchedulerEvent.Offers.self,
                           #"{"offers":[{"id":{"value":"o"},"framework_id":{"value":"f"},"agent_id":{"value":"a"},"hostname":"h","resources":[{"name":"cpus","type":"SCALAR","scalar":{"value":"x"}}]}]}"#),
              code: .wrongJSONType, field: "mesos.v1.scheduler.Event.Offers.offers[0].resources[0].scalar.value"),
    Malformed(name: "json: invalid UTF-8 in a string", decode: { () throws(WireError) in
        _ = try FrameworkID(json: [0x7b, 0x22, 0x76, 0x61, 0x6c, 0x75, 0x65, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d])
    }, code: .invalidJSON, field: nil),
]

@Suite struct MalformedInputTests {
    @Test(arguments: cases)
    func malformedInputGivesTypedErrorNamingTheField(_ input: Malformed) {
        do {
            try input.decode()
            Issue.record("\(input.name): decoded without error")
        } catch {
            #expect(error.code == input.code, "\(input.name): \(error)")
            if let field = input.field { #expect(error.field == field, "\(input.name): \(error)") }
        }
    }

    @Test func valuesJSONCannotHoldAreRefusedOnEncode() {
        #expect(throws: WireError(.outOfRange, field: "mesos.v1.Value.Scalar.value", "nan has no JSON representation")) {
            _ = try Scalar(.nan).json()
        }
        // Binary protobuf carries NaN fine.
        #expect(throws: Never.self) { _ = try Scalar(.nan).protobuf() }
    }

    @Test func mutatedBytesNeverTrap() {
        var random = SplitMix64(seed: 0x4147_4f52_41)
        var decoded = 0
        var rejected = 0
        for sample in Samples.events + [SchedulerEvent(type: .offers, offers: .init(offers: [Samples.offer]))] {
            guard let valid = try? sample.protobuf(), let validJSON = try? sample.json() else { continue }
            for _ in 0..<300 {
                let mutated = mutate(valid, &random)
                if (try? SchedulerEvent(protobuf: mutated)) != nil { decoded += 1 } else { rejected += 1 }
                let mutatedJSON = mutate(validJSON, &random)
                if (try? SchedulerEvent(json: mutatedJSON)) != nil { decoded += 1 } else { rejected += 1 }
            }
        }
        #expect(decoded + rejected == 9 * 600)
        #expect(rejected > 0)
    }

    private func mutate(_ bytes: [UInt8], _ random: inout SplitMix64) -> [UInt8] {
        var out = bytes
        switch random.next() % 4 {
        case 0 where !out.isEmpty:
            out[Int(random.next() % UInt64(out.count))] = UInt8(truncatingIfNeeded: random.next())
        case 1 where !out.isEmpty:
            out = Array(out.prefix(Int(random.next() % UInt64(out.count))))
        case 2:
            out.insert(UInt8(truncatingIfNeeded: random.next()), at: Int(random.next() % UInt64(out.count + 1)))
        default:
            for _ in 0..<4 where !out.isEmpty {
                out[Int(random.next() % UInt64(out.count))] ^= UInt8(truncatingIfNeeded: random.next() | 1)
            }
        }
        return out
    }
}

@Suite struct JSONValueTests {
    @Test func parsesAndSerialisesEscapesAndNumbers() throws {
        let text = #"{"a":[1,-2.5e3,true,false,null],"s":"q\"\\\/\n\u00e9\ud83d\ude00","big":18446744073709551615}"#
        let value = try JSONValue.parse(text)
        #expect(value["s"] == .string("q\"\\/\né😀"))
        #expect(value["big"] == .number("18446744073709551615"))
        #expect(try JSONValue.parse(value.text) == value)
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\" 1}", "01", "1.", "-", "\"\\x\"", "\"\\ud800\"", "tru", "{\"a\":1,}", "\"\u{1}\""])
    func rejectsInvalidJSON(_ text: String) {
        #expect(throws: WireError.self) { _ = try JSONValue.parse(text) }
    }
}
