import AgoraDNSWire
import AgoraWire
import Foundation

/// The records agora-dns serves, built from the master's `/state` as Mesos-DNS builds them:
/// - `<app>.<framework>.<domain>` A: the address of every running, healthy instance (its container address on a
///   network of its own, else its agent's);
/// - `<instance>.<app>.<framework>.<domain>` A: one instance's address (the SRV targets);
/// - `_<app>._tcp.<framework>.<domain>` (and `_udp`) SRV: one target and port per instance and port (a container
///   port at the container's own address, else a host port at the agent's);
/// - `leader.<domain>`, `master.<domain>` A: the master; the domain's SOA.
/// An app is its task name with `/` turned around into dots (`/group/web` → `web.group`), a framework its name
/// without an `agora-` prefix (`agora-services` → `services`); labels are lowercased, anything but letters, digits
/// and `-` becomes `-`, and they are cut at 63 characters.
public struct DNSZone: Sendable {
    public let domain: String
    /// Records by owner name (lowercase, ending in a dot).
    public private(set) var records: [String: [DNSRecord]] = [:]
    /// Every owner name and every name between it and the domain (names that exist without records of their own).
    private var names: Set<String> = []
    /// Seconds clients may keep an answer.
    public static let ttl: UInt32 = 1

    /// An empty zone for `domain` (`agora` or `agora.`), with its SOA and master records.
    public init(domain: String, master: String) {
        self.domain = domain.hasSuffix(".") ? domain.lowercased() : domain.lowercased() + "."
        add(.soa(name: self.domain, ttl: Self.ttl, primary: "ns." + self.domain, mailbox: "root.ns." + self.domain, serial: 1,
                 minimum: Self.ttl))
        for name in ["leader", "master"] { add(.a(name: name + "." + self.domain, ttl: Self.ttl, address: master)) }
    }

    /// The zone for the master's `/state`.
    public init(domain: String, master: String, state: JSONValue) {
        self.init(domain: domain, master: master)
        var agentAddresses: [String: String] = [:]
        for agent in state["slaves"]?.array ?? [] {
            guard let id = agent.stringValue("id"), let pid = agent.stringValue("pid") else { continue }
            // `slave(1)@IP:PORT`
            let host = pid.split(separator: "@").last.map { String($0.split(separator: ":").first ?? "") } ?? ""
            if Self.isIPv4(host) { agentAddresses[id] = host }
        }
        for framework in state["frameworks"]?.array ?? [] {
            let frameworkName = framework.stringValue("name") ?? ""
            guard let frameworkLabel = Self.label(frameworkName.hasPrefix("agora-") ? String(frameworkName.dropFirst(6)) : frameworkName)
            else { continue }
            for task in framework["tasks"]?.array ?? [] where task.stringValue("state") == "TASK_RUNNING" {
                addTask(task, framework: frameworkLabel, agentAddresses: agentAddresses)
            }
        }
    }

    private mutating func addTask(_ task: JSONValue, framework: String, agentAddresses: [String: String]) {
        let statuses = task["statuses"]?.array ?? []
        guard statuses.last?["healthy"] != .bool(false), let app = Self.appName(task.stringValue("name") ?? ""),
              let instance = Self.label(String((task.stringValue("id") ?? "").split(separator: ".").last ?? "")) else { return }
        let networks = statuses.last { $0["container_status"] != nil }?["container_status"]?["network_infos"]?.array ?? []
        let containerAddress = networks.lazy.compactMap { $0["ip_addresses"]?.array?.first?.stringValue("ip_address") }.first
        guard let address = containerAddress ?? task.stringValue("agent_id").flatMap({ agentAddresses[$0] }) else { return }
        let appName = "\(app).\(framework).\(domain)"
        let target = "\(instance).\(appName)"
        add(.a(name: appName, ttl: Self.ttl, address: address))
        add(.a(name: target, ttl: Self.ttl, address: address))
        var ports: [(port: UInt16, proto: String)] = []
        if containerAddress != nil {
            for network in networks {
                for mapping in network["port_mappings"]?.array ?? [] {
                    guard let port = mapping["container_port"]?.integerValue.flatMap(UInt16.init(exactly:)) else { continue }
                    ports.append((port, mapping.stringValue("protocol") ?? "tcp"))
                }
            }
        } else {
            ports = Self.ports(task["resources"]?.stringValue("ports") ?? "").map { ($0, "tcp") }
        }
        for (port, proto) in ports {
            add(.srv(name: "_\(app)._\(proto).\(framework).\(domain)", ttl: Self.ttl, priority: 0, weight: 0, port: port, target: target))
        }
    }

