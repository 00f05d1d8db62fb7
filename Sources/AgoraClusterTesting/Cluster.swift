import AgoraHTTP
import AgoraRuntime
import AgoraRuntimeTesting
import AgoraWire
import Foundation

/// Why an integration step did not happen in time.
public struct IntegrationError: Error, CustomStringConvertible {
    public let description: String
}

/// A daemon binary started for a test: its process, its address, its output files.
public final class Daemon {
    public let name: String
    /// The executable's name and the arguments it was started with (for restarts).
    public let binary: String
    public let arguments: [String]
    public let process: ChildProcess
    public let stdoutPath: String
    public let stderrPath: String
    public var address: SocketAddress?
    public var exit: ProcessExit?

    public init(name: String, binary: String, arguments: [String], process: ChildProcess, stdoutPath: String,
                stderrPath: String) {
        self.name = name
        self.binary = binary
        self.arguments = arguments
        self.process = process
        self.stdoutPath = stdoutPath
        self.stderrPath = stderrPath
    }

    public var logs: String { readText(stderrPath) ?? "" }

    /// The `--work-dir` it was started with.
    public var workDirectory: String { arguments.drop { $0 != "--work-dir" }.dropFirst().first ?? "" }
}

/// A real master and agents on loopback ports chosen at run time, all stopped and cleaned up at the end.
public final class Cluster {
    public let loop: Loop
    public let directory: String
    public private(set) var daemons: [Daemon] = []
    private var orphanGroups: [Int32] = []
    public var master: Daemon!

    private let masterFlags: [String]
    /// Watched once `stopOnTerminationSignals` was called.
    private var interruptions: Interruptions?

    /// Starts a master with test-friendly timings. An agent is unreachable after 5 s without answering a ping: long
    /// enough that a loaded machine (the sanitized suite runs next to container tests) does not partition it, short
    /// enough for a test of a lost agent; a test that needs faster detection passes its own ping flags.
    public init(loop: Loop, directory: String, masterFlags: [String] = []) throws {
        self.loop = loop
        self.directory = directory
        self.masterFlags = [
            "--work-dir", directory + "/master", "--allocation-interval", "0.2secs",
            "--agent-ping-timeout", "1secs", "--max-agent-ping-timeouts", "5", "--heartbeat-interval", "1secs",
        ] + masterFlags
        master = try start("agora-master", ["--port", "0"] + self.masterFlags)
    }

    /// Kills the master with SIGKILL and starts it again on the same port with the same work directory.
    public func restartMaster() throws {
        master = try restart(master)
    }

    /// Kills `daemon` with SIGKILL and starts it again with the same flags, port and work directory.
    @discardableResult
    public func restart(_ daemon: Daemon) throws -> Daemon {
        let port = daemon.address!.port
        try daemon.process.kill(.kill)
        try wait("\(daemon.name) to die") { daemon.exit != nil }
        var arguments = daemon.arguments
        if let index = arguments.firstIndex(of: "--port"), index + 1 < arguments.count { arguments[index + 1] = String(port) }
        return try start(daemon.binary, arguments)
    }

    /// Starts a daemon that has exited again on its port, with other arguments.
    public func startAgain(_ daemon: Daemon, arguments: [String]) throws -> Daemon {
        var arguments = arguments
        if let index = arguments.firstIndex(of: "--port"), index + 1 < arguments.count { arguments[index + 1] = String(daemon.address!.port) }
        return try start(daemon.binary, arguments)
    }

    public var masterAddress: SocketAddress { master.address! }

    /// Starts an agent offering `resources`.
    @discardableResult
    public func addAgent(_ resources: String, attributes: String = "", hostname: String? = nil,
                         flags: [String] = []) throws -> Daemon {
        let index = daemons.count
        return try start("agora-agent", [
            "--port", "0", "--master", masterAddress.description, "--work-dir", directory + "/agent\(index)",
            "--resources", resources, "--attributes", attributes, "--gc-delay", "1mins",
        ] + (hostname.map { ["--hostname", $0] } ?? [])
            // Tests leave nothing running unless they ask to see tasks outlive their agent.
            + (flags.contains("--recover") ? [] : ["--recover", "cleanup"]) + flags)
    }

