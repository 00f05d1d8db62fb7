import AgoraClusterTesting
import AgoraHTTP
import AgoraRuntime
import AgoraWire
import Foundation
import Testing

/// A fresh cluster with a registry of the test images, a CNI bridge network of the test's own, and one agent
/// configured with it; the network's bridge and rules are removed afterwards whatever happened.
private func withNetwork(named name: String = "testnet", addresses: Int = 200,
                         _ body: (Cluster, TestRegistry, TestNetwork, Daemon) throws -> Void) throws {
    try withCluster(masterFlags: ["--agent-ping-timeout", "5secs"]) { cluster in
        let registry = try TestRegistry(cluster: cluster, script: PythonClients.fixture("build-test-images.sh"))
        let network = try TestNetwork(cluster: cluster, name: name, addresses: addresses)
        defer {
            cluster.shutdown()
            network.remove()
        }
        let agent = try cluster.addAgent("cpus:4;mem:2048;disk:2048;ports:[31000-31099]", flags: [
            "--insecure-registry", registry.host, "--network-config-dir", network.configDirectory, "--recover", "reconnect",
        ])
        try body(cluster, registry, network, agent)
    }
}

/// A task running `command` in the web image on `network`, with host port → container port mappings.
private func networkedTask(_ id: String, image: String, network: String, _ command: String, on offer: Offer,
                           mappings: [(host: UInt32, container: UInt32)] = []) throws -> TaskInfo {
    let ports = mappings.map { "ports:[\($0.host)-\($0.host)]" }.joined(separator: ";")
    var task = try shellTask(id, command, on: offer, resources: "cpus:0.2;mem:64" + (ports.isEmpty ? "" : ";" + ports))
    var container = ContainerInfo.running(image, type: .mesos, volumes: [], forcePull: false)
    container.networkInfos = [NetworkInfo(name: network, portMappings: mappings.map { .init(hostPort: $0.host, containerPort: $0.container) })]
    task.container = container
    return task
}

/// The address a status reports for the task on its first network.
private func address(in status: TaskStatus?) -> String? {
    status?.containerStatus?.networkInfos.first?.ipAddresses.first?.ipAddress
}

/// One GET; nil when nothing answers within 3 s.
private func get(_ cluster: Cluster, _ host: String, _ port: Int, _ path: String = "/") -> String? {
    var result: Result<HTTPResponse, HTTPError>?
    HTTPClient.send(loop: cluster.loop, to: SocketAddress(host: host, port: UInt16(clamping: port)),
                    HTTPRequest(method: .get, target: path)) { result = $0 }
    guard cluster.loop.run(until: { result != nil }, timeout: .seconds(3)), case .success(let response)? = result,
          response.status == .ok else { return nil }
    return String(decoding: response.body, as: UTF8.self)
}

@Suite(.serialized, .enabled(if: TestRegistry.available && TestNetwork.available,
                             "needs root, the CNI plugins, iptables and the container tools (make deps)"))
struct NetworkTests {
    /// A container on a bridge network gets its own address from the network's IPAM, reported in its status and in
    /// the master's state; it answers on that address and through its host port; after it ends, nothing is left.
    @Test func aContainerOnABridgeNetworkHasItsOwnAddressAndHostPortUntilItEnds() throws {
        try withNetwork { cluster, registry, network, agent in
            let image = try registry.push("web-1", as: "web:1")
            let scheduler = cluster.scheduler("networks", format: .protobuf)
            let offer = try cluster.offer(for: scheduler)
            scheduler.launch([try networkedTask("web", image: image, network: network.name, "httpd -f -p 80 -h /www",
                                                on: offer, mappings: [(31005, 80)])], on: offer)
            try cluster.wait("the task running", timeout: .seconds(60)) { scheduler.states(of: "web").last == .running }
            let ip = try #require(address(in: scheduler.lastStatus(of: "web")), "RUNNING carries the address")
            #expect(ip.hasPrefix(network.prefix + "."), "\(ip) is in \(network.prefix).0/24")
            #expect(scheduler.lastStatus(of: "web")?.containerStatus?.networkInfos.first?.name == network.name)
            try cluster.wait("HTTP on the container's own address") { get(cluster, ip, 80) == "web 1\n" }
            try cluster.wait("HTTP through the host port") { get(cluster, "127.0.0.1", 31005) == "web 1\n" }
            let state = try cluster.getJSON(cluster.master, "/state")
            #expect(state.text.contains("\"ip_address\":\"\(ip)\""), "the master's /state shows the address")
            #expect(network.leftovers(workDirectory: agent.workDirectory).count >= 3, "a veth, a lease, a rule and the namespace while it runs")

            scheduler.kill("web")
            try cluster.wait("the task killed") { scheduler.states(of: "web").last == .killed }
            try cluster.wait("its network released") { network.leftovers(workDirectory: agent.workDirectory).isEmpty }
            #expect(get(cluster, "127.0.0.1", 31005) == nil, "the host port no longer forwards")
            scheduler.close()
        }
    }

