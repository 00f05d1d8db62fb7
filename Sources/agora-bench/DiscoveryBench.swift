import AgoraClusterTesting
import AgoraLB
import AgoraRuntime
import AgoraRuntimeTesting
import Foundation

/// Service discovery and load balancing figures: agora-dns answering over UDP, and HAProxy reloads by agora-lb's
/// process manager.
enum DiscoveryBench {
    /// `dns`: a real agora-dns (on a real master) answers A questions for `duration` from one client keeping 64
    /// questions in flight over UDP loopback; prints answers/s and the CPU agora-dns used (its loop is one thread,
    /// so answers per CPU-second is the rate of one core).
    static func dns(duration: Duration) throws {
        let scratch = try ScratchDirectory()
        let loop = try Loop()
        let cluster = try Cluster(loop: loop, directory: scratch.path, masterFlags: [])
        defer {
            cluster.shutdown()
            loop.run(until: { loop.openHandles == 0 }, timeout: .seconds(5))
            try? loop.close()
        }
        try cluster.stopOnTerminationSignals()
        let (daemon, server) = try cluster.addDNS()
        let client = try UDPSocket(loop: loop, address: SocketAddress(host: "127.0.0.1", port: 0))
        defer { client.close() }
        var query: [UInt8] = [0, 0, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
        for label in ["leader", "agora"] { query += [UInt8(label.count)] + Array(label.utf8) }
        query += [0, 0, 1, 0, 1]
        var answered = 0
        var sent = 0
        func send() {
            sent += 1
            query[0] = UInt8(truncatingIfNeeded: sent >> 8)
            query[1] = UInt8(truncatingIfNeeded: sent)
            try? client.send(query, to: server)
        }
        try client.startReceiving { bytes, _ in
            if bytes.count > 12, bytes[3] & 0x0f == 0 { answered += 1 }
            send()
        }
        // Warm up, then measure.
        for _ in 0..<64 { send() }
        loop.run(until: { answered > 1000 }, timeout: .seconds(5))
        let cpuBefore = cpuSeconds(daemon.process.pid)
        let before = answered
        let start = ContinuousClock.now
        loop.run(until: { ContinuousClock.now - start >= duration }, timeout: duration + .seconds(1))
        let elapsed = seconds(since: start)
        let count = answered - before
        let cpu = cpuSeconds(daemon.process.pid) - cpuBefore
        report("dns A answers over UDP (64 in flight)", [
            ("answers/s", format(Double(count) / elapsed)), ("agora_dns_cpu_s", format(cpu, 2)),
            ("answers_per_cpu_s", format(cpu > 0 ? Double(count) / cpu : 0)),
        ])
    }

    /// `lb`: HAProxy (master-worker) with 100 backends reloaded `count` times by agora-lb's process manager, each
    /// time with a frontend port the previous configuration did not have; prints how long from the new
    /// configuration to that port accepting connections (the check with `haproxy -c` included).
    static func lb(count: Int) throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/sbin/haproxy") else {
            return print("lb: HAProxy is not installed (apt-get install haproxy); skipped")
        }
        let scratch = try ScratchDirectory()
        let loop = try Loop()
        let haproxy = HAProxyProcess(loop: loop, executable: "/usr/sbin/haproxy", directory: scratch.path)
        defer {
            haproxy.stop()
            loop.run(until: { loop.openHandles == 0 }, timeout: .seconds(5))
            try? loop.close()
        }
        let interruptions = try Interruptions(loop: loop)
        defer { interruptions.close() }
        let backends = (1...100).map { "127.0.0.1:\(20000 + $0)" }
        let frontends = try reloadPorts(loop: loop)
        var reloads = Measurement()
        for round in 0..<count {
            let port = Int(frontends[round % 2])
            let ports = [BalancedPort(app: "/web", index: 0, servicePort: port, virtualHosts: [], backends: backends)]
            let text = HAProxyConfig.render(ports, bindIP: "127.0.0.1", httpPort: 0, statsSocket: haproxy.statsSocket)
            let start = ContinuousClock.now
            var applied: HAProxyError??
            haproxy.apply(text) { applied = .some($0) }
            let answered = loop.run(until: { applied != nil || interruptions.happened }, timeout: .seconds(10))
            try interruptions.check()
            guard answered else {
                throw BenchFailure("HAProxy did not take configuration \(round + 1) within 10 s")
            }
            if case .some(.some(let error)) = applied { throw BenchFailure("HAProxy: \(error)") }
            var accepting = false
            while !accepting && !interruptions.happened && ContinuousClock.now - start < .seconds(10) {
                var result: Result<TCPConnection, RuntimeError>?
                try? TCPConnection.connect(loop: loop, to: SocketAddress(host: "127.0.0.1", port: UInt16(port))) { result = $0 }
                loop.run(until: { result != nil }, timeout: .seconds(1))
                if case .success(let connection)? = result {
                    accepting = true
                    connection.close()
                } else {
                    loop.run(until: { false }, timeout: .milliseconds(2))
                }
            }
            try interruptions.check()
            guard accepting else {
                throw BenchFailure("port \(port) of configuration \(round + 1) did not accept a connection within 10 s")
            }
            if round > 0 { reloads.record(seconds(since: start)) }
        }
        report("lb HAProxy reload, 100 backends", [
            ("reloads", "\(reloads.latencies.count)"), ("p50_ms", format(reloads.percentile(0.5) * 1000, 1)),
            ("max_ms", format(reloads.percentile(1) * 1000, 1)),
        ])
    }

    /// Two ports for HAProxy's frontend to take in turn: free now, and below the kernel's ephemeral range (from which
    /// every `--port 0` and every outgoing connection on the host draws: a fixed port there was taken in the middle of
    /// a run next to the test suite, and the reload then waited on a port that never came).
    private static func reloadPorts(loop: Loop) throws -> [UInt16] {
        let range = ((try? Files.readText("/proc/sys/net/ipv4/ip_local_port_range")) ?? "")
            .split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
        let ephemeralStart = range.first ?? 32768
        var ports: [UInt16] = []
        for candidate in stride(from: ephemeralStart - 1, to: 1024, by: -1) where ports.count < 2 {
            guard let port = UInt16(exactly: candidate),
                  let listener = try? TCPListener(loop: loop, address: SocketAddress(host: "127.0.0.1", port: port)) else { continue }
            // A port in use fails at listen, which closes the listener itself.
            if (try? listener.listen { $0.close() }) != nil {
                ports.append(port)
                listener.close()
            }
        }
        guard ports.count == 2 else { throw BenchFailure("no two free ports below \(ephemeralStart) for HAProxy") }
        return ports
    }
}
