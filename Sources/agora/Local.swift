import AgoraResources
import AgoraRuntime
import ArgumentParser
import Foundation

extension AgoraCommand {
    /// `agora local [--agents N]`: the local cluster `make run` starts.
    struct Local: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start a master and N agents on loopback, splitting this host's resources; Ctrl-C stops them.")
        @Option(help: "How many agents.") var agents = 2
        @Option(help: "The master's port; agents take the ports after it (0: every daemon picks a free port).")
        var port: UInt16 = 5050
        @Option(name: .customLong("work-dir"), help: "State and logs of the whole cluster.") var workDir = ".agora"
        @Option(name: .customLong("services-port"), help: "The services framework's port (0 with --port 0).")
        var servicesPort: UInt16 = 8080
        @Option(name: .customLong("cron-port"), help: "The cron framework's port (0 with --port 0).")
        var cronPort: UInt16 = 4400

        func validate() throws {
            guard (1...32).contains(agents) else { throw ValidationError("--agents must be between 1 and 32") }
        }

        func run() throws {
            try reporting {
                try LocalCluster(agents: agents, port: port, servicesPort: port == 0 ? 0 : servicesPort,
                                 cronPort: port == 0 ? 0 : cronPort, workDir: workDir).run()
            }
        }
    }
}

/// Runs `agora-master` and agents as child processes until a termination signal.
struct LocalCluster {
    let agents: Int
    let port: UInt16
    let servicesPort: UInt16
    let cronPort: UInt16
    let workDir: String

    func run() throws {
        let root = URL(fileURLWithPath: workDir).standardizedFileURL.path
        let logs = root + "/logs"
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        let bin = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().path
        let loop = try Loop()
        var children: [(name: String, process: ChildProcess)] = []
        var exited: [String: ProcessExit] = [:]

        func start(_ name: String, _ binary: String, _ arguments: [String]) throws -> String {
            let out = "\(logs)/\(name).out"
            try? FileManager.default.removeItem(atPath: out)
            let spec = ProcessSpec(command: .argv(["\(bin)/\(binary)"] + arguments), stdoutPath: out,
                                   stderrPath: "\(logs)/\(name).log", ownProcessGroup: true)
            let process = try ChildProcess.spawn(loop: loop, spec) { exited[name] = $0 }
            children.append((name, process))
            var line: String?
            loop.run(until: {
                line = (try? Files.readText(out))?.split(separator: "\n").first.map(String.init)
                return line?.hasPrefix("listening on ") == true || exited[name] != nil
            }, timeout: .seconds(15))
            guard let line, line.hasPrefix("listening on ") else {
                let tail = ((try? Files.readText("\(logs)/\(name).log")) ?? "").split(separator: "\n").suffix(3).joined(separator: "\n")
                stop(children, loop: loop)
                throw CLIError.failed("\(name) did not start (\(exited[name]?.description ?? "no answer")):\n\(tail)")
            }
            return String(line.dropFirst("listening on ".count))
        }

        let masterURL = try start("master", "agora-master", ["--port", String(port), "--work-dir", root + "/master"])
        guard let masterAddress = SocketAddress(parsing: masterURL) else { throw CLIError.failed("master announced \(masterURL)") }
        print("Agora local cluster (state and logs under \(root))")
        print("  master   \(masterURL)   /state /metrics /health; schedulers: POST /api/v1/scheduler")
        let shares = HostResources.split(agents: agents, workDirectory: root)
        let networkFlags = try Self.bridgeNetwork(root: root, loop: loop)
        // With the bridge, agora-dns answers containers at its gateway (their resolv.conf names it); without, on loopback.
        let dnsIP = networkFlags.isEmpty ? "127.0.0.1" : Self.bridgeGateway
        let dnsFlags = networkFlags.isEmpty ? [] : ["--container-dns", dnsIP, "--container-dns-search", "agora"]
        for index in 1...agents {
            let resources = shares[index - 1]
            let url = try start("agent\(index)", "agora-agent", [
                "--port", port == 0 ? "0" : String(Int(port) + index), "--master", masterAddress.description,
                "--work-dir", "\(root)/agent\(index)", "--resources", resources, "--attributes", "rack:r\(index)",
                // Ctrl-C stops the whole local cluster, tasks included.
                "--recover", "cleanup",
            ] + networkFlags + dnsFlags)
            print("  agent \(index)  \(url)   \(resources)")
        }
        let servicesURL = try start("services", "agora-services", [
            "--port", String(servicesPort), "--master", masterAddress.description, "--work-dir", root + "/services",
        ])
        print("  services \(servicesURL)   Marathon v2 API: /v2/apps /v2/tasks /v2/deployments /v2/queue")
        let cronURL = try start("cron", "agora-cron", [
            "--port", String(cronPort), "--master", masterAddress.description, "--work-dir", root + "/cron",
        ])
        print("  cron     \(cronURL)   Chronos API: /scheduler/jobs /scheduler/iso8601 /scheduler/dependency")
        let dnsPort = networkFlags.isEmpty ? "5353" : "53"
        let dnsURL = try start("dns", "agora-dns", [
            "--ip", dnsIP, "--port", port == 0 ? "0" : dnsPort, "--http-port", port == 0 ? "0" : "8123",
            "--master", masterAddress.description,
        ])
        print("  dns      \(dnsIP):\(port == 0 ? "(see logs/dns.out)" : dnsPort)   web.services.agora (A), _web._tcp.services.agora (SRV); \(dnsURL)/metrics")
        if FileManager.default.isExecutableFile(atPath: "/usr/sbin/haproxy") {
            let lbURL = try start("lb", "agora-lb", [
                "--port", port == 0 ? "0" : "9090", "--work-dir", root + "/lb", "--services", servicesURL,
                "--bind-ip", "127.0.0.1",
            ])
            print("  lb       \(lbURL)   HAProxy on every app's service port (127.0.0.1:10000…)")
        } else {
            print("  lb       none: agora-lb needs HAProxy (apt-get install haproxy)")
        }
        print("  logs     \(logs)/")
        print("Try: agora agents   agora app list   agora job list   curl -s \(masterURL)/state")
        print("Press Ctrl-C to stop the cluster.")
        fflush(nil)

        var signalled = false
        let watchers = try loop.onTerminationSignal { _ in signalled = true }
        for watcher in watchers { watcher.setKeepsLoopAlive(true) }
        loop.run(until: { signalled || !exited.isEmpty }, timeout: .seconds(365 * 86400))
        if let (name, exit) = exited.first, !signalled {
            print("\(name) stopped unexpectedly (\(exit)); stopping the cluster")
        }
        for watcher in watchers { watcher.close() }
        stop(children, loop: loop)
        // Every container is gone (the agents ran with --recover cleanup): so can the bridge.
        if !networkFlags.isEmpty { Self.ip(["link", "delete", "agora0"], loop: loop) }
        try? loop.close()
        print("local cluster stopped")
    }

