import AgoraDaemon
import AgoraServices
import ArgumentParser

/// `agora-services`: parses flags and runs the services framework.
@main
struct ServicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agora-services",
        abstract: "Keeps long-running apps alive on an Agora cluster; Marathon v2-compatible REST API.")

    @OptionGroup var options: FrameworkOptions

    @Option(name: .customLong("service-port-range"), help: "Where apps' service ports asked for as 0 come from (LOW-HIGH).")
    var servicePortRange = "10000-20000"

    @Option(name: .customLong("kill-drain-delay"), help: "How long a running instance is shown TASK_KILLING (and out of load balancers) before its kill.")
    var killDrainDelay = DurationFlag(.seconds(1))

    func validate() throws {
        _ = try Self.range(servicePortRange)
        guard killDrainDelay.duration >= .zero && killDrainDelay.duration <= .seconds(300) else {
            throw ValidationError("--kill-drain-delay must be between 0 and 300 seconds")
        }
    }

    /// `LOW-HIGH` within 1-65535, LOW ≤ HIGH.
    static func range(_ text: String) throws -> ClosedRange<Int> {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
        guard parts.count == 2, let low = parts[0], let high = parts[1], 1 <= low, low <= high, high <= 65535 else {
            throw ValidationError("--service-port-range must be LOW-HIGH within 1-65535 (got \"\(text)\")")
        }
        return low...high
    }

    func run() throws {
        try FrameworkRunner.run(name: "agora-services", options: options) { setting in
            let framework = try ServicesFramework(loop: setting.loop, address: setting.address, master: setting.master,
                                          workDirectory: setting.workDirectory, logger: setting.logger,
                                          credential: setting.credential, gate: setting.gate,
                                          servicePorts: ServicePorts(range: try Self.range(servicePortRange)),
                                          drainDelay: killDrainDelay.duration)
            return (framework.address, framework.stop)
        }
    }
}
