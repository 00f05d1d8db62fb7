import AgoraWire
import Foundation

/// One load-balanced port of an app: its service port, the instances behind it, and (from the app's
/// `HAPROXY_<n>_VHOST` label) the HTTP virtual hosts that reach it too.
public struct BalancedPort: Equatable, Sendable {
    public var app: String
    public var index: Int
    public var servicePort: Int
    public var virtualHosts: [String]
    /// `IP:PORT` of every instance that takes traffic, in a stable order.
    public var backends: [String]

    public init(app: String, index: Int, servicePort: Int, virtualHosts: [String], backends: [String]) {
        self.app = app
        self.index = index
        self.servicePort = servicePort
        self.virtualHosts = virtualHosts
        self.backends = backends
    }
}

/// Builds HAProxy's configuration from the services framework's `/v2/apps?embed=apps.tasks`, as marathon-lb does:
/// one TCP frontend per service port, and one HTTP frontend (`httpPort`) routing by `Host` to the apps with
/// virtual hosts. An instance takes traffic while it is `TASK_RUNNING` and, when its app has health checks, alive;
/// it is reached at its own address and container port on a container network, else at its host and host port.
public enum HAProxyConfig {
    /// The ports to balance, sorted by service port.
    public static func ports(apps json: JSONValue) -> [BalancedPort] {
        var ports: [BalancedPort] = []
        for app in json["apps"]?.array ?? [] {
            guard let id = app.stringValue("id") else { continue }
            let servicePorts = Self.servicePorts(of: app)
            let mappings = app["container"]?["portMappings"]?.array ?? []
            let onContainerNetwork = (app["networks"]?.array ?? []).contains { $0.stringValue("mode") != "host" }
            let checked = !(app["healthChecks"]?.array ?? []).isEmpty
            for (index, servicePort) in servicePorts.enumerated() where servicePort > 0 {
                var backends: [String] = []
                for task in app["tasks"]?.array ?? [] where task.stringValue("state") == "TASK_RUNNING" {
                    if checked && !(task["healthCheckResults"]?.array ?? []).contains(where: { $0["alive"] == .bool(true) }) { continue }
                    if onContainerNetwork, index < mappings.count, let port = mappings[index]["containerPort"]?.integerValue, port > 0,
                       let ip = task["ipAddresses"]?.array?.first?.stringValue("ipAddress") {
                        backends.append("\(ip):\(port)")
                    } else if let host = task.stringValue("host"), let ports = task["ports"]?.array, index < ports.count,
                              let port = ports[index].integerValue {
                        backends.append("\(host):\(port)")
                    }
                }
                let vhosts = (app["labels"]?.stringValue("HAPROXY_\(index)_VHOST") ?? "").split(separator: ",")
                    .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter(Self.isHostName)
                ports.append(BalancedPort(app: id, index: index, servicePort: servicePort, virtualHosts: vhosts, backends: backends.sorted()))
            }
        }
        return ports.sorted { ($0.servicePort, $0.app) < ($1.servicePort, $1.app) }
    }

    private static func servicePorts(of app: JSONValue) -> [Int] {
        if let mappings = app["container"]?["portMappings"]?.array, !mappings.isEmpty {
            return mappings.map { $0["servicePort"]?.integerValue ?? 0 }
        }
        return (app["ports"]?.array ?? []).map { $0.integerValue ?? 0 }
    }

    static func isHostName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 253 && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }
    }

    /// The configuration text: master-worker mode, TCP frontends bound on `bindIP`, and the virtual-host frontend on
    /// `httpPort` (none when 0 or when no app has a virtual host).
    public static func render(_ ports: [BalancedPort], bindIP: String, httpPort: Int, statsSocket: String) -> String {
        var text = """
            global
                master-worker
                maxconn 4096
                stats socket \(statsSocket) mode 600 level admin expose-fd listeners
            defaults
                mode tcp
                timeout connect 5s
                timeout client 60s
                timeout server 60s
                timeout client-fin 5s
                timeout server-fin 5s
                option redispatch
                retries 3

            """
        for port in ports {
            let name = backendName(port)
            text += """
                frontend \(name)
                    bind \(bindIP):\(port.servicePort)
                    default_backend \(name)
                backend \(name)
                    balance roundrobin

                """
            text += servers(port)
        }
        let hosted = ports.filter { !$0.virtualHosts.isEmpty }
        if httpPort > 0 && !hosted.isEmpty {
            text += """
                frontend virtual_hosts
                    mode http
                    bind \(bindIP):\(httpPort)

                """
            for port in hosted {
                for host in port.virtualHosts { text += "    use_backend \(backendName(port))_http if { hdr(host),field(1,:),lower \(host) }\n" }
            }
            for port in hosted {
                text += "backend \(backendName(port))_http\n    mode http\n    balance roundrobin\n" + servers(port)
            }
        }
        return text
    }

    /// A backend's `server` lines, one per instance, health-checked by HAProxy too.
    private static func servers(_ port: BalancedPort) -> String {
        port.backends.enumerated().map { "    server s\($0.offset) \($0.element) check inter 2s\n" }.joined()
    }

    /// A frontend or backend name from the app id and service port (`web_10000`).
    static func backendName(_ port: BalancedPort) -> String {
        let app = String(port.app.map { $0.isLetter || $0.isNumber ? $0 : "_" }).trimmingCharacters(in: ["_"])
        return "\(app.isEmpty ? "app" : app)_\(port.servicePort)"
    }
}
