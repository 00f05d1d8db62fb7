import AgoraHTTP
import AgoraRuntime
import AgoraWire
import Foundation
import Logging

/// agora-lb, like marathon-lb: follows the services framework's event stream (`/v2/events`), and after each event
/// (and every `resync` in any case) reads `/v2/apps?embed=apps.tasks`, renders HAProxy's configuration and, when it
/// changed, reloads HAProxy. Only one read and one reload run at a time; events meanwhile ask for one more.
public final class LoadBalancer {
    /// What it is started with.
    public struct Options: Sendable {
        public var services: SocketAddress
        public var haproxy = "/usr/sbin/haproxy"
        public var workDirectory: String
        /// Where the service-port frontends listen, and the port of the virtual-host frontend (0: none).
        public var bindIP = "0.0.0.0"
        public var httpPort = 0
        public var resync: Duration = .seconds(5)

        public init(services: SocketAddress, workDirectory: String) {
            self.services = services
            self.workDirectory = workDirectory
        }
    }

    private let loop: Loop
    private let options: Options
    private let logger: Logger
    private let haproxy: HAProxyProcess
    private var events: HTTPClientConnection?
    private var timer: LoopTimer?
    private var syncing = false
    private var again = false
    private var applied: String?
    private var stopped = false
    /// What it counted, for `/metrics`.
    public private(set) var reloads = 0
    public private(set) var reloadFailures = 0
    public private(set) var lastReloadSeconds = 0.0
    public private(set) var backends = 0

    public init(loop: Loop, options: Options, logger: Logger) throws {
        self.loop = loop
        self.options = options
        self.logger = logger
        haproxy = HAProxyProcess(loop: loop, executable: options.haproxy, directory: options.workDirectory)
        haproxy.onExit = { [weak self] exit in
            guard let self, !self.stopped else { return }
            self.logger.critical("HAProxy exited (\(exit)); see \(options.workDirectory)/haproxy.log")
        }
        let timer = try LoopTimer(loop: loop)
        timer.start(after: .zero, repeating: options.resync) { [weak self] in self?.sync() }
        self.timer = timer
        follow()
    }

    public func stop() {
        stopped = true
        timer?.close()
        timer = nil
        events?.close()
        events = nil
        haproxy.stop()
    }

    /// Subscribes to `/v2/events` (SSE); every event asks for a sync; a lost stream is subscribed to again after 1 s.
    private func follow() {
        guard !stopped else { return }
        HTTPClientConnection.connect(loop: loop, to: options.services) { [weak self] result in
            guard let self, !self.stopped else { return }
            guard case .success(let connection) = result else { return self.followLater() }
            self.events = connection
            var pending = ""
            connection.stream(HTTPRequest(method: .get, target: "/v2/events", headers: ["Accept": "text/event-stream"]),
                              onHead: { _ in }, onBody: { [weak self] bytes in
                pending += String(decoding: bytes, as: UTF8.self)
                // An event ends with an empty line; any complete one is reason enough to look again.
                if pending.contains("\n\n") {
                    pending = String(pending[pending.range(of: "\n\n", options: .backwards)!.upperBound...])
                    self?.sync()
                }
                if pending.utf8.count > 1 << 20 { pending = "" }
            }, onEnd: { [weak self] _ in
                self?.events = nil
                self?.followLater()
            })
        }
    }

    private func followLater() {
        guard !stopped else { return }
        loop.schedule(after: .seconds(1), orReport: { [logger] in logger.error("\($0)") }) { [weak self] in self?.follow() }
    }

    /// Reads the apps and applies the configuration they give.
    func sync() {
        guard !stopped else { return }
        guard !syncing else {
            again = true
            return
        }
        syncing = true
        again = false
        HTTPClient.send(loop: loop, to: options.services, HTTPRequest(method: .get, target: "/v2/apps?embed=apps.tasks")) { [weak self] result in
            guard let self else { return }
            guard case .success(let response) = result, response.status == .ok, let apps = try? JSONValue.parse(response.body) else {
                self.logger.warning("cannot read the apps from \(self.options.services); the configuration stays")
                return self.finishSync()
            }
            let ports = HAProxyConfig.ports(apps: apps)
            let text = HAProxyConfig.render(ports, bindIP: self.options.bindIP, httpPort: self.options.httpPort,
                                            statsSocket: self.haproxy.statsSocket)
            guard text != self.applied else { return self.finishSync() }
            let started = ContinuousClock.now
            self.haproxy.apply(text) { [weak self] error in
                guard let self else { return }
                if let error {
                    self.reloadFailures += 1
                    self.logger.error("\(error)")
                } else {
                    self.applied = text
                    self.reloads += 1
                    self.lastReloadSeconds = (ContinuousClock.now - started).seconds
                    self.backends = ports.reduce(0) { $0 + $1.backends.count }
                    self.logger.info("HAProxy: \(ports.count) service port(s), \(self.backends) backend(s)")
                }
                self.finishSync()
            }
        }
    }

    private func finishSync() {
        syncing = false
        if again { sync() }
    }
}