    /// Starts the cron framework with its state in `workDirectory` (default: a fresh one).
    @discardableResult
    public func addCron(workDirectory: String? = nil) throws -> Daemon {
        try start("agora-cron", [
            "--port", "0", "--master", masterAddress.description,
            "--work-dir", workDirectory ?? directory + "/cron\(daemons.count)",
        ])
    }

    /// Starts the services framework with its state in `workDirectory` (default: a fresh one).
    @discardableResult
    public func addServices(workDirectory: String? = nil, flags: [String] = []) throws -> Daemon {
        try start("agora-services", [
            "--port", "0", "--master", masterAddress.description,
            "--work-dir", workDirectory ?? directory + "/services\(daemons.count)",
        ] + flags)
    }

    /// Starts agora-dns on this cluster's master (its HTTP endpoints at the daemon's address) and returns it with
    /// the address its DNS service answers on.
    public func addDNS(ip: String = "127.0.0.1", flags: [String] = []) throws -> (daemon: Daemon, dns: SocketAddress) {
        let daemon = try start("agora-dns", ["--ip", ip, "--port", "0", "--http-port", "0", "--master", masterAddress.description,
                                             "--resolvers", "none", "--refresh", "200ms"] + flags)
        var dns: SocketAddress?
        try wait("agora-dns to announce its DNS address") {
            let line = readText(daemon.stdoutPath)?.split(separator: "\n").dropFirst().first
            dns = line.flatMap { $0.hasPrefix("dns on ") ? SocketAddress(parsing: String($0.dropFirst("dns on ".count))) : nil }
            return dns != nil || daemon.exit != nil
        }
        guard let dns else { throw IntegrationError(description: "agora-dns did not announce its DNS address: \(daemon.logs)") }
        return (daemon, dns)
    }

    /// Starts agora-lb in front of the services framework at `services`, its service ports on 127.0.0.1.
    public func addLB(services: SocketAddress, flags: [String] = []) throws -> Daemon {
        try start("agora-lb", ["--port", "0", "--work-dir", directory + "/lb\(daemons.count)", "--services", services.description,
                               "--bind-ip", "127.0.0.1", "--resync", "1s"] + flags)
    }

    /// Starts a program that is not one of Agora's daemons (a registry), known to listen at `address`; it is stopped
    /// with the cluster.
    public func startProcess(_ name: String, _ argv: [String], address: SocketAddress) throws -> Daemon {
        let index = daemons.count
        let stdoutPath = "\(directory)/\(name)-\(index).out"
        let stderrPath = "\(directory)/\(name)-\(index).err"
        var daemon: Daemon?
        let process = try ChildProcess.spawn(loop: loop, ProcessSpec(command: .argv(argv), stdoutPath: stdoutPath,
                                                                     stderrPath: stderrPath, ownProcessGroup: true)) { daemon?.exit = $0 }
        daemon = Daemon(name: "\(name)-\(index)", binary: argv[0], arguments: Array(argv.dropFirst()), process: process,
                        stdoutPath: stdoutPath, stderrPath: stderrPath)
        daemon?.address = address
        daemons.append(daemon!)
        return daemon!
    }

    private func start(_ binary: String, _ arguments: [String]) throws -> Daemon {
        let index = daemons.count
        let stdoutPath = "\(directory)/\(binary)-\(index).out"
        let stderrPath = "\(directory)/\(binary)-\(index).err"
        let spec = ProcessSpec(command: .argv([Cluster.binary(binary)] + arguments), stdoutPath: stdoutPath,
                               stderrPath: stderrPath, ownProcessGroup: true)
        var daemon: Daemon?
        let process = try ChildProcess.spawn(loop: loop, spec) { exit in daemon?.exit = exit }
        daemon = Daemon(name: "\(binary)-\(index)", binary: binary, arguments: arguments, process: process,
                        stdoutPath: stdoutPath, stderrPath: stderrPath)
        daemons.append(daemon!)
        try wait("\(binary) to listen", timeout: .seconds(20)) {
            if let line = readText(stdoutPath)?.split(separator: "\n").first,
               line.hasPrefix("listening on http://"), let colon = line.lastIndex(of: ":"),
               let port = UInt16(line[line.index(after: colon)...]) {
                daemon?.address = SocketAddress(host: "127.0.0.1", port: port)
            }
            return daemon?.address != nil || daemon?.exit != nil
        }
        guard daemon?.address != nil else {
            throw IntegrationError(description: "\(binary) exited early: \(daemon?.logs ?? "")")
        }
        return daemon!
    }

