import Foundation
import AgoraResources
import AgoraAuth
import AgoraRuntime
import AgoraWire

/// How an agent runs: where it listens, which master it serves, what it offers (the `agora-agent` flags).
public struct AgentOptions: Sendable {
    public var address: SocketAddress
    public var workDirectory: String
    public var master: SocketAddress
    public var hostname: String
    public var resources: Resources
    public var attributes: [Attribute] = []
    /// How long a finished task's sandbox is kept before it is deleted.
    public var gcDelay: Duration = .seconds(3600)
    /// SIGTERM → SIGKILL wait when neither the kill nor the task names a grace period.
    public var defaultGracePeriod: Duration = .seconds(3)
    /// First wait before an unacknowledged status update is resent; doubles up to 10 minutes. Mesos' agent waits
    /// as long: an overloaded master that takes seconds to acknowledge is not sent everything again.
    public var statusUpdateRetry = AgentOptions.defaultStatusUpdateRetry
    public static let defaultStatusUpdateRetry: Duration = .seconds(10)
    /// Put each task in cgroups limiting its memory, CPU and processes (when the host allows).
    public var isolation = true
    /// Run each task as its `CommandInfo.user` or its framework's `user` (`--switch-user`, the default); when
    /// false, every task runs as the agent's own user.
    public var switchUser = true
    /// The only variables of the agent's world a task sees (`--executor-environment-variables`); the default is
    /// a standard `PATH` alone.
    public var taskEnvironment = ["PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]
    /// Whether task output is rotated (`--log-max-size`, `--log-max-files`): Agora's command executor rotates its
    /// task's itself; this `agora-logrotate` executable does it for custom executors. Nil writes output directly.
    public var logRotator: String?
    /// The `agora-executor` executable, the parent of every task.
    public var executor = "agora-executor"
    /// The `agora-fetcher` executable that puts a task's URIs into its sandbox, and how long it may take.
    public var fetcher = "agora-fetcher"
    public var fetchTimeout: Duration = .seconds(600)
    /// Where container images are kept (`--image-dir`; nil: `<work dir>/images`), the Docker Hub mirrors to pull
    /// through (`--registry-mirror`), registries reached over plain HTTP or unverified TLS (`--insecure-registry`),
    /// how long a pull may take, and how long an image no task uses is kept (`--image-gc-delay`).
    public var imageDirectory: String?
    public var registryMirrors: [String] = []
    public var insecureRegistries: [String] = []
    public var imagePullTimeout: Duration = .seconds(600)
    public var imageGCDelay: Duration = .seconds(3600)
    /// The OCI runtime that runs container tasks (`--container-runtime`).
    public var containerRuntime = "runc"
    /// Where the CNI network configurations are (`--network-config-dir`; nil: no networks) and the directory of the
    /// CNI plugins they run (`--network-plugin-dir`, Debian's `/usr/lib/cni` by default).
    public var networkConfigDirectory: String?
    public var networkPluginDirectory = "/usr/lib/cni"
    /// Name servers containers get in `/etc/resolv.conf` (`--container-dns`, agora-dns' address), and the search
    /// domain that goes with them (`--container-dns-search`); none: the host's `/etc/resolv.conf`.
    public var containerDNS: [String] = []
    public var containerDNSSearch: String?
    /// How long an executor waits for a restarted agent before it ends its task.
    public var executorRecoveryTimeout: Duration = .seconds(900)
    /// How long a restarted agent waits for the executors it finds alive to subscribe again.
    public var executorReregistrationTimeout: Duration = .seconds(10)
    /// What a restarted agent does with the tasks of the agent before it (`--recover`).
    public var recover = RecoveryMode.reconnect
    /// A sandbox log file is rotated before it passes this many bytes (`--log-max-size`)…
    public var logMaxSize = 10 * 1_048_576
    /// …and this many files are kept, the current one included (`--log-max-files`).
    public var logMaxFiles = 5
    /// Kill tasks whose sandbox grows past their `disk` resource (`--enforce-disk-quota`).
    public var enforceDiskQuota = true
    /// How often sandboxes are measured for the disk quota (`--disk-watch-interval`).
    public var diskWatchInterval: Duration = .seconds(15)
    /// The principal and secret the agent presents to the master (`--credential`).
    public var credential: Credential?
    /// Who may read sandboxes through `/files/*` (`--authenticate-http` with `--http-credentials`).
    public var httpAuthenticator = HTTPAuthenticator.off
    /// Which principals may read which users' sandboxes (`--acls`, `access_sandboxes`).
    public var acls = ACLs()

    public init(
        address: SocketAddress, workDirectory: String, master: SocketAddress, hostname: String, resources: Resources
    ) {
        self.address = address
        self.workDirectory = workDirectory
        self.master = master
        self.hostname = hostname
        self.resources = resources
    }
}

/// Parses `--attributes "rack:r1;zone:a;level:3"`: numbers become scalars, everything else text.
public func parseAttributes(_ text: String) throws(ResourcesParseError) -> [Attribute] {
    var attributes: [Attribute] = []
    for part in text.split(separator: ";") {
        let trimmed = part.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { continue }
        let pieces = trimmed.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard pieces.count == 2, !pieces[0].isEmpty, !pieces[1].isEmpty else {
            throw ResourcesParseError(message: "attribute \"\(trimmed)\" is not name:value")
        }
        if let number = Double(pieces[1]) {
            guard number.isFinite, abs(number) <= Bounds.maxScalar else {
                throw ResourcesParseError(message: "attribute \"\(trimmed)\": numbers must be finite and at most \(Bounds.maxScalar)")
            }
            attributes.append(Attribute(name: pieces[0], type: .scalar, scalar: Scalar(number)))
        } else {
            attributes.append(.text(pieces[0], pieces[1]))
        }
    }
    return attributes
}

/// What an agent does with what it finds checkpointed when it starts (Mesos' `--recover`).
public enum RecoveryMode: String, Sendable, CaseIterable {
    /// Re-attach to the executors still running and go on with their tasks; stopping leaves them running.
    case reconnect
    /// Kill whatever the agent before left running; stopping kills every task.
    case cleanup
}
