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

    func run() throws {
        try FrameworkRunner.run(name: "agora-services", options: options) { setting in
            let framework = try ServicesFramework(loop: setting.loop, address: setting.address, master: setting.master,
                                          workDirectory: setting.workDirectory, logger: setting.logger,
                                          credential: setting.credential, gate: setting.gate)
            return (framework.address, framework.stop)
        }
    }
}
