import AgoraRuntime
import Foundation

/// A CNI bridge network of a test's own, with no uplink (no masquerading): a bridge with a random name and a random
/// /24 of 10.0.0.0/8, addresses from `host-local` kept in the cluster's directory, host ports through `portmap`.
/// `leftovers()` lists what its tasks left behind (veths on the bridge, leases, port-forwarding rules, namespaces);
/// `remove()` deletes the bridge and any rule of its own.
public final class TestNetwork {
    public let name: String
    public let bridge: String
    /// The first three octets of its subnet, `10.x.y`.
    public let prefix: String
    /// The directory to give agents as `--network-config-dir`.
    public let configDirectory: String
    let leaseDirectory: String
    private unowned let cluster: Cluster

    /// Whether this host can run it: root, the CNI plugins and iptables.
    public static var available: Bool {
        getuid() == 0 && ["bridge", "host-local", "portmap", "loopback"].allSatisfy {
            FileManager.default.isExecutableFile(atPath: "/usr/lib/cni/" + $0)
        } && FileManager.default.isExecutableFile(atPath: "/usr/sbin/iptables")
    }

    /// `addresses` bounds how many addresses the network hands out (from `.10` on).
    public init(cluster: Cluster, name: String, addresses: Int = 200) throws {
        self.name = name
        self.cluster = cluster
        var random = SystemRandomNumberGenerator()
        bridge = "agt" + String(UInt32.random(in: 0...UInt32.max, using: &random), radix: 16)
        prefix = "10.\(Int.random(in: 128...250, using: &random)).\(Int.random(in: 0...255, using: &random))"
        configDirectory = cluster.directory + "/net.d-" + name
        leaseDirectory = cluster.directory + "/ipam-" + name
        try FileManager.default.createDirectory(atPath: configDirectory, withIntermediateDirectories: true)
        let config = """
            {"cniVersion": "1.0.0", "name": "\(name)", "plugins": [
              {"type": "bridge", "bridge": "\(bridge)", "isGateway": true, "ipMasq": false,
               "ipam": {"type": "host-local", "dataDir": "\(leaseDirectory)",
                        "ranges": [[{"subnet": "\(prefix).0/24", "rangeStart": "\(prefix).10", "rangeEnd": "\(prefix).\(9 + addresses)"}]]}},
              {"type": "portmap", "capabilities": {"portMappings": true}}
            ]}
            """
        try Files.writeAtomically(configDirectory + "/\(name).conflist", Array(config.utf8))
    }

    /// What tasks left on the host: veths still on the bridge, leases, port-forwarding rules naming the network,
    /// and bound network namespaces under `workDirectory`.
    public func leftovers(workDirectory: String) -> [String] {
        var found: [String] = []
        let links = output("/sbin/ip", ["-o", "link", "show", "master", bridge])
        found += links.split(separator: "\n").map { "veth on \(bridge): " + $0.prefix(60) }
        let leases = ((try? FileManager.default.contentsOfDirectory(atPath: leaseDirectory + "/" + name)) ?? [])
            .filter { $0.hasPrefix(prefix) }
        found += leases.map { "IPAM lease \($0)" }
        found += rules().map { "iptables: \($0)" }
        found += Mounts.mountPoints(under: workDirectory + "/netns").map { "namespace \($0)" }
        return found
    }

    /// The nat rules `portmap` made for this network (their comment reads `dnat name: \"NAME\" id: …`).
    func rules() -> [String] {
        output("/usr/sbin/iptables-save", ["-t", "nat"]).split(separator: "\n")
            .filter { $0.hasPrefix("-A") && $0.contains("dnat name: \\\"\(name)\\\"") }.map(String.init)
    }

    /// Deletes the bridge and the port-forwarding rules of this network's tasks that remain (after a failed test).
    public func remove() {
        for rule in rules() {
            // iptables-save quotes as the shell does, so the rule's own text deletes it; then its per-task chain goes.
            _ = output("/bin/sh", ["-c", "/usr/sbin/iptables -t nat -D " + rule.dropFirst(3)])
            if let chain = rule.split(separator: " ").last, chain.hasPrefix("CNI-") {
                _ = output("/usr/sbin/iptables", ["-t", "nat", "-F", String(chain)])
                _ = output("/usr/sbin/iptables", ["-t", "nat", "-X", String(chain)])
            }
        }
        _ = output("/sbin/ip", ["link", "delete", bridge])
    }

    /// What `executable` prints, run on the cluster's loop (nothing when it cannot run).
    private func output(_ executable: String, _ arguments: [String]) -> String {
        (try? cluster.run(executable, arguments, timeout: .seconds(20)))?.stdout ?? ""
    }
}
