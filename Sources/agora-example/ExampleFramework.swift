import AgoraResources
import AgoraRuntime
import AgoraScheduler
import AgoraWire
import ArgumentParser
import Foundation

/// A complete small framework on `AgoraScheduler`: runs N copies of a command, one task per copy,
/// and exits when they have all ended (0 when every copy finished, 1 otherwise).
///
///     agora-example --master 127.0.0.1:5050 --count 3 -- sh -c 'echo hello from $AGORA_TASK_ID'
@main
struct ExampleFramework: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agora-example", abstract: "Run N copies of a command on an Agora cluster, then exit.")

    @Option(help: "The master as host:port.") var master = "127.0.0.1:5050"
    @Option(help: "How many copies to run.") var count = 3
    @Option(help: "CPUs per copy.") var cpus = 0.1
    @Option(help: "Memory per copy, in MB.") var mem = 32.0
    @Argument(parsing: .captureForPassthrough, help: "The command, after --.") var command: [String]

    func validate() throws {
        guard count > 0 else { throw ValidationError("--count must be positive") }
        guard !command.filter({ $0 != "--" }).isEmpty else { throw ValidationError("give the command after --") }
    }

    func run() throws {
        guard let masterAddress = SocketAddress(parsing: master) else { throw ValidationError("--master must be host:port") }
        let loop = try Loop()
        let copies = CopiesFramework(count: count, demand: ResourceDemand(cpus: cpus, mem: mem),
                                     command: command.first == "--" ? Array(command.dropFirst()) : command)
        let client = SchedulerClient(
            loop: loop,
            configuration: SchedulerConfiguration(
                masters: [masterAddress],
                framework: FrameworkInfo(user: NSUserName(), name: "agora-example", failoverTimeout: 60)),
            delegate: copies)
        client.start()
        loop.run(until: { copies.isDone }, timeout: .seconds(365 * 86400))
        client.teardown()
        loop.run(until: { !client.isSubscribed }, timeout: .seconds(2))
        client.stop()
        loop.run(until: { loop.openHandles == 0 }, timeout: .seconds(2))
        try loop.close()
        print("\(copies.finished) of \(count) copies finished")
        if copies.finished != count { throw ExitCode.failure }
    }
}

/// The scheduling logic: launch copies into offers until all are placed; count how they end.
final class CopiesFramework: SchedulerDelegate {
    let count: Int
    let demand: ResourceDemand
    let command: [String]
    private var launched = 0
    private var ended = 0
    private(set) var finished = 0

    init(count: Int, demand: ResourceDemand, command: [String]) {
        self.count = count
        self.demand = demand
        self.command = command
    }

    var isDone: Bool { ended == count }

    func subscribed(_ client: SchedulerClient, frameworkID: FrameworkID, masterInfo: MasterInfo?) {
        print("subscribed as \(frameworkID)")
    }

    func offers(_ client: SchedulerClient, _ offers: [Offer]) {
        for offer in offers {
            var free = Resources(offer.resources)
            var tasks: [TaskInfo] = []
            while launched < count, let room = free.fit(demand) {
                launched += 1
                free -= room
                tasks.append(TaskInfo(
                    name: "copy-\(launched)", taskID: .unique(prefix: "copy-\(launched)"), agentID: offer.agentID,
                    resources: room.wire(allocationRole: offer.allocationInfo?.role),
                    command: CommandInfo(shell: false, value: command[0], arguments: command)))
            }
            if tasks.isEmpty {
                client.decline([offer.id], refuseSeconds: launched < count ? 1 : 3600)
            } else {
                client.launch(tasks, on: [offer.id], refuseSeconds: 1)
            }
        }
    }

    func update(_ client: SchedulerClient, _ status: TaskStatus) {
        print("\(status.taskID): \(status.state.rawValue)\(status.message.map { " (\($0))" } ?? "")")
        guard status.state.isTerminal else { return }
        ended += 1
        if status.state == .finished { finished += 1 }
    }
}
