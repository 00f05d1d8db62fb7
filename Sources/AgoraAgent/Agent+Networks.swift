import AgoraRuntime
import AgoraWire
import Foundation

/// The networks a task's container asks for: none (the host's network), or a namespace of its own joined to the
/// named CNI networks (none for Docker's `NONE`: loopback only).
struct NetworkPlan {
    /// One network to join, and the host ports forwarded into the container there.
    struct Request {
        var network: String
        var mappings: [NetworkAttachment.Mapping]
    }
    var requests: [Request]

    /// The CNI network Docker's `BRIDGE` mode joins, as Marathon names it for the Mesos containerizer.
    static let bridgeNetwork = "mesos-bridge"

    /// Nil when the container shares the host's network.
    init?(_ container: ContainerInfo?) {
        guard let container else { return nil }
        var requests = container.networkInfos.map { info in
            Request(network: info.name ?? "", mappings: info.portMappings.map {
                .init(hostPort: $0.hostPort, containerPort: $0.containerPort, protocol: $0.protocol ?? "tcp")
            })
        }
        let dockerMappings = (container.docker?.portMappings ?? []).map {
            NetworkAttachment.Mapping(hostPort: $0.hostPort ?? 0, containerPort: $0.containerPort ?? 0, protocol: $0.protocol ?? "tcp")
        }
        switch container.docker?.network {
        case .bridge?:
            requests.insert(Request(network: Self.bridgeNetwork, mappings: dockerMappings), at: 0)
        case .user? where !requests.isEmpty:
            requests[0].mappings += dockerMappings
        case .none?:
            break
        default:
            guard !requests.isEmpty else { return nil }
        }
        self.requests = requests
    }
}

extension Agent {
    /// Where task network namespaces are bound, and where CNI plugins' input and output files go.
    var namespacesRoot: String { options.workDirectory + "/netns" }
    var pluginScratch: String { options.workDirectory + "/cni" }

    private var plugins: CNIPlugins {
        CNIPlugins(loop: loop, pluginDirectory: networks.pluginDirectory, scratch: pluginScratch)
    }

    /// Gives the task a network namespace of its own, brings its loopback up and attaches it to each network of
    /// `plan` in turn (interfaces `eth0`, `eth1`…), checkpointing before each attachment so that a crash in between
    /// leaves nothing a restarted agent cannot release. On any failure everything made so far is released and the
    /// error names the network and the plugin's message.
    func attachNetworks(_ run: TaskRun, _ plan: NetworkPlan, then done: @escaping (NetworkError?) -> Void) {
        var attachments: [NetworkAttachment] = []
        for (index, request) in plan.requests.enumerated() {
            guard let network = networks.byName[request.network] else {
                let known = networks.names.isEmpty ? "none is configured (--network-config-dir)" : "known: " + networks.names.joined(separator: ", ")
                return done(NetworkError("unknown network '\(request.network)' on this agent (\(known))"))
            }
            if !request.mappings.isEmpty && !network.mapsPorts {
                return done(NetworkError("network '\(network.name)' cannot map ports: none of its plugins has the portMappings capability (add 'portmap')"))
            }
            attachments.append(NetworkAttachment(network: network.name, configuration: network.source,
                                                 containerID: ContainerBundles.id(for: run.cgroupName),
                                                 interface: "eth\(index)", mappings: request.mappings))
        }
        let namespace = namespacesRoot + "/" + ContainerBundles.id(for: run.cgroupName)
        do {
            for directory in [namespacesRoot, pluginScratch] {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            }
            try Files.writeScratch(namespace, [], mode: 0o644)
        } catch {
            return done(NetworkError("cannot create the network namespace file \(namespace): \(error)"))
        }
        run.network = TaskNetwork(namespace: namespace, attachments: [])
        checkpoint(run)
        ToolRun.start(loop: loop, ["unshare", "--net=" + namespace, "true"], environment: options.taskEnvironment,
                      scratch: pluginScratch, timeout: .seconds(30)) { [weak self, weak run] outcome in
            guard let self, let run else { return }
            guard outcome.succeeded else {
                return self.abandonAttach(run, NetworkError("cannot create a network namespace: \(outcome.reason)"), done)
            }
            self.plugins.loopbackUp(namespace: namespace, containerID: ContainerBundles.id(for: run.cgroupName)) { error in
                if let error { return self.abandonAttach(run, error, done) }
                self.attachNext(run, remaining: attachments, done)
            }
        }
    }

