import AgoraRuntime
import AgoraWire
import Foundation

/// Linux isolation for tasks, where the host allows it: cgroups for a memory limit (with OOM
/// detection), CPU shares and quota, and a process limit (cgroup v2 or the v1 hierarchies); and,
/// when this host lets a child start in them, PID and mount namespaces with its own /proc.
///
/// A task joins its cgroup as it starts, before it execs (`ProcessSpec.cgroupProcs`), so
/// everything it starts is inside from the first instruction.
public final class CgroupIsolator {
    enum Mode: String {
        case v1, v2
    }

    let mode: Mode
    /// Whether tasks also get their own PID and mount namespaces.
    public let namespaces: Bool
    private let root: String
    /// This agent's group under `agora/` (its pid): task cgroups made by an agent before a restart stay in theirs.
    let instance: String
    private let group: String

    /// Nil when cgroups are missing or not writable here (tasks then run without limits).
    public init?(root: String = "/sys/fs/cgroup", instance: String) {
        self.root = root
        self.instance = instance
        group = "agora/\(instance)"
        let fileManager = FileManager.default
        if let controllers = try? Files.readText(root + "/cgroup.controllers"), controllers.contains("memory") {
            mode = .v2
            guard (try? fileManager.createDirectory(atPath: "\(root)/\(group)", withIntermediateDirectories: true)) != nil else {
                return nil
            }
            // Children of our group may use these controllers.
            try? "+memory +cpu +pids".write(toFile: "\(root)/agora/cgroup.subtree_control", atomically: false, encoding: .utf8)
            try? "+memory +cpu +pids".write(toFile: "\(root)/\(group)/cgroup.subtree_control", atomically: false, encoding: .utf8)
        } else if fileManager.fileExists(atPath: root + "/memory/cgroup.procs") {
            mode = .v1
            for controller in ["memory", "cpu", "pids"] {
                guard (try? fileManager.createDirectory(atPath: "\(root)/\(controller)/\(group)", withIntermediateDirectories: true)) != nil
                else { return nil }
            }
        } else {
            return nil
        }
        hierarchies = mode == .v1 ? CgroupIsolator.mountedHierarchies(under: root) : []
        namespaces = CgroupIsolator.namespacesWork()
        removeStaleGroups()
    }

    /// The directories of this agent's own group, one per controller hierarchy (in v1, every mounted hierarchy: an
    /// OCI runtime joining a container to the task's cgroup creates it in all of them).
    private var ownDirectories: [String] {
        mode == .v2 ? ["\(root)/\(group)"] : hierarchies.map { "\(root)/\($0)/\(group)" }
    }

    /// The v1 hierarchies mounted under the root (each directory holding a `cgroup.procs`): looked for once, as every
    /// task's cgroups are killed and removed in each of them.
    private let hierarchies: [String]

