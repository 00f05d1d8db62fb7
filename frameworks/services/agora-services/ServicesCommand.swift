import AgoraDaemon
import AgoraServices
import ArgumentParser

/// `agora-services`: parses flags and runs the services framework.
@main
struct ServicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agora-services",
        abstract: "Keeps long-running apps alive on an Agora cluster; Marathon v2-compatible REST API.")

    @OptionGroup var common: CommonOptions

    @Option(help: "The master as host:port.")
    var master = "127.0.0.1:5050"

    func validate() throws { _ = try FrameworkRunner.masterAddress(master) }

    func run() throws {
        try FrameworkRunner.run(name: "agora-services", common: common, master: master) { loop, address, master, directory, logger in
            let framework = try ServicesFramework(loop: loop, address: address, master: master, workDirectory: directory,
                                                  logger: logger)
            return (framework.address, framework.stop)
        }
    }
}