    /// The agent is SIGKILLed and restarted while a networked container runs: its address and host port keep
    /// working, and once the task ends the restarted agent releases everything.
    @Test func anAgentKilledAndRestartedKeepsTheNetworkAndReleasesItAfterwards() throws {
        try withNetwork { cluster, registry, network, agent in
            let image = try registry.push("web-1", as: "web:1")
            let scheduler = cluster.scheduler("networks", format: .json)
            let offer = try cluster.offer(for: scheduler)
            scheduler.launch([try networkedTask("web", image: image, network: network.name, "httpd -f -p 80 -h /www",
                                                on: offer, mappings: [(31007, 80)])], on: offer)
            try cluster.wait("the task running", timeout: .seconds(60)) { scheduler.states(of: "web").last == .running }
            let ip = try #require(address(in: scheduler.lastStatus(of: "web")))
            try cluster.wait("HTTP on the container's address") { get(cluster, ip, 80) == "web 1\n" }
            try cluster.adoptTaskGroups(of: agent)
            try agent.process.kill(.kill)
            try cluster.wait("the agent to die") { agent.exit != nil }
            #expect(get(cluster, ip, 80) == "web 1\n", "the container serves while its agent is down")
            let restarted = try cluster.restart(agent)
            cluster.idle(.seconds(2))
            #expect(get(cluster, ip, 80) == "web 1\n")
            #expect(get(cluster, "127.0.0.1", 31007) == "web 1\n")
            #expect(scheduler.states(of: "web").last == .running)
            scheduler.kill("web")
            try cluster.wait("the task killed") { scheduler.states(of: "web").last == .killed }
            try cluster.wait("its network released by the restarted agent") {
                network.leftovers(workDirectory: restarted.workDirectory).isEmpty
            }
            scheduler.close()
        }
    }

    /// Bad requests fail the task with a reason naming the network and the plugin's error, and leak nothing: an
    /// unknown network, a network out of addresses; a host port the task does not hold is refused by the master.
    @Test func unknownNetworksExhaustedAddressesAndForeignHostPortsFailClearly() throws {
        try withNetwork(addresses: 1) { cluster, registry, network, agent in
            let image = try registry.push("web-1", as: "web:1")
            let scheduler = cluster.scheduler("networks", format: .json)
            var offer = try cluster.offer(for: scheduler)
            scheduler.launch([try networkedTask("nowhere", image: image, network: "no-such-net", "sleep 60", on: offer)], on: offer)
            try cluster.wait("the unknown network refused", timeout: .seconds(30)) { scheduler.states(of: "nowhere").last == .failed }
            let unknown = scheduler.lastStatus(of: "nowhere")
            #expect(unknown?.reason == .containerLaunchFailed)
            #expect(unknown?.message?.contains("unknown network 'no-such-net'") == true && unknown?.message?.contains(network.name) == true,
                    "\(unknown?.message ?? "")")

            offer = try cluster.offer(for: scheduler)
            scheduler.launch([try networkedTask("first", image: image, network: network.name, "sleep 60", on: offer)], on: offer)
            try cluster.wait("the first task running", timeout: .seconds(60)) { scheduler.states(of: "first").last == .running }
            offer = try cluster.offer(for: scheduler)
            scheduler.launch([try networkedTask("second", image: image, network: network.name, "sleep 60", on: offer)], on: offer)
            try cluster.wait("the second refused", timeout: .seconds(30)) { scheduler.states(of: "second").last == .failed }
            let exhausted = scheduler.lastStatus(of: "second")?.message ?? ""
            #expect(exhausted.contains("network '\(network.name)'") && exhausted.contains("host-local")
                    || exhausted.contains("no IP addresses available"), "\(exhausted)")