    private static func mountedHierarchies(under root: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).sorted()
            .filter { FileManager.default.fileExists(atPath: "\(root)/\($0)/cgroup.procs") }
    }

    /// The task's cgroup relative to each hierarchy's root, as an OCI runtime's `cgroupsPath`.
    func cgroupsPath(task: String) -> String { "/\(group)/\(PathComponent.safe(task))" }

    /// Groups of agents that are gone (named by a pid no longer alive): their empty task cgroups and the group go.
    /// A cgroup that still holds a process (a task an agent restarted on its work directory re-attached) stays.
    private func removeStaleGroups() {
        for own in ownDirectories {
            let parent = (own as NSString).deletingLastPathComponent
            for name in (try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? []
            where Int32(name) != nil && !FileManager.default.fileExists(atPath: "/proc/\(name)") {
                CgroupIsolator.removeEmpty(parent + "/" + name)
            }
        }
    }

    /// Removes the empty child cgroups of `directory`, then `directory` if it is empty too.
    private static func removeEmpty(_ directory: String) {
        for child in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: directory + "/" + child, isDirectory: &isDirectory), isDirectory.boolValue {
                rmdir(directory + "/" + child)
            }
        }
        rmdir(directory)
    }

    /// Starts `/bin/true` once in fresh PID and mount namespaces: tasks get them only if that succeeds here.
    private static func namespacesWork() -> Bool {
        guard let loop = try? Loop() else { return false }
        defer { try? loop.close() }
        var spec = ProcessSpec(command: .argv(["/bin/true"]), environment: [:])
        spec.pidNamespace = true
        var exit: ProcessExit?
        guard (try? ChildProcess.spawn(loop: loop, spec, onExit: { exit = $0 })) != nil else { return false }
        loop.run(until: { exit != nil && loop.openHandles == 0 }, timeout: .seconds(5))
        return exit?.succeeded == true
    }

    /// How the agent describes this isolation in `/state`.
    var description: String { "cgroups-\(mode.rawValue)" + (namespaces ? "+namespaces" : "") }

    /// Creates the task's cgroup with its limits; returns the `cgroup.procs` files the task joins. A limit that
    /// cannot be set fails the launch (a task never runs unlimited by accident); only swap limits, which hosts
    /// without swap accounting lack, may be missing.
    public func prepare(task: String, memoryMB: Double, cpus: Double) throws -> [String] {
        let name = PathComponent.safe(task)
        let memoryBytes = max(Bounds.clampedInt64(memoryMB * 1_048_576), 4 * 1_048_576)
        let quota = max(Bounds.clampedInt64(cpus * 100_000), 1000)
        switch mode {
        case .v2:
            let directory = "\(root)/\(group)/\(name)"
            try Files.makeDirectories(directory)
            try write("\(memoryBytes)", to: directory + "/memory.max")
            try write("0", to: directory + "/memory.swap.max", optional: true)
            try write("\(quota) 100000", to: directory + "/cpu.max")
            try write("\(max(1, min(10_000, Bounds.clampedInt(cpus * 100))))", to: directory + "/cpu.weight")
            try write("4096", to: directory + "/pids.max")
            return [directory + "/cgroup.procs"]
        case .v1:
            var procs: [String] = []
            for controller in Self.v1Controllers {
                let directory = "\(root)/\(controller)/\(group)/\(name)"
                try Files.makeDirectories(directory)
                procs.append(directory + "/cgroup.procs")
            }
            let memory = "\(root)/memory/\(group)/\(name)"
            try write("\(memoryBytes)", to: memory + "/memory.limit_in_bytes")
            try write("\(memoryBytes)", to: memory + "/memory.memsw.limit_in_bytes", optional: true)
            let cpu = "\(root)/cpu/\(group)/\(name)"
            try write("\(max(2, min(262_144, Bounds.clampedInt(cpus * 1024))))", to: cpu + "/cpu.shares")
            try write("100000", to: cpu + "/cpu.cfs_period_us")
            try write("\(quota)", to: cpu + "/cpu.cfs_quota_us")
            try write("4096", to: "\(root)/pids/\(group)/\(name)/pids.max")
            return procs
        }
    }

    /// Whether the kernel killed something in the task's cgroup for exceeding its memory.
    func wasOOMKilled(task: String, instance: String? = nil) -> Bool {
        let name = PathComponent.safe(task)
        let group = "agora/\(instance ?? self.instance)"
        let file = mode == .v2 ? "\(root)/\(group)/\(name)/memory.events" : "\(root)/memory/\(group)/\(name)/memory.oom_control"
        guard let text = try? Files.readText(file) else { return false }
        for line in text.split(separator: "\n") where line.hasPrefix("oom_kill ") {
            return (Int(line.split(separator: " ").last ?? "0") ?? 0) > 0
        }
        return false
    }

    /// SIGKILL to every process in the task's cgroup: whatever it started, known to the agent or not. A task run by
    /// an OCI runtime (`byRuntime`) may have cgroups in every hierarchy; a command only in those `prepare` made.
    func killAll(task: String, instance: String? = nil, byRuntime: Bool) {
        for directory in directories(of: task, instance: instance, byRuntime: byRuntime) {
            guard let text = try? Files.readText(directory + "/cgroup.procs") else { continue }
            for pid in text.split(separator: "\n").compactMap({ Int32($0) }) where pid > 1 { Glibc.kill(pid, SIGKILL) }
        }
    }

    /// Removes the task's cgroup (see `killAll` for `byRuntime`); false while a process (one just killed, still
    /// exiting) keeps it busy.
    @discardableResult
    public func release(task: String, instance: String? = nil, byRuntime: Bool) -> Bool {
        directories(of: task, instance: instance, byRuntime: byRuntime).allSatisfy { rmdir($0) == 0 || errno == ENOENT }
    }

    /// When the agent stops: removes every task cgroup of its group (their processes were just sent SIGKILL) and the
    /// group, waiting up to two seconds in all (100 waits of 20 ms) for killed processes to leave; with `keepBusy`
    /// (tasks left running for the next agent) only the empty ones go, without waiting.
    public func close(keepBusy: Bool) {
        var waits = keepBusy ? 0 : 100
        for own in ownDirectories {
            let children = ((try? FileManager.default.contentsOfDirectory(atPath: own)) ?? []).filter { child in
                var isDirectory: ObjCBool = false
                return FileManager.default.fileExists(atPath: own + "/" + child, isDirectory: &isDirectory) && isDirectory.boolValue
            }
            for directory in children.map({ own + "/" + $0 }) + [own] {
                while rmdir(directory) != 0, errno == EBUSY, waits > 0 {
                    waits -= 1
                    usleep(20_000)
                }
            }
            // The shared `agora` group goes with the last agent using it (another agent's group keeps it).
            rmdir((own as NSString).deletingLastPathComponent)
        }
    }

    private func directories(of task: String, instance: String?, byRuntime: Bool) -> [String] {
        let name = PathComponent.safe(task)
        let group = "agora/\(instance ?? self.instance)"
        guard mode == .v1 else { return ["\(root)/\(group)/\(name)"] }
        return (byRuntime ? hierarchies : Self.v1Controllers).map { "\(root)/\($0)/\(group)/\(name)" }
    }

    /// The v1 hierarchies `prepare` makes a task's cgroups in.
    private static let v1Controllers = ["memory", "cpu", "pids"]

    /// Writes a control file; an `optional` one may be missing from this kernel's configuration.
    private func write(_ value: String, to path: String, optional: Bool = false) throws {
        guard !optional || FileManager.default.fileExists(atPath: path) else { return }
        do {
            try Files.writeControl(path, value)
        } catch {
            throw IsolationError(message: "cannot write \(value) to \(path): \(error)")
        }
    }

    /// The groups an OCI runtime joins: the task's, which keeps them (and the OOM record) when it removes the
    /// container's groups at exit, but not, where the hierarchies allow it (v1), the CPU one: the runtime's own start
    /// is not the task's work.
    func runtimeProcs(_ procs: [String]) -> [String] {
        mode == .v1 ? procs.filter { !$0.hasPrefix("\(root)/cpu/") } : procs
    }
}

/// How a task's first process is isolated as it starts: the cgroups it joins, and whether it is the init of its own
/// PID and mount namespaces.
struct Isolation {
    var cgroupProcs: [String] = []
    var pidNamespace = false
}

/// Why a task's cgroup could not be set up.
struct IsolationError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
