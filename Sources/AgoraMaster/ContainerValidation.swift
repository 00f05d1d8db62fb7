import AgoraWire
import AgoraResources

/// Why a task's container cannot run, or nil when it can. Agora runs Docker/OCI images for both types, on the host's
/// network or on CNI networks of the agent (`network_infos`, Docker `BRIDGE`/`USER`/`NONE`); what it does not
/// implement (APPC images, registry secrets, fixed addresses, network groups and labels, Docker parameters, rlimits,
/// terminals, a shared PID namespace) is refused by name.
func containerProblem(_ container: ContainerInfo) -> String? {
    guard let type = container.type else { return "ContainerInfo.type must be set (MESOS or DOCKER)" }
    switch type {
    case .docker:
        guard let docker = container.docker, !(docker.image ?? "").isEmpty else {
            return "ContainerInfo.docker.image must be set for a DOCKER container"
        }
        if container.mesos != nil { return "ContainerInfo.mesos is for MESOS containers, not DOCKER" }
        let network = docker.network ?? .host
        if !docker.portMappings.isEmpty && network != .bridge && network != .user {
            return "ContainerInfo.docker.port_mappings need network BRIDGE or USER (with \(network.rawValue) there is nothing to map to)"
        }
        if network == .user && container.networkInfos.isEmpty {
            return "ContainerInfo.docker.network USER needs a network named in ContainerInfo.network_infos"
        }
        if network != .user && network != .host && !container.networkInfos.isEmpty {
            return "ContainerInfo.network_infos go with Docker network USER, not \(network.rawValue)"
        }
        if let parameter = docker.parameters.first {
            return "ContainerInfo.docker.parameters ('\(parameter.key)') are not supported: there is no Docker daemon; Agora runs the image with its OCI runtime"
        }
        if docker.volumeDriver != nil { return "ContainerInfo.docker.volume_driver is not supported: there is no Docker daemon" }
    case .mesos:
        if container.docker != nil { return "ContainerInfo.docker is for DOCKER containers; a MESOS container names its image in 'mesos.image'" }
        if let image = container.mesos?.image, let problem = imageProblem(image) { return problem }
    }
    if let problem = hostnameProblem(container.hostname) { return problem }
    for network in container.networkInfos {
        if let problem = networkProblem(network) { return problem }
    }
    if container.rlimitInfo != nil { return "ContainerInfo.rlimit_info is not implemented" }
    if container.ttyInfo != nil { return "ContainerInfo.tty_info is not implemented: tasks have no terminal" }
    if let linux = container.linuxInfo, let problem = linuxProblem(linux) { return problem }
    for volume in container.volumes {
        if let problem = volumeProblem(volume) { return problem }
    }
    if container.imageName == nil && (!container.volumes.isEmpty || container.linuxInfo != nil || container.hostname != nil
        || !container.networkInfos.isEmpty) {
        return "ContainerInfo.volumes, linux_info, hostname and network_infos need an image ('mesos.image'): a task without one runs on the host"
    }
    return nil
}

private func networkProblem(_ network: NetworkInfo) -> String? {
    let name = network.name ?? ""
    guard NetworkInfo.isValidName(name) else { return "NetworkInfo.name '\(name)' must be 1 to 64 letters, digits, '-', '_' or '.' (a CNI network of the agent)" }
    if !network.groups.isEmpty { return "NetworkInfo.groups (network '\(name)') are not implemented" }
    if network.labels != nil { return "NetworkInfo.labels (network '\(name)') are not implemented" }
    for address in network.ipAddresses {
        if address.ipAddress != nil { return "NetworkInfo.ip_addresses.ip_address (a fixed address on '\(name)') is not implemented: the network's IPAM assigns one" }
        if address.protocol == .ipv6 { return "NetworkInfo.ip_addresses.protocol IPv6 (network '\(name)') is not implemented" }
    }
    if network.ipAddresses.count > 1 { return "NetworkInfo.ip_addresses: one address per network (network '\(name)')" }
    return nil
}