            offer = try cluster.offer(for: scheduler)
            var foreign = try networkedTask("foreign", image: image, network: network.name, "sleep 60", on: offer)
            foreign.container?.networkInfos[0].portMappings = [.init(hostPort: 31050, containerPort: 80)]
            scheduler.launch([foreign], on: offer)
            try cluster.wait("the foreign host port refused") { scheduler.states(of: "foreign").last == .error }
            #expect(scheduler.lastStatus(of: "foreign")?.message?.contains("host port 31050 is not among the task's port resources") == true)

            scheduler.kill("first")
            try cluster.wait("the first killed") { scheduler.states(of: "first").last == .killed }
            try cluster.wait("nothing left") { network.leftovers(workDirectory: agent.workDirectory).isEmpty }
            scheduler.close()
        }
    }

    /// A Marathon app on `container/bridge` (the agent's `mesos-bridge` network): each instance has its own address
    /// in `/v2/tasks` and a host port from the offer forwarded to container port 80, health-checked through it;
    /// deleting the app leaves nothing on the host.
    @Test func aMarathonBridgeAppHasAnAddressPerInstanceAndHealthCheckedHostPorts() throws {
        try withNetwork(named: "mesos-bridge") { cluster, registry, network, agent in
            let image = try registry.push("web-1", as: "web:1")
            let services = ServicesClient(cluster: cluster, daemon: try cluster.addServices())
            let app = #"""
                {"id": "/web", "cmd": "httpd -f -p 80 -h /www", "instances": 3, "cpus": 0.1, "mem": 32,
                 "networks": [{"mode": "container/bridge"}],
                 "container": {"type": "DOCKER", "docker": {"image": "\#(image)"}, "portMappings": [{"containerPort": 80, "hostPort": 0, "name": "http"}]},
                 "healthChecks": [{"protocol": "HTTP", "path": "/", "portIndex": 0, "gracePeriodSeconds": 15, "intervalSeconds": 0.5,
                                   "timeoutSeconds": 2, "maxConsecutiveFailures": 3}]}
                """#
            #expect(try services.send(.post, "/v2/apps", app).status == .created)
            try services.waitHealthy("/web", 3, timeout: .seconds(60))
            let tasks = try services.tasks("/web")
            var addresses: Set<String> = []
            for task in tasks {
                guard case .array(let ips)? = task["ipAddresses"], let ip = ips.first?["ipAddress"]?.textValue,
                      case .array(let ports)? = task["ports"], case .number(let port)? = ports.first else {
                    Issue.record("task without an address or a port: \(task.text)")
                    continue
                }
                addresses.insert(ip)
                #expect(ip.hasPrefix(network.prefix + "."), "\(ip) on the bridge")
                #expect(get(cluster, ip, 80) == "web 1\n", "the instance answers on its own address")
                #expect(get(cluster, "127.0.0.1", Int(port) ?? 0) == "web 1\n", "and through its host port")
            }
            #expect(addresses.count == 3, "three instances, three addresses: \(addresses)")
            let shown = try #require(try services.app("/web"))
            let servicePort = shown["container"]?["portMappings"]?.text.contains("\"servicePort\":10000") == true
            #expect(servicePort, "the first service port of the range: \(shown["container"]?.text ?? "")")
            #expect(tasks.allSatisfy { $0["servicePorts"] == .array([.number("10000")]) }, "tasks show their app's service ports")
            let clash = #"{"id": "/clash", "cmd": "sleep 60", "portDefinitions": [{"port": 10000}]}"#
            #expect(try services.send(.post, "/v2/apps", clash).status == .conflict, "service port 10000 is taken")
            #expect(shown["networks"] == .array([.object([("mode", .string("container/bridge"))])]))
            #expect(shown["container"]?["portMappings"]?.text.contains("\"containerPort\":80,\"hostPort\":0") == true)
            #expect(try services.send(.delete, "/v2/apps/web").status == .ok)
            try cluster.wait("the instances to go", timeout: .seconds(30)) { services.count("/web", "tasksRunning") <= 0 }
            try cluster.wait("their networks released") { network.leftovers(workDirectory: agent.workDirectory).isEmpty }
        }
    }
}
