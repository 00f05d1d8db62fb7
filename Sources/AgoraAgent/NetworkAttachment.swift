import AgoraWire
import Foundation

/// A task's place on one CNI network, checkpointed before its plugins run so that an agent restarted at any point
/// can still release it: the network's configuration as attached, the interface and namespace, the port mappings,
/// and the plugins' result once they succeeded (the addresses the task got).
struct NetworkAttachment: Codable, Equatable {
    /// A host port forwarded to a port of the container (`tcp` or `udp`).
    struct Mapping: Codable, Equatable {
        var hostPort: UInt32
        var containerPort: UInt32
        var `protocol`: String
    }

    var network: String
    /// The network's configuration when it was attached.
    var configuration: String
    /// The container id the plugins were given (unique on this agent), and the interface inside the namespace.
    var containerID: String
    var interface: String
    var mappings: [Mapping]
    /// The chain's result (JSON), set once every plugin succeeded; releases hand it to the plugins as `prevResult`.
    var result: String?
    /// The addresses the task got on this network.
    var addresses: [String] = []

    /// What a status reports about this attachment.
    var networkInfo: NetworkInfo {
        NetworkInfo(name: network,
                    ipAddresses: addresses.map { .init(protocol: $0.contains(":") ? .ipv6 : .ipv4, ipAddress: $0) },
                    portMappings: mappings.map { .init(hostPort: $0.hostPort, containerPort: $0.containerPort, protocol: $0.protocol) })
    }
}

/// A task's network namespace and its attachments (`TaskRun.network`), checkpointed with the task.
struct TaskNetwork: Codable, Equatable {
    /// The namespace, bound to a file under `<work dir>/netns` so it outlives the processes in it.
    var namespace: String
    var attachments: [NetworkAttachment]

    /// The status part that reports the task's addresses.
    var containerStatus: ContainerStatus {
        ContainerStatus(networkInfos: attachments.map(\.networkInfo))
    }
}
