import AgoraHTTP
import AgoraRuntime
import AgoraWire
import ArgumentParser
import Foundation

/// `--cron` (or `AGORA_CRON`, or http://127.0.0.1:4400).
struct CronOptions: ParsableArguments {
    @Option(name: .long, help: "The cron framework's URL (default: $AGORA_CRON or http://127.0.0.1:4400).")
    var cron: String?

    func address() throws -> SocketAddress {
        let text = cron ?? ProcessInfo.processInfo.environment["AGORA_CRON"] ?? "http://127.0.0.1:4400"
        guard let address = SocketAddress(parsing: text) else { throw ValidationError("--cron must look like http://HOST:PORT") }
        return address
    }

    /// Sends a request to the cron API.
    func call(_ method: HTTPMethod, _ target: String, body: [UInt8] = []) throws -> HTTPResponse {
        try frameworkRequest(method, target, body: body, to: try address(), what: "the cron framework")
    }
}

extension AgoraCommand {
    /// `agora job …`: manage jobs on the cron framework.
    struct JobCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "job", abstract: "Manage scheduled and dependent jobs on the cron framework.",
            subcommands: [List.self, Show.self, Add.self, Run.self, Delete.self, Runs.self, Graph.self])

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List jobs.")
            @OptionGroup var cron: CronOptions
            @Flag(help: "Print JSON.") var json = false
            func run() throws {
                try reporting {
                    let jobs = try JSONValue.parse(try cron.call(.get, "/scheduler/jobs").body)
                    if json { return print(jobs.text) }
                    var table = Table("NAME", "SCHEDULE", "SUCCESSES", "ERRORS", "LAST SUCCESS", "LAST ERROR")
                    guard case .array(let list) = jobs else { return }
                    for job in list {
                        let trigger = job.string("schedule").isEmpty
                            ? "after " + job.list("parents").compactMap { value -> String? in
                                if case .string(let name) = value { return name }
                                return nil
                            }.joined(separator: ",")
                            : job.string("schedule")
                        table.add([job.string("name"), trigger, job.string("successCount"), job.string("errorCount"),
                                   job.string("lastSuccess"), job.string("lastError")])
                    }
                    print(table.rendered)
                }
            }
        }

        struct Show: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Print a job as JSON.")
            @OptionGroup var cron: CronOptions
            @Argument(help: "The job name.") var name: String
            func run() throws { try reporting { print(try cron.call(.get, "/scheduler/job/\(name)").bodyText) } }
        }

        struct Add: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Add or update a job from a JSON file (Chronos fields).")
            @OptionGroup var cron: CronOptions
            @OptionGroup var definition: DefinitionFile
            func run() throws {
                try reporting {
                    let body = try definition.bytes()
                    let dependent = (try? JSONValue.parse(body))?["parents"] != nil
                    _ = try cron.call(.post, dependent ? "/scheduler/dependency" : "/scheduler/iso8601", body: body)
                    print("saved \((try? JSONValue.parse(body))?.string("name") ?? "job")")
                }
            }
        }

        struct Run: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Run a job now.")
            @OptionGroup var cron: CronOptions
            @Argument(help: "The job name.") var name: String
            func run() throws { try reporting { _ = try cron.call(.put, "/scheduler/job/\(name)"); print("run of \(name) queued") } }
        }

        struct Delete: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Delete a job.")
            @OptionGroup var cron: CronOptions
            @Argument(help: "The job name.") var name: String
            func run() throws { try reporting { _ = try cron.call(.delete, "/scheduler/job/\(name)"); print("deleted \(name)") } }
        }

        struct Runs: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "A job's run history.")
            @OptionGroup var cron: CronOptions
            @Argument(help: "The job name.") var name: String
            func run() throws {
                try reporting {
                    guard case .array(let runs) = try JSONValue.parse(try cron.call(.get, "/scheduler/job/\(name)/runs").body) else { return }
                    var table = Table("SCHEDULED", "ATTEMPT", "OUTCOME", "EXIT", "STARTED", "ENDED", "AGENT")
                    for run in runs {
                        table.add([run.string("scheduled"), run.string("attempt"), run.string("outcome"), run.string("exitStatus"),
                                   run.string("started"), run.string("ended"), run.string("agent")])
                    }
                    print(table.rendered)
                }
            }
        }

        struct Graph: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "The job dependency graph as Graphviz DOT.")
            @OptionGroup var cron: CronOptions
            func run() throws { try reporting { print(try cron.call(.get, "/scheduler/graph/dot").bodyText, terminator: "") } }
        }
    }
}
