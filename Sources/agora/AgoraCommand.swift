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

    /// The options every subcommand takes that may also come before it (`agora --master URL tasks`, as with
    /// kubectl and nomad).
    static let globalOptions: Set<String> = ["--master", "--services", "--cron"]

    static func main() {
        main(hoistingGlobalOptions(Array(CommandLine.arguments.dropFirst())))
    }

    /// `arguments` with the global options found before the subcommand moved after it (before a `--`, whose
    /// followers belong to the task).
    static func hoistingGlobalOptions(_ arguments: [String]) -> [String] {
        var leading: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            let name = String(argument.split(separator: "=", maxSplits: 1).first ?? "")
            guard globalOptions.contains(name) else { break }
            leading.append(argument)
            if !argument.contains("="), index + 1 < arguments.count {
                leading.append(arguments[index + 1])
                index += 1
            }
            index += 1
        }
        guard !leading.isEmpty, index < arguments.count else { return arguments }
        var rest = Array(arguments[index...])
        rest.insert(contentsOf: leading, at: rest.firstIndex(of: "--") ?? rest.count)
        return rest
    }
}
