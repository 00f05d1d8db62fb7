import AgoraResources
import AgoraAuth
import AgoraHTTP
import AgoraRuntime
import AgoraWire
import Foundation

extension Agent {
    func installRoutes(_ router: Router) {
        router.add(.get, "/state") { [unowned self] _ in
            HTTPResponse(status: .ok, headers: ["Content-Type": "application/json"], body: self.stateJSON().serialized())
        }
        router.add(.get, "/health") { _ in HTTPResponse(status: .ok, contentType: "text/plain", body: "OK\n") }
        router.add(.get, "/metrics") { [unowned self] _ in self.prometheusMetrics().response }
        router.add(.get, "/files/read") { [unowned self] request, responder in self.readFile(request, responder) }
        router.add(.get, "/files/browse") { [unowned self] request, responder in self.browse(request, responder) }
        router.add(.get, "/files/download") { [unowned self] request, responder in
            self.readFile(request, responder, download: true)
        }
        router.add(.post, "/api/v1/executor") { [unowned self] request, responder in self.handleExecutorCall(request, responder) }
    }

    private func taskJSON(_ run: TaskRun) -> JSONValue {
        .object([
            ("id", .string(run.info.taskID.value)),
            ("name", .string(run.info.name)),
            ("framework_id", .string(run.frameworkID.value)),
            ("state", .string(run.state.rawValue)),
            ("sandbox", .string(run.sandbox)),
            ("pid", run.taskPID.map { .integer($0) } ?? .null),
            ("executor_pid", (run.process?.pid ?? run.adoptedExecutorPID).map { .integer($0) } ?? .null),
            ("message", run.message.map { .string($0) } ?? .null),
            ("resources", run.resources.endpointJSON),
            ("started_at", JSONValue.double(run.startedAt) ?? .null),
        ])
    }

    /// `GET /state`: the agent's identity, resources and tasks (with their sandboxes).
    func stateJSON() -> JSONValue {
        let used = tasks.values.filter { !$0.state.isTerminal }.reduce(Resources()) { $0 + $1.resources }
        return .object([
            ("id", agentID.map { .string($0.value) } ?? .null),
            ("hostname", .string(options.hostname)),
            ("port", .integer(address.port)),
            ("master", .string(options.master.description)),
            ("work_dir", .string(options.workDirectory)),
            ("isolation", .string(isolator?.description ?? "none")),
            ("resources", options.resources.endpointJSON),
            ("used_resources", used.endpointJSON),
            ("attributes", .object(options.attributes.map { attribute in
                (attribute.name, attribute.text.map { .string($0.value) }
                    ?? attribute.scalar.flatMap { JSONValue.double($0.value) } ?? .null)
            })),
            ("tasks", .array(tasks.values.sorted { $0.startedAt < $1.startedAt }.map(taskJSON))),
            ("completed_tasks", .array(completed.map(taskJSON))),
        ])
    }

    /// `GET /metrics`: Prometheus text.
    func prometheusMetrics() -> PrometheusText {
        var out = PrometheusText()
        var byState: [String: Int] = [:]
        for run in tasks.values { byState[run.state.rawValue, default: 0] += 1 }
        out.add("agora_agent_tasks", .gauge, "Tasks on this agent, by state.",
                TaskState.allCases.map { ("state=\"\($0.rawValue)\"", Double(byState[$0.rawValue] ?? 0)) })
        out.add("agora_agent_tasks_terminal_total", .counter, "Tasks that ended, by state.",
                metrics.terminal.sorted { $0.key < $1.key }.map { ("state=\"\($0.key)\"", Double($0.value)) })
        let used = tasks.values.filter { !$0.state.isTerminal }.reduce(Resources()) { $0 + $1.resources }
        out.add("agora_agent_resources", .gauge, "Resources of this agent: total and used by tasks.",
                resourceSamples(names: options.resources.names, ["total": options.resources, "used": used]))
        out.add("agora_agent_tasks_launched_total", .counter, "Tasks started.", Double(metrics.tasksLaunched))
        out.add("agora_agent_launch_failures_total", .counter, "Tasks that could not start.", Double(metrics.launchFailures))
        out.add("agora_agent_image_pulls_total", .counter, "Container image pulls (requests for an image being pulled wait for that pull).",
                Double(images.pulls))
        out.add("agora_agent_image_pull_failures_total", .counter, "Container image pulls that failed.", Double(images.pullFailures))
        out.add("agora_agent_image_cache_hits_total", .counter, "Container images found ready in the store.", Double(images.cacheHits))
        out.add("agora_agent_status_updates_total", .counter, "Status updates produced.", Double(metrics.statusUpdates))
        out.add("agora_agent_status_updates_pending", .gauge, "Status updates not yet acknowledged.", Double(pendingUpdates))
        out.add("agora_agent_sandboxes_collected_total", .counter, "Sandboxes deleted after --gc-delay.",
                Double(metrics.sandboxesCollected))
        out.add("agora_agent_timer_failures_total", .counter, "Timers that could not be armed (each is logged).",
                Double(metrics.timerFailures))
        out.add("agora_agent_checkpoint_failures_total", .counter, "Checkpoint writes that failed (each is logged).",
                Double(metrics.checkpointFailures))
        out.add("agora_agent_messages_dropped_total", .counter, "Framework messages for executors that were not subscribed.",
                Double(metrics.messagesDropped))
        out.add("agora_agent_auth_failures_total", .counter, "Requests refused by authentication or authorization.",
                Double(metrics.authFailures))
        out.add("agora_agent_registered", .gauge, "Whether the master has given this agent an id.", agentID == nil ? 0 : 1)
        return out
    }

