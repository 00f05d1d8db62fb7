import AgoraRuntime
import AgoraWire
import Foundation

/// Container tasks' OCI bundles (`<work>/containers/<id>`): the task's root filesystem (the image under a writable
/// layer kept in the sandbox, by overlayfs, or a copy where overlay cannot mount), the `config.json` the OCI runtime
/// (`runc`) runs, and the files it binds over `/etc/hosts`, `/etc/hostname` and `/etc/resolv.conf`. Agora keeps
/// owning the task's cgroups: the runtime joins the task's own.
struct ContainerBundles {
    let root: String
    /// `runc --root`: the runtime's state of this agent's containers.
    let stateRoot: String
    let runtime: String
    /// The name servers (and search domain) containers get in `/etc/resolv.conf` (`--container-dns`); none: the host's.
    let dnsServers: [String]
    let dnsSearch: String?

    /// Where the sandbox appears inside every container (`MESOS_SANDBOX`).
    static let sandboxMount = "/mnt/mesos/sandbox"

    /// Docker's default capabilities; `privileged` gets them all.
    static let defaultCapabilities: [CapabilityInfo.Capability] = [
        .chown, .dacOverride, .fsetid, .fowner, .mknod, .netRaw, .setgid, .setuid, .setfcap, .setpcap,
        .netBindService, .sysChroot, .kill, .auditWrite,
    ]

