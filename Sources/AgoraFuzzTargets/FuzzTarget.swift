import AgoraHTTP
import AgoraCron
import AgoraDNS
import AgoraDNSWire
import AgoraLB
import AgoraRuntime
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
        FuzzTarget(name: "append-log") { bytes in
            // An agent's checkpoint log as read back at start.
            let (records, length) = AppendLog.records(in: bytes)
            precondition(length <= bytes.count && records.reduce(0) { $0 + 8 + $1.count } == length)
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
        FuzzTarget(name: "dns-query") { bytes in
            // A question read from the wire is answered from a small zone, as agora-dns answers it.
            guard let query = try? DNSQuery.parse(bytes) else { return }
            let answer = fuzzZone.answer(name: query.name, type: query.type)
            _ = try? DNSResponse.encode(query, code: answer.code, answers: answer.answers, authority: answer.authority,
                                        additional: answer.additional, authoritative: true, limit: query.udpPayloadSize)
        },
        FuzzTarget(name: "dns-master-state") { bytes in
            guard let json = try? JSONValue.parse(bytes) else { return }
            let zone = DNSZone(domain: "agora", master: "127.0.0.1", state: json)
            for (name, _) in zone.records { _ = zone.answer(name: name, type: DNSRecordType.any) }
        },
        FuzzTarget(name: "lb-apps") { bytes in
            guard let json = try? JSONValue.parse(bytes) else { return }
            _ = HAProxyConfig.render(HAProxyConfig.ports(apps: json), bindIP: "127.0.0.1", httpPort: 80, statsSocket: "/s")
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

/// The zone `dns-query` answers from: one app with a healthy instance on a container network.
private let fuzzZone = DNSZone(domain: "agora", master: "127.0.0.1", state: (try? JSONValue.parse(#"""
    {"slaves": [{"id": "a", "pid": "slave(1)@10.0.0.5:5051"}], "frameworks": [{"name": "agora-services", "tasks": [
      {"id": "web.1", "name": "/web", "state": "TASK_RUNNING", "agent_id": "a", "statuses": [{"state": "TASK_RUNNING",
       "container_status": {"network_infos": [{"ip_addresses": [{"ip_address": "10.77.0.2"}],
       "port_mappings": [{"host_port": 31000, "container_port": 80}]}]}}]}]}]}
    """#)) ?? .null)
