import AgoraWire

/// Why a task's container cannot run, or nil when it can. Agora runs Docker/OCI images for both types; what it does
/// not implement (APPC images, registry secrets, container networks, Docker parameters, rlimits, terminals, a shared
/// PID namespace) is refused by name.
func containerProblem(_ container: ContainerInfo) -> String? {
    guard let type = container.type else { return "ContainerInfo.type must be set (MESOS or DOCKER)" }
    switch type {
    case .docker:
        guard let docker = container.docker, !(docker.image ?? "").isEmpty else {
            return "ContainerInfo.docker.image must be set for a DOCKER container"
        }
        if container.mesos != nil { return "ContainerInfo.mesos is for MESOS containers, not DOCKER" }
        if let network = docker.network, network != .host {
            return "ContainerInfo.docker.network \(network.rawValue) is not implemented yet: Agora's containers share the host's network (HOST)"
        }
        if !docker.portMappings.isEmpty {
            return "ContainerInfo.docker.port_mappings need container networks, which are not implemented yet; the task uses its offered ports on the host's network"
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
    if !container.networkInfos.isEmpty {
        return "ContainerInfo.network_infos ('\(container.networkInfos[0].name ?? "")') is not implemented yet: containers share the host's network"
    }
    if container.rlimitInfo != nil { return "ContainerInfo.rlimit_info is not implemented" }
    if container.ttyInfo != nil { return "ContainerInfo.tty_info is not implemented: tasks have no terminal" }
    if let linux = container.linuxInfo, let problem = linuxProblem(linux) { return problem }
    for volume in container.volumes {
        if let problem = volumeProblem(volume) { return problem }
    }
    if container.imageName == nil && (!container.volumes.isEmpty || container.linuxInfo != nil || container.hostname != nil) {
        return "ContainerInfo.volumes, linux_info and hostname need an image ('mesos.image'): a task without one runs on the host"
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
