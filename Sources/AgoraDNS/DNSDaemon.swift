import AgoraDNSWire
import AgoraHTTP
import AgoraRuntime
import AgoraWire
import Foundation
import Logging

/// The agora-dns process: reads the master's `/state` every `refresh` (so answers follow a change within about
/// that), serves the zone it builds on `dnsAddress` (UDP and TCP), forwards other names to `resolvers`, and answers
/// `/health` and `/metrics` over HTTP on `httpAddress`.
public final class DNSDaemon {
    /// What it is started with.
    public struct Options: Sendable {
        public var dnsAddress: SocketAddress
        public var httpAddress: SocketAddress
        public var master: SocketAddress
        public var domain = "agora"
        public var refresh: Duration = .milliseconds(500)
        /// Where names outside the domain go; none refuses them.
        public var resolvers: [SocketAddress] = []

        public init(dnsAddress: SocketAddress, httpAddress: SocketAddress, master: SocketAddress) {
            self.dnsAddress = dnsAddress
            self.httpAddress = httpAddress
            self.master = master
        }
    }

    private let loop: Loop
    private let options: Options
    private let logger: Logger
    private let server: DNSServer
    private var http: HTTPServer?
    private var poll: LoopTimer?
    private var polling = false
    private var refreshes = 0
    private var refreshFailures = 0
    private var lastRefresh: ContinuousClock.Instant?

    public init(loop: Loop, options: Options, logger: Logger) throws {
        self.loop = loop
        self.options = options
        self.logger = logger
        let forwarder = options.resolvers.isEmpty ? nil : try DNSForwarder(loop: loop, resolvers: options.resolvers)
        server = try DNSServer(loop: loop, address: options.dnsAddress,
                               zone: DNSZone(domain: options.domain, master: options.master.host),
                               forwarder: forwarder, logger: logger)
        let router = Router()
        router.add(.get, "/health") { [unowned self] _ in
            let fresh = self.lastRefresh.map { ContinuousClock.now - $0 < self.options.refresh * 10 } ?? false
            return HTTPResponse(status: fresh ? .ok : .serviceUnavailable, contentType: "text/plain",
                                body: fresh ? "OK\n" : "no state from the master yet\n")
        }
        router.add(.get, "/metrics") { [unowned self] _ in self.metrics().response }
        http = try HTTPServer(loop: loop, address: options.httpAddress, router: router)
        let poll = try LoopTimer(loop: loop)
        poll.start(after: .zero, repeating: options.refresh) { [weak self] in self?.refresh() }
        self.poll = poll
    }

    /// Where the HTTP endpoints and the DNS service listen.
    public var httpAddress: SocketAddress { http?.localAddress ?? options.httpAddress }
    public var dnsAddress: SocketAddress { server.address ?? options.dnsAddress }

    public func stop() {
        poll?.close()
        poll = nil
        server.close()
        http?.close()
        http = nil
    }

    /// One read of the master's state; a read still under way is not doubled.
    private func refresh() {
        guard !polling else { return }
        polling = true
        HTTPClient.send(loop: loop, to: options.master, HTTPRequest(method: .get, target: "/state")) { [weak self] result in
            guard let self else { return }
            self.polling = false
            switch result {
            case .success(let response) where response.status == .ok:
                do {
                    let state = try JSONValue.parse(response.body)
                    self.server.update(DNSZone(domain: self.options.domain, master: self.options.master.host, state: state))
                    self.refreshes += 1
                    self.lastRefresh = .now
                } catch {
                    self.failed("the master's /state is not JSON: \(error)")
                }
            case .success(let response):
                self.failed("the master answered /state with \(response.status.rawValue)")
            case .failure(let error):
                self.failed("cannot read the master's /state: \(error.message)")
            }
        }
    }

    private func failed(_ message: String) {
        refreshFailures += 1
        if refreshFailures % 20 == 1 { logger.warning("\(message) (answers stay as they were)") }
    }

    private func metrics() -> PrometheusText {
        var text = PrometheusText()
        let counts = server.metrics
        text.add("agora_dns_queries_total", .counter, "Questions received, by outcome.", [
            ("outcome=\"answered\"", Double(counts.answered)), ("outcome=\"nxdomain\"", Double(counts.nameErrors)),
            ("outcome=\"forwarded\"", Double(counts.forwarded)), ("outcome=\"refused\"", Double(counts.refused)),
            ("outcome=\"malformed\"", Double(counts.malformed)),
        ])
        text.add("agora_dns_records", .gauge, "Records in the zone.", Double(server.zone.records.values.reduce(0) { $0 + $1.count }))
        text.add("agora_dns_state_refreshes_total", .counter, "Reads of the master's state.", [
            ("result=\"ok\"", Double(refreshes)), ("result=\"failed\"", Double(refreshFailures)),
        ])
        return text
    }

    /// The host's resolvers (`nameserver` lines of `/etc/resolv.conf`), on port 53.
    public static func hostResolvers(_ resolvConf: String) -> [SocketAddress] {
        resolvConf.split(separator: "\n").compactMap { line in
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 2, fields[0] == "nameserver" else { return nil }
            return SocketAddress(host: String(fields[1]), port: 53)
        }
    }
}