    private mutating func add(_ record: DNSRecord) {
        let name = record.owner
        guard records[name]?.contains(record) != true else { return }
        records[name, default: []].append(record)
        var ancestor = Substring(name)
        while ancestor.count > domain.count, names.insert(String(ancestor)).inserted, let dot = ancestor.firstIndex(of: ".") {
            ancestor = ancestor[ancestor.index(after: dot)...]
        }
        names.insert(domain)
    }

    /// The answer to a question for `name` (lowercase, ending in a dot) of `type`, Agora being the authority: the
    /// records of that type (all for ANY), with the addresses of SRV targets as additional records; the SOA as
    /// authority when there is nothing of that type, and NXDOMAIN when the name does not exist.
    public func answer(name: String, type: UInt16) -> DNSAnswer {
        guard names.contains(name) else {
            return DNSAnswer(code: .nameError, authority: records[domain] ?? [])
        }
        let found = (records[name] ?? []).filter { type == DNSRecordType.any || $0.type == type }
        guard !found.isEmpty else { return DNSAnswer(code: .noError, authority: records[domain]?.filter { $0.type == DNSRecordType.soa } ?? []) }
        var additional: [DNSRecord] = []
        for record in found {
            if case .srv(_, _, _, _, _, let target) = record {
                additional += (records[target] ?? []).filter { $0.type == DNSRecordType.a && !additional.contains($0) }
            }
        }
        return DNSAnswer(code: .noError, answers: found, additional: additional)
    }

    /// Whether `name` (lowercase, ending in a dot) is in this zone.
    public func contains(_ name: String) -> Bool { name == domain || name.hasSuffix("." + domain) }

    /// `/group/web` → `web.group`, each part a label; nil when nothing is left.
    static func appName(_ taskName: String) -> String? {
        let parts = taskName.split(separator: "/").reversed().compactMap { label(String($0)) }
        return parts.isEmpty ? nil : parts.joined(separator: ".")
    }

    /// A DNS label: lowercase letters, digits and `-` (anything else becomes `-`), no `-` at either end, at most 63.
    static func label(_ text: String) -> String? {
        let mapped = String(text.lowercased().unicodeScalars.map { scalar -> Character in
            (scalar >= "a" && scalar <= "z") || (scalar >= "0" && scalar <= "9") ? Character(scalar) : "-"
        }.prefix(63))
        let trimmed = mapped.trimmingCharacters(in: ["-"])
        return trimmed.isEmpty ? nil : trimmed
    }

    /// The ports of a `/state` resource string: `[31000-31001, 31005-31005]`.
    static func ports(_ text: String) -> [UInt16] {
        text.trimmingCharacters(in: ["[", "]"]).split(separator: ",").flatMap { range -> [UInt16] in
            let bounds = range.split(separator: "-").compactMap { UInt16($0.trimmingCharacters(in: [" "])) }
            guard bounds.count == 2, bounds[0] <= bounds[1], bounds[1] - bounds[0] < 1024 else { return [] }
            return Array(bounds[0]...bounds[1])
        }
    }

    static func isIPv4(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { UInt8($0) != nil }
    }
}

/// What agora-dns says to one question.
public struct DNSAnswer: Equatable, Sendable {
    public var code: DNSResponseCode
    public var answers: [DNSRecord] = []
    public var authority: [DNSRecord] = []
    public var additional: [DNSRecord] = []
}

extension DNSRecord {
    /// The name the record belongs to.
    var owner: String {
        switch self {
        case .a(let name, _, _), .srv(let name, _, _, _, _, _), .soa(let name, _, _, _, _, _): name
        }
    }

    /// Its type number.
    var type: UInt16 {
        switch self {
        case .a: DNSRecordType.a
        case .srv: DNSRecordType.srv
        case .soa: DNSRecordType.soa
        }
    }
}
