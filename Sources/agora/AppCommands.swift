import AgoraHTTP
import AgoraRuntime
import AgoraWire
import ArgumentParser
import Foundation

/// `--services` (or `AGORA_SERVICES`, or http://127.0.0.1:8080).
struct ServicesOptions: ParsableArguments {
    @Option(name: .long, help: "The services framework's URL (default: $AGORA_SERVICES or http://127.0.0.1:8080).")
    var services: String?

    func address() throws -> SocketAddress {
        let text = services ?? ProcessInfo.processInfo.environment["AGORA_SERVICES"] ?? "http://127.0.0.1:8080"
        guard let address = SocketAddress(parsing: text) else { throw ValidationError("--services must look like http://HOST:PORT") }
        return address
    }

    /// Sends a request to the services API and parses its JSON answer (null when there is none).
    func call(_ method: HTTPMethod, _ target: String, body: [UInt8] = []) throws -> JSONValue {
        let response = try frameworkRequest(method, target, body: body, to: try address(), what: "the services framework")
        return (try? JSONValue.parse(response.body)) ?? .null
    }
}

extension AgoraCommand {
    /// `agora app …`: manage apps on the services framework.
    struct App: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Manage long-running apps on the services framework.",
            subcommands: [List.self, Show.self, Create.self, Update.self, Scale.self, Restart.self, Delete.self, AppTasks.self,
                          Endpoints.self])

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List apps.")
            @OptionGroup var services: ServicesOptions
            @Flag(help: "Print JSON.") var json = false
            func run() throws {
                try reporting {
                    let apps = try services.call(.get, "/v2/apps").list("apps")
                    if json { return print(JSONValue.array(apps).text) }
                    var table = Table("ID", "INSTANCES", "RUNNING", "HEALTHY", "CPUS", "MEM", "DEPLOYING", "IMAGE")
                    for app in apps {
                        var image = "-"
                        if case .string(let name)? = app["container"]?["docker"]?["image"] { image = name }
                        table.add([app.string("id"), app.string("instances"), app.string("tasksRunning"),
                                   app.string("tasksHealthy"), app.string("cpus"), app.string("mem"),
                                   app.list("deployments").isEmpty ? "no" : "yes", image])
                    }
                    print(table.rendered)
                }
            }
        }

        struct Show: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Print an app as JSON.")
            @OptionGroup var services: ServicesOptions
            @Argument(help: "The app id.") var id: String
            func run() throws { try reporting { print(try services.call(.get, "/v2/apps/\(id.trimmingSlash)")["app"]?.text ?? "") } }
        }

        struct Create: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Create an app from a JSON file.")
            @OptionGroup var services: ServicesOptions
            @OptionGroup var definition: DefinitionFile
            func run() throws {
                try reporting {
                    let app = try services.call(.post, "/v2/apps", body: try definition.bytes())
                    print("created \(app.string("id")); deployment \(app.list("deployments").first?.string("id") ?? "")")
                }
            }
        }

        struct Update: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Update an app from a JSON file (a rolling restart when needed).")
            @OptionGroup var services: ServicesOptions
            @Option(name: .shortAndLong, help: "The new definition (may be partial).") var file: String
            @Argument(help: "The app id (default: the file's id).") var id: String?
            @Flag(help: "Override a deployment in progress.") var force = false
            func run() throws {
                try reporting {
                    let body = try readDefinition(file)
                    let target = id ?? (try? JSONValue.parse(body))?.string("id") ?? ""
                    guard !target.isEmpty else { throw CLIError.failed("give the app id or put \"id\" in the file") }
                    let answer = try services.call(.put, "/v2/apps/\(target.trimmingSlash)?force=\(force)", body: body)
                    print("deployment \(answer.string("deploymentId"))")
                }
            }
        }

        struct Scale: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Set an app's instance count.")
            @OptionGroup var services: ServicesOptions
            @Argument(help: "The app id.") var id: String
            @Argument(help: "Instances.") var instances: Int
            @Flag(help: "Override a deployment in progress.") var force = false
            func run() throws {
                try reporting {
                    let answer = try services.call(.put, "/v2/apps/\(id.trimmingSlash)?force=\(force)",
                                                   body: Array("{\"instances\":\(instances)}".utf8))
                    print("deployment \(answer.string("deploymentId"))")
                }
            }
        }

        struct Restart: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Restart every instance of an app.")
            @OptionGroup var services: ServicesOptions
            @Argument(help: "The app id.") var id: String
            func run() throws {
                try reporting { print("deployment \(try services.call(.post, "/v2/apps/\(id.trimmingSlash)/restart").string("deploymentId"))") }
            }
        }

        struct Delete: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Delete an app and kill its instances.")
            @OptionGroup var services: ServicesOptions
            @Argument(help: "The app id.") var id: String
            func run() throws {
                try reporting { print("deployment \(try services.call(.delete, "/v2/apps/\(id.trimmingSlash)").string("deploymentId"))") }
            }
        }

        struct Endpoints: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Where an app's running instances are reached.")
            @OptionGroup var services: ServicesOptions
            @Argument(help: "The app id.") var id: String
            @Flag(help: "Print JSON.") var json = false
            func run() throws {
                try reporting {
                    let answer = try services.call(.get, "/v2/apps/\(id.trimmingSlash)/endpoints?format=json")
                    if json { return print(answer.text) }
                    let texts = { (value: JSONValue, key: String) in
                        value.list(key).map { $0.string ?? $0.integerValue.map(String.init) ?? "" }.joined(separator: ",")
                    }
                    var table = Table("TASK", "ADDRESSES", "HOST PORTS", "SERVICE PORTS", "STATE", "HEALTHY")
                    for endpoint in answer.list("endpoints") {
                        let healthy = endpoint["healthy"]?.bool.map { $0 ? "yes" : "no" } ?? "-"
                        table.add([endpoint.string("taskId"), texts(endpoint, "addresses"), texts(endpoint, "ports"),
                                   texts(endpoint, "servicePorts"), endpoint.string("state"), healthy])
                    }
                    print(table.rendered)
                }
            }
        }

        struct AppTasks: ParsableCommand {
            static let configuration = CommandConfiguration(commandName: "tasks", abstract: "List an app's instances.")
            @OptionGroup var services: ServicesOptions
            @Argument(help: "The app id.") var id: String
            func run() throws {
                try reporting {
                    var table = Table("ID", "HOST", "PORTS", "STATE", "HEALTHY", "VERSION")
                    for task in try services.call(.get, "/v2/apps/\(id.trimmingSlash)/tasks").list("tasks") {
                        let healthy = task.list("healthCheckResults").first.map { $0["alive"] == .bool(true) ? "yes" : "no" } ?? "-"
                        let ports = task.list("ports").compactMap { value -> String? in
                            if case .number(let port) = value { return port }
                            return nil
                        }.joined(separator: ",")
                        table.add([task.string("id"), task.string("host"), ports, task.string("state"), healthy, task.string("version")])
                    }
                    print(table.rendered)
                }
            }
        }
    }

    /// `agora deployments`
    struct Deployments: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List deployments in progress on the services framework.")
        @OptionGroup var services: ServicesOptions
        func run() throws {
            try reporting {
                var table = Table("ID", "APPS", "ACTION", "VERSION")
                guard case .array(let deployments) = try services.call(.get, "/v2/deployments") else { return }
                for deployment in deployments {
                    let apps = deployment.list("affectedApps").compactMap { value -> String? in
                        if case .string(let id) = value { return id }
                        return nil
                    }.joined(separator: ",")
                    let action = deployment.list("currentActions").first?.string("action") ?? ""
                    table.add([deployment.string("id"), apps, action, deployment.string("version")])
                }
                print(table.rendered)
            }
        }
    }
}

/// A definition file's bytes, or a one-line error naming it.
func readDefinition(_ path: String) throws -> [UInt8] {
    do {
        return try Files.read(path).bytes
    } catch {
        throw CLIError.failed("cannot read \(path): \(error.message)")
    }
}

/// An app or job definition named by `--file FILE` or given as the argument `FILE`.
struct DefinitionFile: ParsableArguments {
    @Option(name: .shortAndLong, help: "The definition file (JSON).") var file: String?
    @Argument(help: "The definition file (JSON), instead of --file.") var path: String?

    func validate() throws {
        guard (file == nil) != (path == nil) else { throw ValidationError("give the definition file once, as FILE or --file FILE") }
    }

    func bytes() throws -> [UInt8] { try readDefinition(file ?? path ?? "") }
}

extension String {
    var trimmingSlash: String { hasPrefix("/") ? String(dropFirst()) : self }
}