    /// Path of a built executable next to the test bundle.
    public static func binary(_ name: String) -> String {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        return bundle.appendingPathComponent(name).path
    }

    /// For a program that owns its process (a benchmark): from now on SIGINT or SIGTERM makes every wait throw
    /// `Interrupted` (and `idle` return), so that the caller's cleanup (`shutdown`, its mounts and directories)
    /// runs instead of the daemons, which have process groups of their own, outliving it. `shutdown` gives the
    /// signals back their default. A test suite does not call it: there a signal ends the whole run at once.
    public func stopOnTerminationSignals() throws {
        interruptions = try Interruptions(loop: loop)
    }

    private var interrupted: Bool { interruptions?.happened == true }

    /// Runs the loop until `condition` holds; throws naming `what` after `timeout`.
    public func wait(_ what: String, timeout: Duration = .seconds(15), _ condition: () -> Bool) throws {
        let held = loop.run(until: { interrupted || condition() }, timeout: timeout)
        try interruptions?.check()
        guard held else { throw IntegrationError(description: "timed out after \(timeout) waiting for \(what)") }
    }

    /// Runs the loop for `duration`, whatever happens (but an interruption: see `stopOnTerminationSignals`).
    public func idle(_ duration: Duration) {
        let deadline = ContinuousClock.now + duration
        loop.run(until: { interrupted || ContinuousClock.now >= deadline }, timeout: duration + .seconds(1))
    }

    /// GETs `target` from `daemon` and returns the parsed JSON.
    public func getJSON(_ daemon: Daemon, _ target: String) throws -> JSONValue {
        let response = try get(daemon, target)
        return try JSONValue.parse(response.body)
    }

    public func get(_ daemon: Daemon, _ target: String, headers: HTTPHeaders = [:]) throws -> HTTPResponse {
        try send(daemon, .get, target, headers: headers)
    }

    /// Sends one request to `daemon` and waits for its answer.
    public func send(_ daemon: Daemon, _ method: HTTPMethod, _ target: String, body: String? = nil,
                     headers: HTTPHeaders = [:]) throws -> HTTPResponse {
        var result: Result<HTTPResponse, HTTPError>?
        var headers = headers
        if body != nil, headers["Content-Type"] == nil { headers["Content-Type"] = "application/json" }
        HTTPClient.send(loop: loop, to: daemon.address!,
                        HTTPRequest(method: method, target: target, headers: headers, body: Array((body ?? "").utf8))) { result = $0 }
        try wait("\(method) \(target) from \(daemon.name)") { result != nil }
        return try result!.get()
    }

