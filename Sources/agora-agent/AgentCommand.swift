import AgoraAgent
import AgoraResources
import AgoraAuth
import AgoraDaemon
import AgoraRuntime
import AgoraWire
import ArgumentParser
import Foundation
import Logging

/// `agora-agent`: parses flags and runs an agent.
@main
struct AgentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agora-agent",
        abstract: "The Agora agent: offers this host's resources to the master and runs tasks.")

    @OptionGroup var common: CommonOptions

    @Option(help: "The master as host:port.")
    var master: String

    @Option(help: "Resources to offer, e.g. \"cpus:2;mem:1024;disk:4096;ports:[31000-32000]\" (default: detected).")
    var resources: String?

    @Option(help: "Attributes passed to offers, e.g. \"rack:r1;zone:a\".")
    var attributes = ""

    @Option(help: "Hostname advertised to the master and frameworks (default: --ip).")
    var hostname: String?

    @Option(name: .customLong("gc-delay"), help: "How long finished tasks' sandboxes are kept.")
    var gcDelay = DurationFlag(.seconds(3600))

    @Option(name: .customLong("default-grace-period"), help: "SIGTERM to SIGKILL wait when a task names none.")
    var defaultGracePeriod = DurationFlag(.seconds(3))

    @Option(help: "What to do with the tasks a previous agent left on this work directory: reconnect (re-attach to their executors; stopping leaves tasks running) or cleanup (kill them; stopping kills every task).")
    var recover = "reconnect"

    @Option(name: .customLong("executor-reregistration-timeout"), help: "How long a restarted agent waits for live executors to subscribe again.")
    var executorReregistrationTimeout = DurationFlag(.seconds(10))

    @Option(name: .customLong("status-update-retry"), help: "How long an unacknowledged status update waits before it is sent again (the wait doubles each time, up to 10 minutes).")
    var statusUpdateRetry = DurationFlag(AgentOptions.defaultStatusUpdateRetry)

    @Option(help: "cgroups (limit each task's memory, CPU and processes where the host allows) or none.")
    var isolation = "cgroups"

    @Option(name: .customLong("credential"), help: "The agent's principal and secret for the master, {\"principal\": …, \"secret\": …}.")
    var credential: String?

    @Flag(name: .customLong("authenticate-http"), help: "/files/* need HTTP Basic or a bearer token (needs --http-credentials).")
    var authenticateHTTP = false

    @Option(name: .customLong("http-credentials"), help: "Credentials file (Mesos' JSON format) for --authenticate-http.")
    var httpCredentials: String?

    @Option(name: .customLong("acls"), help: "ACLs file in Mesos' JSON format (access_sandboxes).")
    var acls: String?

    @Flag(name: .customLong("switch-user"), inversion: .prefixedNo,
          help: "Run tasks as their CommandInfo.user or their framework's user; with --no-switch-user, as the agent's user.")
    var switchUser = true

    @Option(name: .customLong("executor-environment-variables"),
            help: "JSON object of the only environment variables tasks get besides their own (default: a standard PATH).")
    var executorEnvironmentVariables: String?

    @Option(name: .customLong("log-max-size"), help: "A task's stdout or stderr file is rotated before it passes this size.")
    var logMaxSize = ByteSizeFlag(bytes: 10 << 20)

    @Option(name: .customLong("log-max-files"), help: "Files kept per stream when rotating, the current one included.")
    var logMaxFiles = 5

    @Flag(name: .customLong("enforce-disk-quota"), inversion: .prefixedNo,
          help: "Kill tasks whose sandbox grows past their disk resource (REASON_CONTAINER_LIMITATION_DISK).")
    var enforceDiskQuota = true

    @Option(name: .customLong("disk-watch-interval"), help: "How often sandboxes are measured for the disk quota.")
    var diskWatchInterval = DurationFlag(.seconds(15))

    @Option(name: .customLong("image-dir"), help: "Where container images are kept (default: <work-dir>/images).")
    var imageDirectory: String?

    @Option(name: .customLong("registry-mirror"), help: "A Docker Hub mirror (host:port) to pull through; repeatable.")
    var registryMirrors: [String] = []

    @Option(name: .customLong("insecure-registry"), help: "A registry (host:port) reached over plain HTTP or unverified TLS; repeatable.")
    var insecureRegistries: [String] = []

    @Option(name: .customLong("image-pull-timeout"), help: "How long pulling and unpacking one image may take.")
    var imagePullTimeout = DurationFlag(.seconds(600))

    @Option(name: .customLong("image-gc-delay"), help: "How long an image no task uses is kept.")
    var imageGCDelay = DurationFlag(.seconds(3600))

    @Option(name: .customLong("container-runtime"), help: "The OCI runtime that runs container tasks.")
    var containerRuntime = "runc"

    @Option(name: .customLong("network-config-dir"), help: "Directory of CNI network configurations (.conflist) tasks may join by name.")
    var networkConfigDirectory: String?

    @Option(name: .customLong("network-plugin-dir"), help: "Directory of the CNI plugins those configurations run.")
    var networkPluginDirectory = "/usr/lib/cni"

    @Option(name: .customLong("container-dns"), help: "Name servers (IP,IP…) containers get in /etc/resolv.conf, such as agora-dns' address.")
    var containerDNS: String?

    @Option(name: .customLong("container-dns-search"), help: "The search domain containers get with --container-dns.")
    var containerDNSSearch: String?

    func masterAddress() throws -> SocketAddress { try FrameworkRunner.masterAddress(master) }

    /// A companion program (`agora-logrotate`, `agora-executor`) installed beside this executable.
    func companion(_ name: String) throws -> String {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let path = URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent(name).path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw ValidationError("\(name) must be installed beside agora-agent (looked for \(path))")
        }
        return path
    }

    func taskEnvironment() throws -> [String: String]? {
        guard let executorEnvironmentVariables else { return nil }
        guard let json = try? JSONValue.parse(executorEnvironmentVariables), case .object(let pairs) = json else {
            throw ValidationError("--executor-environment-variables must be a JSON object of strings")
        }
        var environment: [String: String] = [:]
        for (name, value) in pairs {
            guard case .string(let text) = value else { throw ValidationError("--executor-environment-variables: '\(name)' must be a string") }
            environment[name] = text
        }
        return environment
    }

    mutating func validate() throws {
        _ = try masterAddress()
        if let resources {
            do { _ = try Resources(parsing: resources) } catch { throw ValidationError("--resources: \(error)") }
        }
        do { _ = try parseAttributes(attributes) } catch { throw ValidationError("--attributes: \(error)") }
        guard ["cgroups", "none"].contains(isolation) else { throw ValidationError("--isolation must be cgroups or none") }
        if authenticateHTTP && httpCredentials == nil { throw ValidationError("--authenticate-http needs --http-credentials") }
        guard (1...1000).contains(logMaxFiles) else { throw ValidationError("--log-max-files must be between 1 and 1000") }
        guard diskWatchInterval.duration > .zero else { throw ValidationError("--disk-watch-interval must be positive") }
        guard statusUpdateRetry.duration >= .milliseconds(100), statusUpdateRetry.duration <= .seconds(600) else {
            throw ValidationError("--status-update-retry must be between 100ms and 10mins")
        }
        guard RecoveryMode(rawValue: recover) != nil else { throw ValidationError("--recover must be reconnect or cleanup") }
        for server in containerDNS?.split(separator: ",", omittingEmptySubsequences: false) ?? [] {
            let v4 = server.split(separator: ".", omittingEmptySubsequences: false)
            guard v4.count == 4, v4.allSatisfy({ UInt8($0) != nil }) else { throw ValidationError("--container-dns: '\(server)' is not an IPv4 address") }
        }
        if let search = containerDNSSearch, search.isEmpty || !search.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }) {
            throw ValidationError("--container-dns-search must be a domain name")
        }
        _ = try companion("agora-logrotate")
        _ = try companion("agora-executor")
        _ = try companion("agora-fetcher")
        _ = try taskEnvironment()
        for registry in registryMirrors + insecureRegistries where !Self.isRegistryHost(registry) {
            throw ValidationError("'\(registry)' is not a registry host[:port]")
        }
        guard imagePullTimeout.duration > .zero, imageGCDelay.duration >= .zero else {
            throw ValidationError("--image-pull-timeout must be positive and --image-gc-delay not negative")
        }
    }

    /// A registry as `host[:port]`: letters, digits, dots, dashes, one port.
    static func isRegistryHost(_ text: String) -> Bool {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].isEmpty, parts[0].utf8.count <= 253,
              parts[0].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") }) else { return false }
        return parts.count == 1 || UInt16(parts[1]).map { $0 > 0 } == true
    }

    func run() throws {
        _ = try bootstrapLogging(level: common.logLevel)
        let logger = Logger(label: "agora-agent")
        let workDirectory = try common.prepareWorkDirectory()
        var options = AgentOptions(
            address: SocketAddress(host: common.ip, port: common.port), workDirectory: workDirectory,
            master: try masterAddress(), hostname: hostname ?? common.ip,
            resources: try resources.map { try Resources(parsing: $0) } ?? HostResources.detect(workDirectory: workDirectory))
        options.attributes = try parseAttributes(attributes)
        options.gcDelay = gcDelay.duration
        options.defaultGracePeriod = defaultGracePeriod.duration
        options.isolation = isolation == "cgroups"
        options.credential = try AuthFiles.credential(credential)
        if authenticateHTTP { options.httpAuthenticator = HTTPAuthenticator(credentials: try AuthFiles.credentials(httpCredentials)) }
        options.acls = try AuthFiles.acls(acls)
        options.switchUser = switchUser
        options.logRotator = try companion("agora-logrotate")
        options.executor = try companion("agora-executor")
        options.fetcher = try companion("agora-fetcher")
        options.logMaxSize = logMaxSize.bytes
        options.logMaxFiles = logMaxFiles
        options.enforceDiskQuota = enforceDiskQuota
        options.diskWatchInterval = diskWatchInterval.duration
        options.recover = RecoveryMode(rawValue: recover) ?? .reconnect
        options.executorReregistrationTimeout = executorReregistrationTimeout.duration
        options.statusUpdateRetry = statusUpdateRetry.duration
        options.imageDirectory = imageDirectory
        options.registryMirrors = registryMirrors
        options.insecureRegistries = insecureRegistries
        options.imagePullTimeout = imagePullTimeout.duration
        options.imageGCDelay = imageGCDelay.duration
        options.containerRuntime = containerRuntime
        options.networkConfigDirectory = networkConfigDirectory
        options.networkPluginDirectory = networkPluginDirectory
        options.containerDNS = containerDNS.map { $0.split(separator: ",").map(String.init) } ?? []
        options.containerDNSSearch = containerDNSSearch
        if let environment = try taskEnvironment() { options.taskEnvironment = environment }
        try DaemonRunner.run(name: "agora-agent", logger: logger) { loop in
            let agent = try Agent(loop: loop, options: options, logger: logger)
            return (agent.address, agent.stop)
        }
    }
}
