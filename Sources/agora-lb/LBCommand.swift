import AgoraDaemon
import AgoraHTTP
import AgoraLB
import AgoraRuntime
import ArgumentParser
import Foundation
import Logging

/// `agora-lb`: HAProxy in front of the services framework's apps, as marathon-lb.
@main
struct LBCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agora-lb",
        abstract: "Load-balances every app's service ports with HAProxy, following the services framework's events.")

    @OptionGroup var common: CommonOptions

    @Option(help: "The services framework as host:port.")
    var services = "127.0.0.1:8080"

    @Option(help: "The HAProxy executable.")
    var haproxy = "/usr/sbin/haproxy"

    @Option(name: .customLong("bind-ip"), help: "Where the service ports (and the virtual-host port) listen.")
    var bindIP = "0.0.0.0"

    @Option(name: .customLong("http-port"), help: "Port of the HTTP frontend that routes HAPROXY_0_VHOST names (0: none).")
    var httpPort: UInt16 = 0

    @Option(help: "How often the apps are read even without events.")
    var resync = DurationFlag(.seconds(5))

    func validate() throws {
        _ = try FrameworkRunner.masterAddress(services)
        guard resync.duration >= .milliseconds(100) else { throw ValidationError("--resync must be at least 100ms") }
        guard FileManager.default.isExecutableFile(atPath: haproxy) else {
            throw ValidationError("--haproxy \(haproxy) is not an executable (apt-get install haproxy)")
        }
    }

    func run() throws {
        _ = try bootstrapLogging(level: common.logLevel)
        let logger = Logger(label: "agora-lb")
        let directory = try common.prepareWorkDirectory()
        let servicesAddress = try FrameworkRunner.masterAddress(services)
        try DaemonRunner.run(name: "agora-lb", logger: logger) { loop in
            var options = LoadBalancer.Options(services: servicesAddress, workDirectory: directory)
            options.haproxy = haproxy
            options.bindIP = bindIP
            options.httpPort = Int(httpPort)
            options.resync = resync.duration
            let balancer = try LoadBalancer(loop: loop, options: options, logger: logger)
            let router = Router()
            router.add(.get, "/health") { _ in HTTPResponse(status: .ok, contentType: "text/plain", body: "OK\n") }
            router.add(.get, "/metrics") { _ in
                var text = PrometheusText()
                text.add("agora_lb_reloads_total", .counter, "HAProxy reloads, by result.", [
                    ("result=\"ok\"", Double(balancer.reloads)), ("result=\"failed\"", Double(balancer.reloadFailures)),
                ])
                text.add("agora_lb_last_reload_seconds", .gauge, "Check and reload time of the last configuration.", balancer.lastReloadSeconds)
                text.add("agora_lb_backends", .gauge, "Instances taking traffic.", Double(balancer.backends))
                return text.response
            }
            let server = try HTTPServer(loop: loop, address: SocketAddress(host: common.ip, port: common.port), router: router)
            return (server.localAddress, {
                balancer.stop()
                server.close()
            })
        }
    }
}