    /// The capabilities the agent itself may grant (its bounding set): `privileged` gets these, and a task asking for
    /// one outside them fails clearly. Mesos numbers capabilities as Linux does, from 1000.
    static let agentCapabilities: Set<CapabilityInfo.Capability> = {
        let status = (try? Files.readText("/proc/self/status")) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("CapBnd:") }
        let mask = line.flatMap { UInt64($0.dropFirst("CapBnd:".count).trimmingCharacters(in: .whitespaces), radix: 16) } ?? 0
        let known = CapabilityInfo.Capability.allCases.filter { $0 != .unknown }
        return Set(known.enumerated().filter { mask & (1 << UInt64($0.offset)) != 0 }.map(\.element))
    }()

    init(workDirectory: String, runtime: String, dnsServers: [String] = [], dnsSearch: String? = nil) {
        root = workDirectory + "/containers"
        stateRoot = workDirectory + "/runc"
        self.runtime = runtime
        self.dnsServers = dnsServers
        self.dnsSearch = dnsSearch
    }

    /// A runtime id for the task's container: its cgroup name, in the characters runc accepts.
    static func id(for name: String) -> String {
        "agora-" + String(name.unicodeScalars.map { scalar -> Character in
            scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || "-_.".unicodeScalars.contains(scalar)) ? Character(scalar) : "_"
        })
    }

    /// What one container needs besides its image.
    struct Request {
        var name: String
        var sandbox: String
        var container: ContainerInfo
        var command: CommandInfo?
        var environment: [String: String]
        var hostname: String
        /// The task's cgroup, relative to the hierarchy roots, which the runtime joins.
        var cgroupsPath: String?
        /// The task's own network namespace (nil: the host's network) and its addresses there.
        var networkNamespace: String?
        var addresses: [String]
    }

    /// Builds the bundle and returns the command that runs the container in the foreground (its exit status is the
    /// container's; signals are passed on to it).
    func prepare(_ request: Request, image: StoredImage) throws(ContainerError) -> ProcessSpec.Command {
        let id = Self.id(for: request.name)
        let bundle = root + "/" + id
        let files = FileManager.default
        release(request.name)
        do {
            try files.createDirectory(atPath: bundle + "/rootfs", withIntermediateDirectories: true)
            try files.createDirectory(atPath: stateRoot, withIntermediateDirectories: true)
        } catch {
            throw ContainerError("cannot create the bundle \(bundle): \(error.localizedDescription)")
        }
        try mountRootfs(image: image.rootfs, at: bundle + "/rootfs", scratch: request.sandbox + "/.container")
        let argv = try ContainerCommand.arguments(image: image.config, command: request.command)
        let user = try ContainerCommand.user(image: image.config, named: request.command?.user, rootfs: bundle + "/rootfs")
        let taskSetPath = request.command?.environment?.variables.contains { $0.name == "PATH" } ?? false
        var environment = request.environment
        for name in ["MESOS_SANDBOX", "AGORA_SANDBOX"] { environment[name] = Self.sandboxMount }
        let hostname = request.container.hostname ?? request.hostname
        try writeEtc(bundle: bundle, hostname: hostname, addresses: request.addresses)
        let config: [String: Any] = [
            "ociVersion": "1.0.2",
            "process": try process(argv: argv, user: user, image: image.config, environment: ContainerCommand.environment(
                image: image.config, task: environment, taskSetPath: taskSetPath), container: request.container),
            "root": ["path": "rootfs", "readonly": false],
            "hostname": hostname,
            "mounts": try mounts(request, bundle: bundle),
            "linux": linux(request),
        ]
        do {
            let data = try JSONSerialization.data(withJSONObject: config, options: [.sortedKeys])
            try Files.writeAtomically(bundle + "/config.json", Array(data))
        } catch {
            throw ContainerError("cannot write \(bundle)/config.json: \(error)")
        }
        return .argv([runtime, "--root", stateRoot, "--log", bundle + "/runtime.log", "run", "--bundle", bundle, id])
    }

    private func mountRootfs(image: String, at target: String, scratch: String) throws(ContainerError) {
        let upper = scratch + "/upper", work = scratch + "/work"
        do {
            try FileManager.default.createDirectory(atPath: upper, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        } catch {
            throw ContainerError("cannot create the container's writable layer in \(scratch): \(error.localizedDescription)")
        }
        do {
            try Mounts.overlay(lower: image, upper: upper, work: work, at: target)
        } catch {
            // Where overlay cannot mount (an upper directory on overlayfs, an old kernel): a private copy.
            let copy = Process()
            copy.executableURL = URL(fileURLWithPath: "/bin/cp")
            copy.arguments = ["-a", image + "/.", target + "/"]
            do {
                try copy.run()
                copy.waitUntilExit()
            } catch {
                throw ContainerError("cannot mount the root filesystem (\(error)) nor copy it")
            }
            guard copy.terminationStatus == 0 else { throw ContainerError("cannot mount the root filesystem nor copy it (cp exited with \(copy.terminationStatus))") }
        }
    }

    /// `/etc/hosts` names the container by its own addresses when it has a network of its own.
    private func writeEtc(bundle: String, hostname: String, addresses: [String]) throws(ContainerError) {
        let own = (addresses.isEmpty ? ["127.0.1.1"] : addresses).map { "\($0)\t\(hostname)\n" }.joined()
        let hosts = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n" + own
        let resolv = dnsServers.isEmpty ? (try? Files.readText("/etc/resolv.conf")) ?? "nameserver 127.0.0.1\n"
            : (dnsSearch.map { "search \($0)\n" } ?? "") + dnsServers.map { "nameserver \($0)\n" }.joined()
        do {
            try Files.writeAtomically(bundle + "/hosts", Array(hosts.utf8))
            try Files.writeAtomically(bundle + "/hostname", Array((hostname + "\n").utf8))
            try Files.writeAtomically(bundle + "/resolv.conf", Array(resolv.utf8))
        } catch {
            throw ContainerError("cannot write the container's /etc files: \(error)")
        }
    }

    private func process(argv: [String], user: (uid: UInt32, gid: UInt32), image: ImageConfig, environment: [String],
                         container: ContainerInfo) throws(ContainerError) -> [String: Any] {
        let privileged = container.docker?.privileged ?? false
        let linux = container.linuxInfo
        let effective = privileged ? CapabilityInfo.Capability.allCases.filter(Self.agentCapabilities.contains)
            : (linux?.effectiveCapabilities ?? linux?.capabilityInfo)?.capabilities ?? Self.defaultCapabilities
        let bounding = privileged ? effective : linux?.boundingCapabilities?.capabilities ?? effective
        let missing = Set(effective + bounding).subtracting(Self.agentCapabilities)
        guard missing.isEmpty else {
            throw ContainerError("the agent cannot grant capabilities it does not hold: \(missing.map(\.rawValue).sorted().joined(separator: ", "))")
        }
        let names = { (set: [CapabilityInfo.Capability]) in set.map { "CAP_" + $0.rawValue } }
        return [
            "terminal": false,
            "user": ["uid": user.uid, "gid": user.gid],
            "args": argv,
            "env": environment,
            "cwd": image.workingDir ?? Self.sandboxMount,
            "capabilities": ["bounding": names(bounding), "effective": names(effective), "permitted": names(effective)],
            "noNewPrivileges": false,
        ]
    }

    private func mounts(_ request: Request, bundle: String) throws(ContainerError) -> [[String: Any]] {
        let privileged = request.container.docker?.privileged ?? false
        var mounts: [[String: Any]] = [
            ["destination": "/proc", "type": "proc", "source": "proc"],
            ["destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]],
            ["destination": "/dev/pts", "type": "devpts", "source": "devpts",
             "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]],
            ["destination": "/dev/shm", "type": "tmpfs", "source": "shm", "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]],
            ["destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": ["nosuid", "noexec", "nodev"]],
            // sysfs is the host's, bound read-only (a container with a network of its own still sees the host's devices).
            ["destination": "/sys", "type": "none", "source": "/sys", "options": ["rbind", "nosuid", "noexec", "nodev", privileged ? "rw" : "ro"]],
            bind(request.sandbox, at: Self.sandboxMount, readOnly: false),
        ]
        for name in ["hosts", "hostname", "resolv.conf"] { mounts.append(bind(bundle + "/" + name, at: "/etc/" + name, readOnly: false)) }
        for volume in request.container.volumes { mounts.append(try self.volume(volume, sandbox: request.sandbox)) }
        return mounts
    }

    private func bind(_ source: String, at destination: String, readOnly: Bool) -> [String: Any] {
        ["destination": destination, "type": "none", "source": source, "options": ["rbind", "rprivate", readOnly ? "ro" : "rw"]]
    }

    /// A volume's mount: a host path that must exist, or a sandbox path (created when missing) that must resolve
    /// inside the sandbox; a relative container path is inside the sandbox mount.
    private func volume(_ volume: Volume, sandbox: String) throws(ContainerError) -> [String: Any] {
        let target = volume.containerPath ?? ""
        let destination = target.hasPrefix("/") ? target : Self.sandboxMount + "/" + target
        let readOnly = volume.mode == .ro
        let hostPath = volume.source?.hostPath?.path ?? volume.hostPath ?? ""
        if volume.source?.type == .sandboxPath || (!hostPath.isEmpty && !hostPath.hasPrefix("/")) {
            let relative = volume.source?.sandboxPath?.path ?? hostPath
            let source = sandbox + "/" + relative
            try? FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true)
            let resolved = URL(fileURLWithPath: source).resolvingSymlinksInPath().path
            let sandboxResolved = URL(fileURLWithPath: sandbox).resolvingSymlinksInPath().path
            guard resolved == sandboxResolved || resolved.hasPrefix(sandboxResolved + "/") else {
                throw ContainerError("volume '\(target)': sandbox path '\(relative)' leads outside the sandbox")
            }
            return bind(resolved, at: destination, readOnly: readOnly)
        }
        guard FileManager.default.fileExists(atPath: hostPath) else {
            throw ContainerError("volume '\(target)': host path '\(hostPath)' does not exist on this agent")
        }
        return bind(hostPath, at: destination, readOnly: readOnly)
    }

    private func linux(_ request: Request) -> [String: Any] {
        let privileged = request.container.docker?.privileged ?? false
        var namespaces: [[String: String]] = [["type": "pid"], ["type": "ipc"], ["type": "uts"], ["type": "mount"]]
        if let path = request.networkNamespace { namespaces.append(["type": "network", "path": path]) }
        var linux: [String: Any] = [
            "namespaces": namespaces,
            "resources": ["devices": [["allow": privileged, "access": "rwm"]]],
        ]
        if let path = request.cgroupsPath { linux["cgroupsPath"] = path }
        if !privileged {
            linux["maskedPaths"] = ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                                    "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
                                    "/proc/scsi"]
            linux["readonlyPaths"] = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
        }
        return linux
    }

    /// A command run inside the task's running container (`runc exec`), for its COMMAND health check: in the
    /// container's namespaces, cgroups, user and environment, as Mesos and Marathon run such checks.
    func exec(_ check: CommandInfo, in name: String) -> CommandInfo {
        let line = check.value ?? ""
        let inside = check.isShell ? ["/bin/sh", "-c", line] : [line] + check.arguments.dropFirst()
        let argv = [runtime, "--root", stateRoot, "exec", Self.id(for: name)] + inside
        return CommandInfo(environment: check.environment, shell: false, value: runtime, arguments: argv)
    }

    /// Unmounts and removes the container's bundle and the runtime's state of it (its processes are gone).
    func release(_ name: String) { remove(id: Self.id(for: name)) }

    private func remove(id: String) {
        for point in Mounts.mountPoints(under: root + "/" + id) { try? Mounts.unmount(point) }
        try? FileManager.default.removeItem(atPath: root + "/" + id)
        try? FileManager.default.removeItem(atPath: stateRoot + "/" + id)
    }

    /// When the agent starts: the bundles of containers no recovered task owns are released.
    func releaseAll(except names: Set<String>) {
        let keep = Set(names.map(Self.id(for:)))
        let found = Set(((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
            + ((try? FileManager.default.contentsOfDirectory(atPath: stateRoot)) ?? []))
        for id in found.subtracting(keep) { remove(id: id) }
    }
}
