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
        FuzzTarget(name: "scheduler-call-protobuf") { _ = try? SchedulerCall(protobuf: $0) },
        FuzzTarget(name: "scheduler-call-json") { _ = try? SchedulerCall(json: $0) },
        FuzzTarget(name: "scheduler-event-protobuf") { _ = try? SchedulerEvent(protobuf: $0) },
        FuzzTarget(name: "agent-call-protobuf") { _ = try? AgentCall(protobuf: $0) },
        FuzzTarget(name: "agent-call-json") { _ = try? AgentCall(json: $0) },
        FuzzTarget(name: "agent-event-protobuf") { _ = try? AgentEvent(protobuf: $0) },
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
}