    /// The CNI network `mesos-bridge` (Marathon's `container/bridge`): bridge `agora0` on 10.77.0.0/16, addresses
    /// kept under the cluster's directory, host ports by `portmap`, no masquerading (nothing leaves the host). Only
    /// as root with Debian's CNI plugins; otherwise the agents run without container networks, and it says so.
    /// Runs `ip` (iproute2) with `arguments` on `loop` and waits for it, quietly.
    private static func ip(_ arguments: [String], loop: Loop) {
        var exited = false
        guard (try? ChildProcess.spawn(loop: loop, ProcessSpec(command: .argv(["/sbin/ip"] + arguments))) { _ in exited = true }) != nil
        else { return }
        loop.run(until: { exited }, timeout: .seconds(10))
    }

    /// The bridge's own address: the containers' gateway, and where agora-dns answers them.
    static let bridgeGateway = "10.77.0.1"

    private static func bridgeNetwork(root: String, loop: Loop) throws -> [String] {
        let plugins = "/usr/lib/cni"
        guard getuid() == 0, ["bridge", "host-local", "portmap", "loopback"].allSatisfy({
            FileManager.default.isExecutableFile(atPath: plugins + "/" + $0)
        }) else {
            print("  network  none: container networks need root and the CNI plugins (apt-get install containernetworking-plugins)")
            return []
        }
        let directory = root + "/net.d"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let config = """
            {"cniVersion": "1.0.0", "name": "mesos-bridge", "plugins": [
              {"type": "bridge", "bridge": "agora0", "isGateway": true, "ipMasq": false,
               "ipam": {"type": "host-local", "dataDir": "\(root)/ipam", "ranges": [[{"subnet": "10.77.0.0/16"}]]}},
              {"type": "portmap", "capabilities": {"portMappings": true}}
            ]}
            """
        try Files.writeAtomically(directory + "/mesos-bridge.conflist", Array(config.utf8))
        // The bridge exists before any container so that agora-dns can listen on its address; the plugin adopts it.
        for command in [["link", "add", "agora0", "type", "bridge"], ["addr", "replace", bridgeGateway + "/16", "dev", "agora0"],
                        ["link", "set", "agora0", "up"]] {
            ip(command, loop: loop)
        }
        print("  network  mesos-bridge: bridge agora0, 10.77.0.0/16 (networks: [{\"mode\": \"container/bridge\"}])")
        return ["--network-config-dir", directory, "--network-plugin-dir", plugins]
    }

    private func stop(_ children: [(name: String, process: ChildProcess)], loop: Loop) {
        for child in children.reversed() where child.process.exitStatus == nil { try? child.process.killGroup(.terminate) }
        loop.run(until: { children.allSatisfy { $0.process.exitStatus != nil } }, timeout: .seconds(10))
        for child in children where child.process.exitStatus == nil { try? child.process.killGroup(.kill) }
        loop.run(until: { loop.openHandles == 0 }, timeout: .seconds(2))
    }
}

extension HostResources {
    /// This host's resources divided between `agents` agents, each with its own 500 ports.
    static func split(agents: Int, workDirectory: String) -> [String] {
        let host = detect(workDirectory: workDirectory)
        let share = { (name: String) in (host.scalar(name) / Double(agents) * 100).rounded(.down) / 100 }
        return (0..<agents).map { index in
            let low = 31000 + index * 500
            return "cpus:\(share("cpus"));mem:\(share("mem"));disk:\(share("disk"));ports:[\(low)-\(low + 499)]"
        }
    }
}
