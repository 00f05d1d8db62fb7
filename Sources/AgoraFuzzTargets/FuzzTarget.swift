import AgoraHTTP
import AgoraCron
import AgoraServices
import AgoraWire
import Foundation

/// One decoder under fuzzing: it must answer every input with a value or a typed error, never a trap.
/// `agora-fuzz` drives these under libFuzzer; `AgoraFuzzTests` replays the committed corpus through them.
public struct FuzzTarget: Sendable {
    public let name: String
    public let run: @Sendable ([UInt8]) -> Void

    /// Every target `make fuzz` runs, by name.
    public static let all: [FuzzTarget] = [
        .message(SchedulerCall.self, "scheduler-call-protobuf", .protobuf),
        .message(SchedulerCall.self, "scheduler-call-json", .json),
        .message(SchedulerEvent.self, "scheduler-event-protobuf", .protobuf),
        .message(SchedulerEvent.self, "scheduler-event-json", .json),
        .message(AgentCall.self, "agent-call-protobuf", .protobuf),
        .message(AgentCall.self, "agent-call-json", .json),
        .message(AgentEvent.self, "agent-event-protobuf", .protobuf),
        .message(ExecutorCall.self, "executor-call-protobuf", .protobuf),
        .message(ExecutorCall.self, "executor-call-json", .json),
        .message(ExecutorEvent.self, "executor-event-protobuf", .protobuf),
        FuzzTarget(name: "json") { _ = try? JSONValue.parse($0) },
        FuzzTarget(name: "http-request") { bytes in
            // Fed in two pieces, as bytes arrive from a socket; the first byte says where to cut.
            let cut = bytes.isEmpty ? 0 : Int(bytes[0]) % (bytes.count + 1)
            _ = scanHTTPRequests([Array(bytes[..<cut]), Array(bytes[cut...])])
        },
        FuzzTarget(name: "recordio") { bytes in
            var decoder = RecordIODecoder()
            _ = try? decoder.feed(bytes)
        },
        FuzzTarget(name: "iso8601-schedule") { bytes in
            _ = try? ISO8601Schedule(parsing: String(decoding: bytes, as: UTF8.self), now: Date(timeIntervalSince1970: 1_800_000_000))
        },
        FuzzTarget(name: "cron-expression") { bytes in
            guard let expression = try? CronExpression(parsing: String(decoding: bytes, as: UTF8.self)) else { return }
            _ = expression.next(after: Date(timeIntervalSince1970: 1_800_000_000))
        },
        FuzzTarget(name: "marathon-app") { bytes in
            guard let json = try? JSONValue.parse(bytes) else { return }
            _ = try? AppJSON.parse(json)
        },
        FuzzTarget(name: "chronos-job") { bytes in
            guard let json = try? JSONValue.parse(bytes) else { return }
            _ = try? JobJSON.parse(json, dependent: nil, now: Date(timeIntervalSince1970: 1_800_000_000))
        },
    ]

    public static func named(_ name: String) -> FuzzTarget? { all.first { $0.name == name } }

    /// Decodes `M` from the input; whatever decodes must encode again in both formats to bytes that decode
    /// to a value encoding to the very same bytes, so the generated codecs cannot drift apart (a mismatch traps,
    /// which libFuzzer reports as a crash).
    static func message<M: WireMessage>(_ type: M.Type, _ name: String, _ format: WireFormat) -> FuzzTarget {
        FuzzTarget(name: name) { bytes in
            guard let value = try? M(decoding: bytes, as: format) else { return }
            for output in [WireFormat.protobuf, .json] {
                guard let encoded = try? value.encoded(as: output) else { continue }
                guard let again = try? M(decoding: encoded, as: output), let reencoded = try? again.encoded(as: output),
                      reencoded == encoded
                else { preconditionFailure("\(M.protoName) did not survive a \(output.contentType) round trip") }
            }
        }
    }
}