    /// Runs a program to completion while the loop keeps serving; returns its exit and output.
    public func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                    timeout: Duration = .seconds(60)) throws -> (exit: ProcessExit, stdout: String, stderr: String) {
        runs += 1
        let out = "\(directory)/run-\(runs).out"
        let err = "\(directory)/run-\(runs).err"
        var env = ProcessInfo.processInfo.environment
        env["AGORA_MASTER"] = "http://\(masterAddress)"
        for (key, value) in environment { env[key] = value }
        var exit: ProcessExit?
        let process = try ChildProcess.spawn(loop: loop, ProcessSpec(
            command: .argv([executable] + arguments), environment: env, stdoutPath: out, stderrPath: err)) { exit = $0 }
        do {
            try wait("\(executable) to exit", timeout: timeout) { exit != nil }
        } catch {
            try? process.killGroup(.kill)
            loop.run(until: { exit != nil }, timeout: .seconds(5))
            if error is Interrupted { throw error }
            throw IntegrationError(description: "\(error); output: \(readText(out) ?? "") \(readText(err) ?? "")")
        }
        return (exit!, readText(out) ?? "", readText(err) ?? "")
    }

    private var runs = 0

    /// The pid an agent's `/state` shows for a live task.
    public func taskPID(_ task: String, on agent: Daemon) throws -> Int32? {
        let state = try getJSON(agent, "/state")
        guard case .array(let tasks)? = state["tasks"], case .number(let text)? = tasks.first(where: { $0["id"] == .string(task) })?["pid"] else {
            return nil
        }
        return Int32(text)
    }

    /// Remembers task process groups to kill at the end (tasks of an agent killed with SIGKILL outlive it).
    public func adoptTaskGroups(of agent: Daemon) throws {
        let state = try getJSON(agent, "/state")
        guard case .array(let tasks)? = state["tasks"] else { return }
        for task in tasks {
            for key in ["pid", "executor_pid"] {
                if case .number(let pid)? = task[key], let value = Int32(pid) { orphanGroups.append(value) }
            }
        }
    }

    /// SIGTERM to every daemon, SIGKILL to whatever is left, and to adopted task groups.
    public func shutdown() {
        for daemon in daemons where daemon.exit == nil { try? daemon.process.killGroup(.terminate) }
        loop.run(until: { self.daemons.allSatisfy { $0.exit != nil } }, timeout: .seconds(10))
        for daemon in daemons where daemon.exit == nil { try? daemon.process.killGroup(.kill) }
        loop.run(until: { self.daemons.allSatisfy { $0.exit != nil } }, timeout: .seconds(5))
        for group in orphanGroups { kill(-group, SIGKILL) }
        // An agent killed with SIGKILL cannot remove its cgroups; do it for it, with whatever still runs in them (the
        // tasks of an agent stopped with --recover=reconnect, or of a test that failed before it adopted them).
        // Container root filesystems an agent killed with SIGKILL left mounted.
        for point in Mounts.mountPoints(under: directory) { try? Mounts.unmount(point) }
        let hierarchies = ["" ] + ((try? FileManager.default.contentsOfDirectory(atPath: "/sys/fs/cgroup")) ?? [])
        for daemon in daemons where daemon.name.hasPrefix("agora-agent") {
            for base in hierarchies.map({ "/sys/fs/cgroup/\($0)/agora/\(daemon.process.pid)" }) {
                var isDirectory: ObjCBool = false
                let children = ((try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []).filter {
                    FileManager.default.fileExists(atPath: base + "/" + $0, isDirectory: &isDirectory) && isDirectory.boolValue
                }
                // Killed task processes take a moment to go; a cgroup can only be removed once empty (EBUSY till then).
                for child in children {
                    let procs = (try? Files.readText(base + "/" + child + "/cgroup.procs")) ?? ""
                    for pid in procs.split(separator: "\n").compactMap({ Int32($0) }) where pid > 1 { kill(pid, SIGKILL) }
                    var attempts = 0
                    while rmdir(base + "/" + child) != 0, errno == EBUSY, attempts < 40 {
                        attempts += 1
                        usleep(50_000)
                    }
                }
                rmdir(base)
                rmdir((base as NSString).deletingLastPathComponent)
            }
        }
        interruptions?.close()
        interruptions = nil
    }
}

/// Runs `body` with a fresh loop, scratch directory and cluster; always shuts the cluster down.
public func withCluster(masterFlags: [String] = [], _ body: (Cluster) throws -> Void) throws {
    let scratch = try ScratchDirectory()
    let loop = try Loop()
    let cluster = try Cluster(loop: loop, directory: scratch.path, masterFlags: masterFlags)
    defer {
        cluster.shutdown()
        loop.run(until: { loop.openHandles == 0 }, timeout: .seconds(5))
        try? loop.close()
    }
    do {
        try body(cluster)
    } catch {
        let logs = cluster.daemons.map { "--- \($0.name)\n\($0.logs.suffix(3000))" }.joined(separator: "\n")
        throw IntegrationError(description: "\(error)\n\(logs)")
    }
}

/// A file's text; nil when it cannot be read.
func readText(_ path: String) -> String? {
    try? Files.readText(path)
}
