internal import CLDNS
import Glibc

/// Why DNS bytes could not be read or an answer could not be written.
public struct DNSWireError: Error, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// DNS response codes Agora answers with.
public enum DNSResponseCode: UInt8, Sendable {
    case noError = 0
    case formatError = 1
    case serverFailure = 2
    case nameError = 3
    case notImplemented = 4
    case refused = 5
}

/// Record types Agora answers for, by number.
public enum DNSRecordType {
    public static let a: UInt16 = 1
    public static let soa: UInt16 = 6
    public static let srv: UInt16 = 33
    public static let any: UInt16 = 255
}

/// A query read from the wire (by libldns): its id, its one question (name lowercased, ending in a dot, type and
/// class), whether recursion is asked for, and the largest answer the client takes over UDP (512, or its EDNS size).
public struct DNSQuery: Sendable {
    public let id: UInt16
    public let name: String
    public let type: UInt16
    public let recursionDesired: Bool
    public let udpPayloadSize: Int
    /// The query as it came, answered with its own question section.
    let bytes: [UInt8]

    /// Reads a standard query with exactly one question of class IN; anything else is refused as malformed.
    public static func parse(_ bytes: [UInt8]) throws(DNSWireError) -> DNSQuery {
        guard bytes.count >= 12, bytes.count <= 65535 else { throw DNSWireError("a DNS message is 12 to 65535 bytes") }
        let packet = try Packet(wire: bytes)
        defer { packet.free() }
        let raw = packet.raw
        guard ldns_pkt_qr(raw) == 0, ldns_pkt_get_opcode(raw) == LDNS_PACKET_QUERY else { throw DNSWireError("not a standard query") }
        guard ldns_pkt_qdcount(raw) == 1, let question = ldns_rr_list_rr(ldns_pkt_question(raw), 0) else {
            throw DNSWireError("a query asks exactly one question")
        }
        guard ldns_rr_get_class(question) == LDNS_RR_CLASS_IN else { throw DNSWireError("only class IN is served") }
        guard let owner = ldns_rr_owner(question), let text = ldns_rdf2str(owner) else { throw DNSWireError("the question has no name") }
        defer { Glibc.free(text) }
        let edns = ldns_pkt_edns(raw) != 0 ? Int(ldns_pkt_edns_udp_size(raw)) : 512
        return DNSQuery(id: ldns_pkt_id(raw), name: String(cString: text).lowercased(), type: UInt16(ldns_rr_get_type(question).rawValue),
                        recursionDesired: ldns_pkt_rd(raw) != 0, udpPayloadSize: min(max(edns, 512), 4096), bytes: bytes)
    }
}

/// A resource record Agora answers with.
public enum DNSRecord: Hashable, Sendable {
    case a(name: String, ttl: UInt32, address: String)
    case srv(name: String, ttl: UInt32, priority: UInt16, weight: UInt16, port: UInt16, target: String)
    case soa(name: String, ttl: UInt32, primary: String, mailbox: String, serial: UInt32, minimum: UInt32)

    /// The record in zone-file form, which libldns reads.
    var zoneText: String {
        switch self {
        case .a(let name, let ttl, let address): "\(name) \(ttl) IN A \(address)"
        case .srv(let name, let ttl, let priority, let weight, let port, let target): "\(name) \(ttl) IN SRV \(priority) \(weight) \(port) \(target)"
        case .soa(let name, let ttl, let primary, let mailbox, let serial, let minimum):
            "\(name) \(ttl) IN SOA \(primary) \(mailbox) \(serial) 60 30 86400 \(minimum)"
        }
    }
}

/// Writes answers (by libldns).
public enum DNSResponse {
    /// The answer to `query`: `code`, the records of each section, the AA flag when Agora is the authority. An
    /// answer larger than `limit` bytes is sent without its records and with TC set, so the client asks over TCP.
    public static func encode(_ query: DNSQuery, code: DNSResponseCode, answers: [DNSRecord] = [], authority: [DNSRecord] = [],
                              additional: [DNSRecord] = [], authoritative: Bool, limit: Int = 65535) throws(DNSWireError) -> [UInt8] {
        let full = try build(query, code: code, sections: [answers, authority, additional], authoritative: authoritative, truncated: false)
        guard full.count > limit else { return full }
        return try build(query, code: code, sections: [[], [], []], authoritative: authoritative, truncated: true)
    }

    private static func build(_ query: DNSQuery, code: DNSResponseCode, sections: [[DNSRecord]], authoritative: Bool,
                              truncated: Bool) throws(DNSWireError) -> [UInt8] {
        let asked = try Packet(wire: query.bytes)
        defer { asked.free() }
        guard let answer = ldns_pkt_new() else { throw DNSWireError("out of memory") }
        let packet = Packet(raw: answer)
        defer { packet.free() }
        ldns_pkt_set_id(answer, query.id)
        ldns_pkt_set_qr(answer, 1)
        ldns_pkt_set_opcode(answer, LDNS_PACKET_QUERY)
        ldns_pkt_set_aa(answer, authoritative ? 1 : 0)
        ldns_pkt_set_rd(answer, query.recursionDesired ? 1 : 0)
        ldns_pkt_set_tc(answer, truncated ? 1 : 0)
        ldns_pkt_set_rcode(answer, code.rawValue)
        if let question = ldns_rr_list_rr(ldns_pkt_question(asked.raw), 0), let copy = ldns_rr_clone(question) {
            guard ldns_pkt_push_rr(answer, LDNS_SECTION_QUESTION, copy) != 0 else { throw DNSWireError("cannot copy the question") }
        }
        for (records, section) in zip(sections, [LDNS_SECTION_ANSWER, LDNS_SECTION_AUTHORITY, LDNS_SECTION_ADDITIONAL]) {
            for record in records {
                var rr: UnsafeMutablePointer<ldns_rr>?
                let status = ldns_rr_new_frm_str(&rr, record.zoneText, 0, nil, nil)
                guard status == LDNS_STATUS_OK, let rr else { throw DNSWireError("cannot write \(record.zoneText): \(String(cString: ldns_get_errorstr_by_id(status)))") }
                guard ldns_pkt_push_rr(answer, section, rr) != 0 else {
                    ldns_rr_free(rr)
                    throw DNSWireError("cannot add \(record.zoneText)")
                }
            }
        }
        var buffer: UnsafeMutablePointer<UInt8>?
        var size = 0
        let status = ldns_pkt2wire(&buffer, answer, &size)
        guard status == LDNS_STATUS_OK, let buffer else { throw DNSWireError("cannot write the answer: \(String(cString: ldns_get_errorstr_by_id(status)))") }
        defer { Glibc.free(buffer) }
        return Array(UnsafeBufferPointer(start: buffer, count: size))
    }
}

/// One libldns packet, freed once.
private struct Packet {
    let raw: UnsafeMutablePointer<ldns_pkt>

    init(raw: UnsafeMutablePointer<ldns_pkt>) { self.raw = raw }

    init(wire bytes: [UInt8]) throws(DNSWireError) {
        var packet: UnsafeMutablePointer<ldns_pkt>?
        let status = bytes.withUnsafeBufferPointer { ldns_wire2pkt(&packet, $0.baseAddress, $0.count) }
        guard status == LDNS_STATUS_OK, let packet else {
            throw DNSWireError("not a DNS message: \(String(cString: ldns_get_errorstr_by_id(status)))")
        }
        raw = packet
    }

    func free() { ldns_pkt_free(raw) }
}
