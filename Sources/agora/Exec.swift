import AgoraResources
import AgoraRuntime
import AgoraScheduler
import AgoraWire
import ArgumentParser
import Foundation

extension AgoraCommand {
    /// `agora exec [--cpus --mem --disk --name --attach] -- COMMAND…`, like mesos-execute.
    struct Exec: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run one command as a task through its own short-lived framework.",
            discussion: "Prints the task's stdout and stderr and exits with its exit status (128+N when killed by signal N).")
        @OptionGroup var master: MasterOptions
        @Option(help: "CPUs for the task.") var cpus = 0.1
        @Option(help: "Memory for the task, in MB.") var mem = 32.0
        @Option(help: "Disk for the task, in MB.") var disk = 0.0
        @Option(help: "The task's name (and id prefix).") var name = "agora-exec"
        @Flag(help: "Stream the output while the task runs instead of printing it when it ends.") var attach = false
        @Option(help: "Run the command in a container of this image (busybox:1.36, registry:5000/app@sha256:…, oci-archive:/path.tar); without a command, the image's own.")
        var image: String?
        @Argument(parsing: .postTerminator, help: "The command and its arguments, after --.") var command: [String] = []

        func validate() throws {
            guard !command.isEmpty || image != nil else { throw ValidationError("give the command after --, e.g. agora exec -- echo hi") }
            guard cpus > 0 || mem > 0 else { throw ValidationError("--cpus or --mem must be positive") }
        }

        func run() throws {
            try reporting {
                let runner = ExecRunner(master: try master.address(), demand: ResourceDemand(cpus: cpus, mem: mem, disk: disk),
                                        name: name, command: command, image: image,
                                        attach: attach)
                let status = try runner.run()
                throw ExitCode(status)
            }
        }
    }
}

/// Drives one task from offer to end on a private loop, echoing its output.
final class ExecRunner: SchedulerDelegate {
    let master: SocketAddress
    let demand: ResourceDemand
    let name: String
    let command: [String]
    let image: String?
    let attach: Bool
    private var client: SchedulerClient?
    private var taskID: TaskID?
    private var agentAddress: SocketAddress?
    private var files: SandboxFiles?
    private var offsets: [String: Int64] = ["stdout": 0, "stderr": 0]
    private var final: TaskStatus?
    private var failure: String?
    private var interrupted = false

    init(master: SocketAddress, demand: ResourceDemand, name: String, command: [String], image: String? = nil, attach: Bool) {
        self.master = master
        self.demand = demand
        self.name = name
        self.command = command
        self.image = image
        self.attach = attach
    }

    /// Runs the task and returns the exit status the CLI should end with.
    func run() throws -> Int32 {
        let loop = try Loop()
        var configuration = SchedulerConfiguration(
            masters: [master], framework: FrameworkInfo(user: NSUserName(), name: "agora-exec \(name)", failoverTimeout: 0))
        configuration.maximumBackoff = .seconds(2)
        configuration.credential = operatorCredential
        let client = SchedulerClient(loop: loop, configuration: configuration, delegate: self)
        self.client = client
        client.start()
        let watchers = try loop.onTerminationSignal { [weak self] _ in self?.interrupt() }
        let poller = try LoopTimer(loop: loop)
        poller.start(after: .milliseconds(200), repeating: .milliseconds(200)) { [weak self] in self?.poll() }
        var connected = false
        let deadline = ContinuousClock.now + .seconds(10)
        loop.run(until: { [self] in
            connected = connected || client.isSubscribed
            if !connected && ContinuousClock.now > deadline {
                failure = "cannot subscribe to the master at http://\(master)"
            }
            return final != nil || failure != nil
        }, timeout: .seconds(365 * 86400))
        poll()
        if final != nil {
            do {
                try printRemaining()
            } catch {
                failure = "the task ended \(final!.state.rawValue) but its output could not be read: \(error)"
            }
            client.teardown()
            loop.run(until: { !client.isSubscribed }, timeout: .seconds(2))
            _ = final
        }
        client.stop()
        poller.close()
        for watcher in watchers { watcher.close() }
        loop.run(until: { loop.openHandles == 0 }, timeout: .seconds(2))
        try? loop.close()
        if let failure { throw CLIError.unavailable(failure) }
        return exitStatus(final!)
    }

