import AgoraAllocator
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
        router.add(.get, "/files/read") { [unowned self] request in self.readFile(request) }
    }

    private func taskJSON(_ run: TaskRun) -> JSONValue {
        .object([
            ("id", .string(run.info.taskID.value)),
            ("name", .string(run.info.name)),
            ("framework_id", .string(run.frameworkID.value)),
            ("state", .string(run.state.rawValue)),
            ("sandbox", .string(run.sandbox)),
            ("pid", run.process.map { .integer($0.pid) } ?? .null),
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
        out.add("agora_agent_status_updates_total", .counter, "Status updates produced.", Double(metrics.statusUpdates))
        out.add("agora_agent_status_updates_pending", .gauge, "Status updates not yet acknowledged.", Double(pendingUpdates))
        out.add("agora_agent_sandboxes_collected_total", .counter, "Sandboxes deleted after --gc-delay.",
                Double(metrics.sandboxesCollected))
        out.add("agora_agent_registered", .gauge, "Whether the master has given this agent an id.", agentID == nil ? 0 : 1)
        return out
    }

    /// `GET /files/read?path=…&offset=…&length=…`: part of a sandbox file, as `{"data": …, "offset": …}`.
    /// `offset=-1` returns no data and the file's size as the offset (for tailing).
    func readFile(_ request: HTTPRequest) -> HTTPResponse {
        guard let path = request.queryValue("path"), !path.isEmpty else {
            return .error(.badRequest, "Expecting 'path' to be present")
        }
        let offsetText = request.queryValue("offset") ?? "0"
        let lengthText = request.queryValue("length")
        guard let offset = Int64(offsetText), offset >= -1 else {
            return .error(.badRequest, "Failed to parse offset: '\(offsetText)' is not a non-negative integer")
        }
        let maximum = 16 * 1024 * 1024
        var length = maximum
        if let lengthText {
            guard let parsed = Int(lengthText), parsed >= 0 else {
                return .error(.badRequest, "Failed to parse length: '\(lengthText)' is not a non-negative integer")
            }
            length = min(parsed, maximum)
        }
        guard let resolved = layout.resolveInsideSandboxes(path) else {
            return .error(.forbidden, "'\(path)' is outside the task sandboxes")
        }
        let file: (bytes: [UInt8], size: Int64)
        do {
            file = try Files.read(resolved, offset: max(offset, 0), length: offset == -1 ? 0 : length)
        } catch {
            switch error.code {
            case "ENOENT": return .error(.notFound, "No such file: '\(path)'")
            case "EISDIR": return .error(.badRequest, "'\(path)' is a directory")
            default: return .error(.forbidden, "Cannot read '\(path)': \(error.message)")
            }
        }
        let data = file.bytes
        let start = offset == -1 ? file.size : offset
        let body = JSONValue.object([("data", .string(String(decoding: data, as: UTF8.self))), ("offset", .integer(start))])
        return HTTPResponse(status: .ok, headers: ["Content-Type": "application/json"], body: body.serialized())
    }
}
