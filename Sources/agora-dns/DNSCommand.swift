import AgoraDaemon
import AgoraDNS
import AgoraRuntime
import ArgumentParser
import Foundation
import Logging

/// `agora-dns`: service discovery by DNS, as Mesos-DNS: names of the master's running tasks, answered with authority.
@main
struct DNSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agora-dns",
        abstract: "Answers <app>.<framework>.agora. (A) and _<app>._tcp.<framework>.agora. (SRV) from the master's state.")

    @Option(help: "Address to listen on (DNS and HTTP).")
    var ip = "127.0.0.1"

    @Option(help: "DNS port (UDP and TCP); 0 picks a free one (printed on the second stdout line).")
    var port: UInt16 = 53

    @Option(name: .customLong("http-port"), help: "Port of /health and /metrics; 0 picks a free one (the first stdout line).")
    var httpPort: UInt16 = 8123

    @Option(help: "The master as host:port.")
    var master = "127.0.0.1:5050"

    @Option(help: "The domain answered with authority.")
    var domain = "agora"

    @Option(help: "How often the master's state is read.")
    var refresh = DurationFlag(.milliseconds(500))

    @Option(help: "Where other names go: 'host' (the nameservers of /etc/resolv.conf), 'none' (refused), or IP[:PORT],…")
    var resolvers = "host"

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"

    func validate() throws {
        _ = try FrameworkRunner.masterAddress(master)
        _ = try upstream()
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard !domain.isEmpty, domain.utf8.count <= 200, labels.allSatisfy({ label in
            (1...63).contains(label.count) && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }) else { throw ValidationError("--domain must be a DNS name (letters, digits and '-' between dots)") }
        guard refresh.duration >= .milliseconds(50) else { throw ValidationError("--refresh must be at least 50ms") }
    }

    private func upstream() throws -> [SocketAddress] {
        switch resolvers {
        case "none": return []
        case "host": return DNSDaemon.hostResolvers((try? String(contentsOfFile: "/etc/resolv.conf", encoding: .utf8)) ?? "")
        default:
            return try resolvers.split(separator: ",").map { item in
                let text = String(item)
                if let address = SocketAddress(parsing: text) { return address }
                guard DNSZoneAddress.isIP(text) else { throw ValidationError("--resolvers: '\(text)' is not IP or IP:PORT") }
                return SocketAddress(host: text, port: 53)
            }
        }
    }

    func run() throws {
        _ = try bootstrapLogging(level: logLevel)
        let logger = Logger(label: "agora-dns")
        let masterAddress = try FrameworkRunner.masterAddress(master)
        var dns: DNSDaemon?
        try DaemonRunner.run(name: "agora-dns", logger: logger) { loop in
            var options = DNSDaemon.Options(dnsAddress: SocketAddress(host: ip, port: port),
                                            httpAddress: SocketAddress(host: ip, port: httpPort), master: masterAddress)
            options.domain = domain
            options.refresh = refresh.duration
            // Never itself: a resolver at its own address would send questions round in a loop.
            options.resolvers = try upstream().filter { !($0.port == port && ($0.host == ip || ip == "0.0.0.0")) }
            let daemon = try DNSDaemon(loop: loop, options: options, logger: logger)
            dns = daemon
            return (daemon.httpAddress, daemon.stop)
        } announced: {
            if let dns { print("dns on \(dns.dnsAddress)") }
        }
    }
}

/// Literal addresses, for `--resolvers`.
enum DNSZoneAddress {
    static func isIP(_ text: String) -> Bool {
        let v4 = text.split(separator: ".", omittingEmptySubsequences: false)
        return (v4.count == 4 && v4.allSatisfy { UInt8($0) != nil }) || (text.contains(":") && text.allSatisfy { $0.isHexDigit || $0 == ":" })
    }
}