/// Why the container's port mappings cannot be made: each host port must be one of the task's port resources and
/// used once per protocol; container ports 1 to 65535; protocols `tcp` or `udp`.
func portMappingProblem(_ container: ContainerInfo, ports: RangeSet) -> String? {
    typealias Mapping = (network: String, host: UInt32, inside: UInt32, proto: String)
    var mappings: [Mapping] = []
    for network in container.networkInfos {
        for mapping in network.portMappings {
            mappings.append((network.name ?? "", mapping.hostPort, mapping.containerPort, mapping.protocol ?? "tcp"))
        }
    }
    for mapping in container.docker?.portMappings ?? [] {
        mappings.append(("docker", mapping.hostPort ?? 0, mapping.containerPort ?? 0, mapping.protocol ?? "tcp"))
    }
    var used = Set<String>()
    for (network, host, inside, proto) in mappings {
        guard proto == "tcp" || proto == "udp" else { return "port mapping \(host) → \(inside) on '\(network)': protocol must be tcp or udp (got '\(proto)')" }
        guard (1...65535).contains(inside) else { return "port mapping on '\(network)': container port \(inside) must be 1 to 65535" }
        guard ports.contains(RangeSet([UInt64(host)...UInt64(host)])) else {
            return "port mapping \(host) → \(inside) on '\(network)': host port \(host) is not among the task's port resources"
        }
        guard used.insert("\(host)/\(proto)").inserted else { return "port mapping: host port \(host)/\(proto) is mapped twice" }
    }
    return nil
}

private func imageProblem(_ image: Image) -> String? {
    switch image.type {
    case .appc?:
        return "Image type APPC is not supported: Agora runs Docker and OCI images (type DOCKER)"
    case .docker?:
        guard let docker = image.docker, !(docker.name ?? "").isEmpty else { return "Image.docker.name must be set" }
        if docker.config != nil { return "Image.docker.config (registry credentials as a secret) is not implemented" }
        return nil
    case nil:
        return "Image.type must be set (DOCKER)"
    }
}

private func hostnameProblem(_ hostname: String?) -> String? {
    guard let hostname else { return nil }
    let valid = !hostname.isEmpty && hostname.utf8.count <= 63
        && hostname.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }
    return valid ? nil : "ContainerInfo.hostname '\(hostname)' is not a valid host name"
}

private func linuxProblem(_ linux: LinuxInfo) -> String? {
    if linux.sharePidNamespace == true { return "LinuxInfo.share_pid_namespace is not supported: each container has its own PID namespace" }
    for set in [linux.capabilityInfo, linux.boundingCapabilities, linux.effectiveCapabilities].compactMap({ $0 })
    where set.capabilities.contains(.unknown) {
        return "LinuxInfo capabilities must not contain UNKNOWN"
    }
    return nil
}

private func volumeProblem(_ volume: Volume) -> String? {
    guard let target = volume.containerPath, !target.isEmpty else { return "Volume.container_path must be set" }
    if target.split(separator: "/").contains("..") { return "Volume.container_path '\(target)' must not contain '..'" }
    if volume.image != nil { return "Volume.image (image volumes) is not implemented" }
    if let source = volume.source {
        if volume.hostPath != nil { return "Volume '\(target)' has both 'host_path' and 'source'" }
        switch source.type {
        case .hostPath?:
            guard let path = source.hostPath?.path, path.hasPrefix("/") else {
                return "Volume '\(target)': source.host_path.path must be an absolute path"
            }
        case .sandboxPath?:
            guard let sandbox = source.sandboxPath, let path = sandbox.path, !path.isEmpty else {
                return "Volume '\(target)': source.sandbox_path.path must be set"
            }
            if sandbox.type == .parent { return "Volume '\(target)': SANDBOX_PATH of type PARENT needs nested containers, which are not implemented" }
            if path.hasPrefix("/") || path.split(separator: "/").contains("..") {
                return "Volume '\(target)': sandbox path '\(path)' must be relative and stay in the sandbox"
            }
        case let other:
            return "Volume '\(target)': source type \(other?.rawValue ?? "(none)") is not supported (HOST_PATH and SANDBOX_PATH are)"
        }
        return nil
    }
    guard let host = volume.hostPath, !host.isEmpty else { return "Volume '\(target)' needs a 'host_path' or a 'source'" }
    if !host.hasPrefix("/") && host.split(separator: "/").contains("..") {
        return "Volume '\(target)': relative host_path '\(host)' must stay in the sandbox"
    }
    return nil
}