    private func attachNext(_ run: TaskRun, remaining: [NetworkAttachment], _ done: @escaping (NetworkError?) -> Void) {
        guard var attachment = remaining.first, let namespace = run.network?.namespace else { return done(nil) }
        run.network?.attachments.append(attachment)
        checkpoint(run)
        plugins.add(attachment, namespace: namespace) { [weak self, weak run] outcome in
            guard let self, let run else { return }
            switch outcome {
            case .failure(let error):
                self.abandonAttach(run, error, done)
            case .success(let added):
                attachment.result = added.result
                attachment.addresses = added.addresses
                if let last = run.network?.attachments.indices.last { run.network?.attachments[last] = attachment }
                self.checkpoint(run)
                self.logger.info("task \(run.info.taskID) joined network '\(attachment.network)' as \(added.addresses.joined(separator: ", "))")
                self.attachNext(run, remaining: Array(remaining.dropFirst()), done)
            }
        }
    }

    private func abandonAttach(_ run: TaskRun, _ error: NetworkError, _ done: @escaping (NetworkError?) -> Void) {
        releaseNetwork(of: run) { done(error) }
    }

    /// Detaches the task from its networks (in reverse order, every plugin's DEL, failures logged) and removes its
    /// namespace; then `done`. Runs once however often it is asked for; a task without a namespace has nothing to do.
    func releaseNetwork(of run: TaskRun, then done: @escaping () -> Void = {}) {
        guard let network = run.network else { return done() }
        guard !run.releasingNetwork else {
            run.afterNetworkRelease.append(done)
            return
        }
        run.releasingNetwork = true
        run.afterNetworkRelease.append(done)
        release(network, plugins: plugins) { [weak self, weak run] in
            guard let self, let run else { return }
            run.network = nil
            run.releasingNetwork = false
            self.checkpoint(run)
            let waiting = run.afterNetworkRelease
            run.afterNetworkRelease = []
            for body in waiting { body() }
        }
    }

    /// Releases `network` without a task (one found in a checkpoint the agent drops), with the loop's plugins.
    func releaseNetwork(_ network: TaskNetwork) {
        release(network, plugins: plugins) {}
    }

    /// Releases `network` to completion before returning, on a loop of its own: for an agent that is stopping.
    func releaseNetworkNow(_ network: TaskNetwork) {
        guard let own = try? Loop() else { return logger.error("cannot release \(network.namespace): no loop") }
        let plugins = CNIPlugins(loop: own, pluginDirectory: networks.pluginDirectory, scratch: pluginScratch)
        var finished = false
        release(network, plugins: plugins) { finished = true }
        _ = own.run(until: { finished }, timeout: .seconds(120))
        try? own.close()
    }

    private func release(_ network: TaskNetwork, plugins: CNIPlugins, _ done: @escaping () -> Void) {
        var remaining = Array(network.attachments.reversed())
        func next() {
            guard let attachment = remaining.first else {
                removeNamespace(network.namespace)
                return done()
            }
            remaining.removeFirst()
            plugins.delete(attachment, namespace: network.namespace) { [logger] errors in
                for error in errors { logger.error("releasing \(attachment.network) of \(attachment.containerID): \(error.message)") }
                next()
            }
        }
        next()
    }

    private func removeNamespace(_ path: String) {
        try? Mounts.unmount(path)
        try? FileManager.default.removeItem(atPath: path)
    }

    /// When the agent starts: namespaces no recovered task owns are unbound and removed (their attachments, if
    /// any, were released from the checkpoints that named them).
    func removeNamespaces(except owned: Set<String>) {
        let found = (try? FileManager.default.contentsOfDirectory(atPath: namespacesRoot)) ?? []
        for name in found where !owned.contains(namespacesRoot + "/" + name) {
            removeNamespace(namespacesRoot + "/" + name)
        }
    }
}
