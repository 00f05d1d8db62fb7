import AgoraRuntime
import Foundation

/// Why HAProxy could not take a configuration.
public struct HAProxyError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// HAProxy in master-worker mode, run by agora-lb: a configuration is checked (`haproxy -c`) before it replaces the
/// running one, and a reload is the master's SIGUSR2: new workers take the listening sockets, old ones finish the
/// connections they have, so no connection is refused or cut.
public final class HAProxyProcess {
    private let loop: Loop
    private let executable: String
    private let directory: String
    private var master: ChildProcess?
    private var stopped = false
    /// Called when the master exits (agora-lb stops then: it cannot balance without it).
    public var onExit: ((ProcessExit) -> Void)?

    public init(loop: Loop, executable: String, directory: String) {
        self.loop = loop
        self.executable = executable
        self.directory = directory
    }

    var configPath: String { directory + "/haproxy.cfg" }
    public var statsSocket: String { directory + "/haproxy.sock" }

    /// Checks `text` with `haproxy -c`, then writes it and starts HAProxy or reloads it; `done` gets the error, if any,
    /// once the new configuration is in place (the master was signalled or started).
    public func apply(_ text: String, _ done: @escaping (HAProxyError?) -> Void) {
        let candidate = directory + "/haproxy.cfg.new"
        do {
            try Files.writeAtomically(candidate, Array(text.utf8))
        } catch {
            return done(HAProxyError(message: "cannot write \(candidate): \(error)"))
        }
        let output = directory + "/check.out"
        let spec = ProcessSpec(command: .argv([executable, "-c", "-f", candidate]), stdoutPath: output, stderrPath: output)
        try? FileManager.default.removeItem(atPath: output)
        do {
            _ = try ChildProcess.spawn(loop: loop, spec) { [weak self] exit in
                guard let self, !self.stopped else { return done(HAProxyError(message: "agora-lb is stopping")) }
                guard exit.succeeded else {
                    let reason = ((try? Files.readText(output)) ?? "").split(separator: "\n").filter { $0.contains("ALERT") }
                        .prefix(3).joined(separator: "; ")
                    return done(HAProxyError(message: "HAProxy refused the configuration (\(exit)): \(reason)"))
                }
                do {
                    try FileManager.default.moveItem(atPath: candidate, toPath: self.configPath + ".tmp")
                    _ = rename(self.configPath + ".tmp", self.configPath)
                    try self.startOrReload()
                    done(nil)
                } catch {
                    done(HAProxyError(message: "cannot start HAProxy: \(error)"))
                }
            }
        } catch {
            done(HAProxyError(message: "cannot run \(executable): \(error)"))
        }
    }

    private func startOrReload() throws {
        if let master, master.exitStatus == nil {
            try master.kill(.userDefined2)
            return
        }
        let log = directory + "/haproxy.log"
        // -W: master-worker; -db: stay in the foreground (the master is agora-lb's child).
        let spec = ProcessSpec(command: .argv([executable, "-W", "-db", "-f", configPath]), stdoutPath: log, stderrPath: log)
        master = try ChildProcess.spawn(loop: loop, spec) { [weak self] exit in self?.onExit?(exit) }
    }

    /// Stops HAProxy (SIGTERM to the master and its workers' group).
    public func stop() {
        stopped = true
        try? master?.killGroup(.terminate)
    }
}