    /// The sandbox path a `/files/*` request names, beneath the sandboxes root, once the caller may see it; nil after
    /// answering the request with why not.
    private func sandboxPath(_ request: HTTPRequest, _ responder: HTTPResponder) -> (path: String, relative: String)? {
        let principal: String?
        do {
            principal = try options.httpAuthenticator.principal(of: request)
        } catch {
            metrics.authFailures += 1
            responder.send(error.response)
            return nil
        }
        guard let path = request.queryValue("path"), !path.isEmpty else {
            responder.send(.error(.badRequest, "Expecting 'path' to be present"))
            return nil
        }
        guard let relative = layout.relativeToSandboxes(path) else {
            responder.send(.error(.forbidden, "'\(path)' is outside the task sandboxes"))
            return nil
        }
        let owner = tasks.values.first { path == $0.sandbox || path.hasPrefix($0.sandbox + "/") }?.user
        guard options.acls.allows(principal, .accessSandboxes, owner) else {
            metrics.authFailures += 1
            responder.send(AuthRejection.forbidden("Principal '\(principal ?? "")' may not read sandboxes of user '\(owner ?? "?")'").response)
            return nil
        }
        return (path, relative)
    }

    /// `GET /files/read?path=…&offset=…&length=…`: part of a sandbox file, as `{"data": …, "offset": …}`.
    /// `offset=-1` returns no data and the file's size as the offset (for tailing). Only regular files beneath the
    /// sandboxes are served, resolved by the kernel without following any symlink, and read off the loop thread.
    /// With `download`, the whole file as `application/octet-stream` (Mesos' `/files/download`), up to 64 MiB.
    func readFile(_ request: HTTPRequest, _ responder: HTTPResponder, download: Bool = false) {
        let offsetText = download ? "0" : request.queryValue("offset") ?? "0"
        let lengthText = download ? nil : request.queryValue("length")
        guard let offset = Int64(offsetText), offset >= -1 else {
            return responder.send(.error(.badRequest, "Failed to parse offset: '\(offsetText)' is not a non-negative integer"))
        }
        let maximum = (download ? 64 : 16) * 1024 * 1024
        var length = maximum
        if let lengthText {
            guard let parsed = Int(lengthText), parsed >= 0 else {
                return responder.send(.error(.badRequest, "Failed to parse length: '\(lengthText)' is not a non-negative integer"))
            }
            length = min(parsed, maximum)
        }
        guard let (path, relative) = sandboxPath(request, responder) else { return }
        BeneathReader.read(loop: loop, directory: layout.sandboxesRoot, relativePath: relative, offset: max(offset, 0),
                           length: offset == -1 ? 0 : length) { result in
            switch result {
            case .success(let file) where download:
                guard file.size <= Int64(maximum) else {
                    return responder.send(.error(.payloadTooLarge,
                        "'\(path)' is \(file.size) bytes; download serves up to \(maximum): use /files/read with offset and length"))
                }
                responder.send(HTTPResponse(status: .ok, headers: [
                    "Content-Type": "application/octet-stream",
                    "Content-Disposition": "attachment; filename=\"\((path as NSString).lastPathComponent)\"",
                ], body: file.bytes))
            case .success(let file):
                let start = offset == -1 ? file.size : offset
                let body = JSONValue.object([("data", .string(String(decoding: file.bytes, as: UTF8.self))),
                                             ("offset", .integer(start))])
                responder.send(HTTPResponse(status: .ok, headers: ["Content-Type": "application/json"], body: body.serialized()))
            case .failure(let error):
                responder.send(Agent.fileError(error, path: path))
            }
        }
    }

    /// `GET /files/browse?path=…`: the entries of a sandbox directory, as Mesos lists them (`path`, `mode`, `size`,
    /// `mtime`, `nlink`, `uid`, `gid`); symlinks are listed, never followed, and none leads the path out.
    func browse(_ request: HTTPRequest, _ responder: HTTPResponder) {
        guard let (path, relative) = sandboxPath(request, responder) else { return }
        BeneathReader.list(loop: loop, directory: layout.sandboxesRoot, relativePath: relative) { result in
            switch result {
            case .success(let entries):
                let base = path.hasSuffix("/") ? String(path.dropLast()) : path
                let list = JSONValue.array(entries.map { entry in
                    .object([("path", .string(base + "/" + entry.name)), ("mode", .string(entry.modeString)),
                             ("size", .integer(entry.size)), ("mtime", .integer(Int64(entry.modified))),
                             ("nlink", .integer(Int64(clamping: entry.links))), ("uid", .string(entry.owner)),
                             ("gid", .string(entry.group))])
                })
                responder.send(HTTPResponse(status: .ok, headers: ["Content-Type": "application/json"], body: list.serialized()))
            case .failure(let error):
                responder.send(Agent.fileError(error, path: path))
            }
        }
    }

    /// How a failed sandbox read or listing is answered.
    private static func fileError(_ error: RuntimeError, path: String) -> HTTPResponse {
        switch error.code {
        case "ENOENT": .error(.notFound, "No such file: '\(path)'")
        case "EISDIR": .error(.badRequest, "'\(path)' is a directory")
        case "ENOTDIR": .error(.badRequest, "'\(path)' is not a directory")
        case "ELOOP", "EXDEV": .error(.forbidden, "'\(path)' goes through a symbolic link")
        default: .error(.forbidden, "Cannot read '\(path)': \(error.message)")
        }
    }
}