    func offers(_ client: SchedulerClient, _ offers: [Offer]) {
        for offer in offers {
            guard taskID == nil, let room = Resources(offer.resources).fit(demand) else {
                client.decline([offer.id], refuseSeconds: 60)
                continue
            }
            let id = TaskID.unique(prefix: name)
            taskID = id
            if let address = offer.url?.address {
                agentAddress = SocketAddress(parsing: "\(address.ip ?? address.hostname ?? offer.hostname):\(address.port)")
            }
            var info = TaskInfo(name: name, taskID: id, agentID: offer.agentID,
                                resources: room.wire(allocationRole: offer.allocationInfo?.role),
                                command: CommandInfo(shell: false, value: command.first, arguments: command))
            if let image {
                info.container = ContainerInfo(type: .mesos, mesos: .init(image: Image(type: .docker, docker: .init(name: image))))
            }
            client.launch([info], on: [offer.id], refuseSeconds: 60)
        }
    }

    func update(_ client: SchedulerClient, _ status: TaskStatus) {
        guard status.taskID == taskID else { return }
        if status.state == .running, files == nil, let agentAddress, let taskID {
            files = try? SandboxFiles.locate(agent: agentAddress, task: taskID.value)
        }
        if status.state.isTerminal { final = status }
    }

    func error(_ client: SchedulerClient, message: String) {
        failure = "the master ended the framework: \(message)"
    }

    private func interrupt() {
        guard let taskID, final == nil, !interrupted else {
            failure = failure ?? "interrupted"
            return
        }
        interrupted = true
        client?.kill(taskID)
    }

    private func poll() {
        guard attach, let files else { return }
        for (file, handle) in [("stdout", FileHandle.standardOutput), ("stderr", FileHandle.standardError)] {
            guard let (bytes, next) = try? files.read(file, from: offsets[file] ?? 0), !bytes.isEmpty else { continue }
            handle.write(Data(bytes))
            offsets[file] = next
        }
    }

    /// Prints what the task wrote since the last poll; an agent that cannot be reached or read is an error.
    private func printRemaining() throws {
        if files == nil, let agentAddress, let taskID {
            files = try SandboxFiles.locate(agent: agentAddress, task: taskID.value)
        }
        guard let files else { throw CLIError.unavailable("no agent address for the task") }
        // A task that never ran (its image could not be prepared) may have no output files.
        let ran = final?.exitCode != nil || final?.terminatingSignal != nil || final?.state == .finished
        for (file, handle) in [("stdout", FileHandle.standardOutput), ("stderr", FileHandle.standardError)] {
            let bytes: [UInt8], next: Int64
            do {
                (bytes, next) = try files.read(file, from: offsets[file] ?? 0)
            } catch where !ran {
                continue
            }
            handle.write(Data(bytes))
            offsets[file] = next
        }
    }

    /// 0 when finished; the command's status when it failed; 128+N after signal N; 1 otherwise.
    private func exitStatus(_ status: TaskStatus) -> Int32 {
        switch status.state {
        case .finished:
            return 0
        case .failed, .killed:
            if let signal = status.terminatingSignal { return Int32(clamping: 128 + signal) }
            if let code = status.exitCode, code != 0 { return Int32(truncatingIfNeeded: code) }
            if status.state == .failed {
                var standardError = StandardError()
                print("agora: task \(status.taskID) failed: \(status.message ?? "")", to: &standardError)
            }
            return status.state == .killed ? 137 : 1
        default:
            var standardError = StandardError()
            print("agora: task \(status.taskID) ended \(status.state.rawValue): \(status.message ?? "")", to: &standardError)
            return 1
        }
    }
}

extension SandboxFiles {
    /// The sandbox of `task` on the agent at `agent`, read from the agent's `/state`.
    static func locate(agent: SocketAddress, task: String) throws -> SandboxFiles {
        let state = try BlockingHTTP.json("/state", from: agent, what: "the agent")
        let runs = (state.list("tasks") + state.list("completed_tasks")).filter { $0.string("id") == task }
        guard let sandbox = runs.last?.string("sandbox"), !sandbox.isEmpty else {
            throw CLIError.failed("the agent has no sandbox for task '\(task)'")
        }
        return SandboxFiles(agent: agent, sandbox: sandbox)
    }
}
