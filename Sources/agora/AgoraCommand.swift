import ArgumentParser

/// `agora`: the operator's command line for an Agora cluster.
@main
struct AgoraCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agora",
        abstract: "Operate an Agora cluster: list agents, frameworks and tasks, run and kill tasks, read their logs.",
        discussion: """
            The master is --master, else $AGORA_MASTER, else http://127.0.0.1:5050.
            Exit codes: 0 success; 1 not found or failed; 64 bad usage; 69 master or agent unreachable.
            `agora exec` exits with the task's own exit status.
            """,
        subcommands: [Agents.self, Frameworks.self, Tasks.self, Exec.self, Logs.self, Kill.self, App.self, Deployments.self,
                      JobCommand.self,
                      Local.self])
}
