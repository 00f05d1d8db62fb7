import AgoraCron
import AgoraDaemon
import ArgumentParser

/// `agora-cron`: parses flags and runs the cron framework.
@main
struct CronCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agora-cron",
        abstract: "Runs scheduled and dependent batch jobs on an Agora cluster; Chronos-compatible REST API.")

    @OptionGroup var options: FrameworkOptions

    func run() throws {
        try FrameworkRunner.run(name: "agora-cron", options: options) { setting in
            let framework = try CronFramework(loop: setting.loop, address: setting.address, master: setting.master,
                                          workDirectory: setting.workDirectory, logger: setting.logger,
                                          credential: setting.credential, gate: setting.gate)
            return (framework.address, framework.stop)
        }
    }
}
