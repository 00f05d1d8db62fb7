import AgoraRuntime
import AgoraWire
import Foundation

/// Runs CNI plugins as the CNI specification says: each plugin of a network's chain is executed with `CNI_COMMAND`,
/// the container id, namespace and interface in its environment and its configuration (with the previous plugin's
/// result and the port mappings it asked for) on standard input. ADD runs the chain in order and stops at the first
/// failure; DEL runs it in reverse and goes on past failures (a release must free what it can).
struct CNIPlugins {
    let loop: Loop
    let pluginDirectory: String
    /// Where the plugins' input and output files go.
    let scratch: String
    /// How long one plugin may run before it is killed.
    var timeout: Duration = .seconds(30)

    /// Attaches the namespace to `attachment`'s network; on success, the chain's result and the addresses in it.
    func add(_ attachment: NetworkAttachment, namespace: String,
             _ done: @escaping (Result<(result: String, addresses: [String]), NetworkError>) -> Void) {
        let network: CNINetwork
        do throws(NetworkError) {
            network = try CNINetwork(json: attachment.configuration, origin: "network '\(attachment.network)'")
        } catch {
            return done(.failure(error))
        }
        step(0, of: network, attachment, namespace: namespace, previous: nil, done)
    }

    private func step(_ index: Int, of network: CNINetwork, _ attachment: NetworkAttachment, namespace: String,
                      previous: JSONValue?, _ done: @escaping (Result<(result: String, addresses: [String]), NetworkError>) -> Void) {
        guard index < network.plugins.count else {
            let result = previous ?? .object([])
            return done(.success((result.text, Self.addresses(in: result))))
        }
        let plugin = network.plugins[index]
        run("ADD", plugin, of: network, attachment, namespace: namespace, previous: previous) { outcome in
            switch outcome {
            case .failure(let error):
                done(.failure(error))
            case .success(let output):
                // A plugin that prints nothing passes the previous result on (as some meta plugins do).
                let result = (try? JSONValue.parse(output)) ?? previous
                self.step(index + 1, of: network, attachment, namespace: namespace, previous: result, done)
            }
        }
    }

    /// Detaches the namespace from `attachment`'s network; the errors of the plugins that failed, if any.
    func delete(_ attachment: NetworkAttachment, namespace: String, _ done: @escaping ([NetworkError]) -> Void) {
        let network: CNINetwork
        do throws(NetworkError) {
            network = try CNINetwork(json: attachment.configuration, origin: "network '\(attachment.network)'")
        } catch {
            return done([error])
        }
        let previous = attachment.result.flatMap { try? JSONValue.parse($0) }
        var errors: [NetworkError] = []
        var remaining = Array(network.plugins.reversed())
        func next() {
            guard !remaining.isEmpty else { return done(errors) }
            let plugin = remaining.removeFirst()
            run("DEL", plugin, of: network, attachment, namespace: namespace, previous: previous) { outcome in
                if case .failure(let error) = outcome { errors.append(error) }
                next()
            }
        }
        next()
    }

    /// Brings the namespace's loopback interface up (the `loopback` plugin), as every container runtime does.
    func loopbackUp(namespace: String, containerID: String, _ done: @escaping (NetworkError?) -> Void) {
        let loopback = try? CNINetwork(json: #"{"cniVersion": "1.0.0", "name": "loopback", "type": "loopback"}"#, origin: "loopback")
        guard let loopback else { return done(NetworkError("the loopback configuration does not parse")) }
        let attachment = NetworkAttachment(network: loopback.name, configuration: loopback.source, containerID: containerID,
                                           interface: "lo", mappings: [])
        run("ADD", loopback.plugins[0], of: loopback, attachment, namespace: namespace, previous: nil) { outcome in
            if case .failure(let error) = outcome { return done(error) }
            done(nil)
        }
    }

    private func run(_ command: String, _ plugin: JSONValue, of network: CNINetwork, _ attachment: NetworkAttachment,
                     namespace: String, previous: JSONValue?, _ done: @escaping (Result<String, NetworkError>) -> Void) {
        let type = plugin.stringValue("type") ?? ""
        let input = Self.input(plugin, of: network, previous: previous, mappings: attachment.mappings)
        let environment = [
            "CNI_COMMAND": command, "CNI_CONTAINERID": attachment.containerID, "CNI_NETNS": namespace,
            "CNI_IFNAME": attachment.interface, "CNI_PATH": pluginDirectory,
            "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        ]
        ToolRun.start(loop: loop, [pluginDirectory + "/" + type], environment: environment, input: input.serialized(),
                      scratch: scratch, timeout: timeout) { outcome in
            guard outcome.succeeded else {
                return done(.failure(NetworkError("network '\(network.name)': CNI plugin '\(type)' (\(command)) failed: \(Self.reason(outcome))")))
            }
            done(.success(outcome.output))
        }
    }

    /// The plugin's standard input: its own configuration with the network's name and version, the previous result
    /// (`prevResult`), and the port mappings when the plugin declares that capability.
    static func input(_ plugin: JSONValue, of network: CNINetwork, previous: JSONValue?, mappings: [NetworkAttachment.Mapping]) -> JSONValue {
        guard case .object(let fields) = plugin else { return plugin }
        let added: Set<String> = ["name", "cniVersion", "prevResult", "runtimeConfig"]
        var entries = fields.filter { !added.contains($0.0) }
        entries.append(("name", .string(network.name)))
        entries.append(("cniVersion", .string(network.cniVersion)))
        if let previous { entries.append(("prevResult", previous)) }
        if plugin["capabilities"]?["portMappings"] == .bool(true), !mappings.isEmpty {
            let list = mappings.map { mapping in
                JSONValue.object([("hostPort", .integer(mapping.hostPort)), ("containerPort", .integer(mapping.containerPort)),
                                  ("protocol", .string(mapping.protocol))])
            }
            entries.append(("runtimeConfig", .object([("portMappings", .array(list))])))
        }
        return .object(entries)
    }

    /// The addresses of a chain's result (`ips[].address` since CNI 0.3, `ip4.ip`/`ip6.ip` before), without prefixes.
    static func addresses(in result: JSONValue) -> [String] {
        var found: [String] = []
        if case .array(let ips)? = result["ips"] {
            found = ips.compactMap { $0.stringValue("address") }
        } else {
            found = ["ip4", "ip6"].compactMap { result[$0]?.stringValue("ip") }
        }
        return found.map { String($0.split(separator: "/").first ?? "") }.filter { !$0.isEmpty }
    }

    /// Why a plugin failed: its CNI error (`msg`, `details`) from standard output, else its last error line.
    private static func reason(_ outcome: ToolRun.Outcome) -> String {
        if let error = try? JSONValue.parse(outcome.output), let message = error.stringValue("msg") {
            let details = error.stringValue("details").map { ": " + $0 } ?? ""
            return message + details
        }
        return outcome.reason.isEmpty ? "no reason given" : outcome.reason
    }
}
