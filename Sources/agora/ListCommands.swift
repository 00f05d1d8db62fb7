import AgoraWire
import ArgumentParser

extension AgoraCommand {
    /// `agora agents`
    struct Agents: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the agents with their resources.")
        @OptionGroup var master: MasterOptions
        @Flag(help: "Print the master's JSON for the agents.") var json = false

        func run() throws {
            try reporting {
                let state = try BlockingHTTP.json("/state", from: try master.address(), what: "the master")
                if json { return print(JSONValue.array(state.list("agents")).text) }
                var table = Table("ID", "HOSTNAME", "PORT", "ACTIVE", "RESOURCES", "USED")
                for agent in ClusterState(state).agents {
                    table.add([agent.id, agent.hostname, String(agent.port), agent.active ? "yes" : "no",
                               agent.resources?.resourceSummary ?? "", agent.used?.resourceSummary ?? ""])
                }
                print(table.rendered)
            }
        }
    }

    /// `agora frameworks`
    struct Frameworks: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the frameworks.")
        @OptionGroup var master: MasterOptions
        @Flag(help: "Include frameworks that were torn down.") var all = false
        @Flag(help: "Print the master's JSON for the frameworks.") var json = false

        func run() throws {
            try reporting {
                let state = try BlockingHTTP.json("/state", from: try master.address(), what: "the master")
                if json {
                    let lists = all ? state.list("frameworks") + state.list("completed_frameworks") : state.list("frameworks")
                    return print(JSONValue.array(lists).text)
                }
                var table = Table("ID", "NAME", "ROLE", "CONNECTED", "TASKS", "USED")
                for framework in ClusterState(state).frameworks where all || framework.active {
                    table.add([framework.id, framework.name, framework.role,
                               framework.active ? (framework.connected ? "yes" : "no") : "removed",
                               String(framework.taskCount), framework.used?.resourceSummary ?? ""])
                }
                print(table.rendered)
            }
        }
    }

    /// `agora tasks`
    struct Tasks: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tasks (running ones unless --all).")
        @OptionGroup var master: MasterOptions
        @Flag(help: "Include finished tasks.") var all = false
        @Option(help: "Only tasks of this framework id.") var framework: String?
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            try reporting {
                let state = ClusterState(try BlockingHTTP.json("/state", from: try master.address(), what: "the master"))
                let tasks = state.tasks.filter { (all || !$0.completed) && (framework == nil || $0.frameworkID == framework) }
                if json {
                    return print(JSONValue.array(tasks.map { task in
                        .object([("id", .string(task.id)), ("name", .string(task.name)),
                                 ("framework_id", .string(task.frameworkID)), ("agent_id", .string(task.agentID)),
                                 ("state", .string(task.state)), ("resources", task.resources ?? .null),
                                 ("image", task.image == "-" ? .null : .string(task.image))])
                    }).text)
                }
                var table = Table("ID", "NAME", "STATE", "FRAMEWORK", "AGENT", "RESOURCES", "IMAGE")
                for task in tasks {
                    table.add([task.id, task.name, task.state, task.frameworkID, task.agentID,
                               task.resources?.resourceSummary ?? "", task.image])
                }
                print(table.rendered)
            }
        }
    }

    /// `agora kill TASK`
    struct Kill: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Kill a task (SIGTERM, then SIGKILL after its grace period).")
        @OptionGroup var master: MasterOptions
        @Argument(help: "The task id.") var task: String
        @Option(help: "The framework id, when several frameworks use the same task id.") var framework: String?

        func run() throws {
            try reporting {
                var body: [(key: String, value: JSONValue)] = [("task_id", .string(task))]
                if let framework { body.append(("framework_id", .string(framework))) }
                let response = try BlockingHTTP.send(
                    .init(method: .post, target: "/tasks/kill", headers: ["Content-Type": "application/json"],
                          body: JSONValue.object(body).serialized()),
                    to: try master.address(), what: "the master")
                guard response.status.isSuccess else {
                    let message = (try? JSONValue.parse(response.body))?.string("message") ?? response.bodyText
                    throw CLIError.failed(message)
                }
                print("kill sent to task \(task)")
            }
        }
    }
}
