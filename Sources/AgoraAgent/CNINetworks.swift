import AgoraRuntime
import AgoraWire
import Foundation

/// Why a CNI network could not be read, attached or released; the message names the network, file or plugin.
public struct NetworkError: Error, Equatable, CustomStringConvertible {
    public let message: String
    init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// One CNI network configuration (`.conflist`, or a single-plugin `.conf`): its name, CNI version and the plugins
/// it chains, in order, each as the JSON object the plugin reads.
struct CNINetwork: Equatable {
    let name: String
    let cniVersion: String
    let plugins: [JSONValue]
    /// The configuration as read (kept with each attachment, so a release runs what the attachment ran).
    let source: String

    /// Reads a configuration: a `plugins` list, or one plugin at the top level; every plugin names its `type`.
    init(json text: String, origin: String) throws(NetworkError) {
        let document: JSONValue
        do {
            document = try JSONValue.parse(text)
        } catch {
            throw NetworkError("\(origin): not JSON: \(error.message)")
        }
        guard case .object = document else { throw NetworkError("\(origin): must be a JSON object") }
        guard let name = document.stringValue("name"), NetworkInfo.isValidName(name) else {
            throw NetworkError("\(origin): 'name' must be 1 to 64 letters, digits, '-', '_' or '.'")
        }
        guard let version = document.stringValue("cniVersion"), !version.isEmpty else {
            throw NetworkError("\(origin): 'cniVersion' must be set")
        }
        var plugins: [JSONValue]
        if case .array(let list)? = document["plugins"] {
            plugins = list
        } else if document["plugins"] != nil {
            throw NetworkError("\(origin): 'plugins' must be a list")
        } else {
            plugins = [document]
        }
        guard !plugins.isEmpty else { throw NetworkError("\(origin): 'plugins' is empty") }
        for (index, plugin) in plugins.enumerated() {
            guard case .object = plugin, let type = plugin.stringValue("type"), NetworkInfo.isValidName(type) else {
                throw NetworkError("\(origin): plugin \(index) must be an object whose 'type' names a plugin binary")
            }
        }
        self.name = name
        cniVersion = version
        self.plugins = plugins
        source = text
    }

    /// Whether some plugin of the chain maps ports (declares the `portMappings` capability, as `portmap` does).
    var mapsPorts: Bool {
        plugins.contains { $0["capabilities"]?["portMappings"] == .bool(true) }
    }
}

/// The CNI networks an agent attaches tasks to (`--network-config-dir`), run with the plugins of
/// `--network-plugin-dir`. Read when the agent starts; a broken file stops the agent with a message naming it.
struct CNINetworks {
    let pluginDirectory: String
    private(set) var byName: [String: CNINetwork] = [:]

    /// No networks: tasks asking for one fail naming it.
    init(pluginDirectory: String) {
        self.pluginDirectory = pluginDirectory
    }

    /// Every `.conflist`, `.conf` and `.json` file of `directory`, in name order; a missing directory holds none.
    init(directory: String, pluginDirectory: String) throws(NetworkError) {
        self.pluginDirectory = pluginDirectory
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { [".conflist", ".conf", ".json"].contains(where: $0.hasSuffix) }.sorted()
        for file in names {
            let path = directory + "/" + file
            let text: String
            do {
                text = try Files.readText(path)
            } catch {
                throw NetworkError("cannot read the network configuration \(path): \(error)")
            }
            let network = try CNINetwork(json: text, origin: path)
            guard byName[network.name] == nil else {
                throw NetworkError("\(path): network '\(network.name)' is configured twice in \(directory)")
            }
            for plugin in network.plugins {
                let type = plugin.stringValue("type") ?? ""
                guard FileManager.default.isExecutableFile(atPath: pluginDirectory + "/" + type) else {
                    throw NetworkError("\(path): plugin '\(type)' is not in \(pluginDirectory)")
                }
            }
            byName[network.name] = network
        }
    }

    var names: [String] { byName.keys.sorted() }
}
