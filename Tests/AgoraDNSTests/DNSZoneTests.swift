@testable import AgoraDNS
import AgoraDNSWire
import AgoraWire
import Testing

/// The zone agora-dns builds from the master's state, and the answers it gives.
@Suite struct DNSZoneTests {
    /// Two running instances of /web (one healthy on a bridge, one unhealthy), one of /group/api on its host's
    /// network with two host ports, and a finished task.
    private let state = try! JSONValue.parse(#"""
        {"slaves": [{"id": "a1", "hostname": "node1", "pid": "slave(1)@10.0.0.5:5051"}],
         "frameworks": [{"name": "agora-services", "tasks": [
           {"id": "web.1111", "name": "/web", "state": "TASK_RUNNING", "agent_id": "a1", "resources": {"ports": "[31000-31000]"},
            "statuses": [{"state": "TASK_STARTING"}, {"state": "TASK_RUNNING", "healthy": true, "container_status": {"network_infos": [
              {"name": "mesos-bridge", "ip_addresses": [{"protocol": "IPv4", "ip_address": "10.77.0.2"}],
               "port_mappings": [{"host_port": 31000, "container_port": 80, "protocol": "tcp"}]}]}}]},
           {"id": "web.2222", "name": "/web", "state": "TASK_RUNNING", "agent_id": "a1",
            "statuses": [{"state": "TASK_RUNNING", "healthy": false, "container_status": {"network_infos": [
              {"name": "mesos-bridge", "ip_addresses": [{"ip_address": "10.77.0.3"}]}]}}]},
           {"id": "group_api.3333", "name": "/group/API", "state": "TASK_RUNNING", "agent_id": "a1",
            "resources": {"ports": "[31001-31002]"}, "statuses": [{"state": "TASK_RUNNING"}]},
           {"id": "web.4444", "name": "/web", "state": "TASK_FINISHED", "agent_id": "a1", "statuses": []}]}]}
        """#)

    @Test func healthyRunningInstancesAreAnsweredByNameAndService() {
        let zone = DNSZone(domain: "agora", master: "127.0.0.1", state: state)
        #expect(zone.answer(name: "web.services.agora.", type: DNSRecordType.a).answers == [.a(name: "web.services.agora.", ttl: 1, address: "10.77.0.2")])
        let srv = zone.answer(name: "_web._tcp.services.agora.", type: DNSRecordType.srv)
        #expect(srv.answers == [.srv(name: "_web._tcp.services.agora.", ttl: 1, priority: 0, weight: 0, port: 80, target: "1111.web.services.agora.")])
        #expect(srv.additional == [.a(name: "1111.web.services.agora.", ttl: 1, address: "10.77.0.2")])
        #expect(zone.answer(name: "api.group.services.agora.", type: DNSRecordType.a).answers == [.a(name: "api.group.services.agora.", ttl: 1, address: "10.0.0.5")])
        #expect(zone.answer(name: "_api.group._tcp.services.agora.", type: DNSRecordType.srv).answers.count == 2, "one SRV per host port")
        #expect(zone.answer(name: "leader.agora.", type: DNSRecordType.a).answers == [.a(name: "leader.agora.", ttl: 1, address: "127.0.0.1")])
    }

    @Test func unknownNamesAreNXDomainAndNamesWithoutThatTypeAreEmpty() {
        let zone = DNSZone(domain: "agora.", master: "127.0.0.1", state: state)
        let missing = zone.answer(name: "nope.services.agora.", type: DNSRecordType.a)
        #expect(missing.code == .nameError && missing.answers.isEmpty && missing.authority.count == 1)
        let between = zone.answer(name: "services.agora.", type: DNSRecordType.a)
        #expect(between.code == .noError && between.answers.isEmpty, "a name with names below it exists")
        #expect(zone.answer(name: "web.services.agora.", type: DNSRecordType.srv).code == .noError)
        #expect(zone.contains("x.agora.") && !zone.contains("example.com.") && !zone.contains("notagora."))
    }

    @Test func labelsAreSanitised() {
        #expect(DNSZone.appName("/My_Group/Web.App") == "web-app.my-group")
        #expect(DNSZone.label("---") == nil && DNSZone.label(String(repeating: "a", count: 80))?.count == 63)
        #expect(DNSZone.ports("[31000-31002, 31005-31005]") == [31000, 31001, 31002, 31005])
        #expect(DNSZone.ports("[1-65535]").isEmpty, "an absurd range is not expanded")
    }

    @Test func queriesAndAnswersGoThroughTheWireFormat() throws {
        // A query for web.services.agora. A, id 0x1234, recursion desired.
        var query: [UInt8] = [0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
        for label in ["web", "services", "agora"] { query += [UInt8(label.count)] + Array(label.utf8) }
        query += [0, 0, 1, 0, 1]
        let parsed = try DNSQuery.parse(query)
        #expect(parsed.id == 0x1234 && parsed.name == "web.services.agora." && parsed.type == DNSRecordType.a && parsed.recursionDesired)
        let zone = DNSZone(domain: "agora", master: "127.0.0.1", state: state)
        let answer = zone.answer(name: parsed.name, type: parsed.type)
        let bytes = try DNSResponse.encode(parsed, code: answer.code, answers: answer.answers, authoritative: true)
        #expect(bytes[0] == 0x12 && bytes[1] == 0x34 && bytes[2] & 0x84 == 0x84, "same id, a response, authoritative")
        #expect(bytes[7] == 1, "one answer")
        #expect(Array(bytes.suffix(4)) == [10, 77, 0, 2])
        let tiny = try DNSResponse.encode(parsed, code: .noError, answers: answer.answers, authoritative: true, limit: 20)
        #expect(tiny[2] & 0x02 == 0x02 && tiny[7] == 0, "too big: truncated, no answers")
        #expect(throws: DNSWireError.self) { try DNSQuery.parse(Array(query.prefix(15))) }
        #expect(throws: DNSWireError.self) { try DNSQuery.parse([UInt8](repeating: 0xff, count: 40)) }
    }
}
