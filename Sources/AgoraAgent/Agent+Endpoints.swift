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
        router.add(.get, "/metrics") { [unowned self] _ in
            HTTPResponse(status: .ok, contentType: "text/plain; version=0.0.4", body: self.prometheusMetrics())
        }
        router.add(.get, "/files/read") { [unowned self] request in self.readFile(request) }
    }

    private func resourcesJSON(_ resources: Resources) -> JSONValue {
        var entries: [(key: String, value: JSONValue)] = []
        for name in resources.names.sorted() {
            if name == "ports" {
                entries.append((name, .string(resources.ranges(name).description)))
            } else {
                entries.append((name, JSONValue.double(resources.scalar(name)) ?? .number("0")))
            }
        }
        return .object(entries)
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
            ("resources", resourcesJSON(run.resources)),
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
            ("resources", resourcesJSON(options.resources)),
            ("used_resources", resourcesJSON(used)),
            ("attributes", .object(options.attributes.map { attribute in
                (attribute.name, attribute.text.map { .string($0.value) }
                    ?? attribute.scalar.flatMap { JSONValue.double($0.value) } ?? .null)
            })),
            ("tasks", .array(tasks.values.sorted { $0.startedAt < $1.startedAt }.map(taskJSON))),
            ("completed_tasks", .array(completed.map(taskJSON))),
        ])
    }

    /// `GET /metrics`: Prometheus text.
    func prometheusMetrics() -> String {
        var byState: [String: Int] = [:]
        for run in tasks.values { byState[run.state.rawValue, default: 0] += 1 }
        var lines = ["# HELP agora_agent_tasks Tasks on this agent, by state.", "# TYPE agora_agent_tasks gauge"]
        for state in TaskState.allCases { lines.append("agora_agent_tasks{state=\"\(state.rawValue)\"} \(byState[state.rawValue] ?? 0)") }
        lines += ["# HELP agora_agent_tasks_terminal_total Tasks that ended, by state.",
                  "# TYPE agora_agent_tasks_terminal_total counter"]
        for (state, count) in metrics.terminal.sorted(by: { $0.key < $1.key }) {
            lines.append("agora_agent_tasks_terminal_total{state=\"\(state)\"} \(count)")
        }
        let used = tasks.values.filter { !$0.state.isTerminal }.reduce(Resources()) { $0 + $1.resources }
        lines += ["# HELP agora_agent_resources Resources of this agent.", "# TYPE agora_agent_resources gauge"]
        for name in options.resources.names.sorted() {
            let amount = { (bag: Resources) in name == "ports" ? Double(bag.ranges(name).count) : bag.scalar(name) }
            lines.append("agora_agent_resources{resource=\"\(name)\",kind=\"total\"} \(amount(options.resources))")
            lines.append("agora_agent_resources{resource=\"\(name)\",kind=\"used\"} \(amount(used))")
        }
        lines += [
            "# TYPE agora_agent_tasks_launched_total counter", "agora_agent_tasks_launched_total \(metrics.tasksLaunched)",
            "# TYPE agora_agent_launch_failures_total counter", "agora_agent_launch_failures_total \(metrics.launchFailures)",
            "# TYPE agora_agent_status_updates_total counter", "agora_agent_status_updates_total \(metrics.statusUpdates)",
            "# TYPE agora_agent_status_updates_pending gauge", "agora_agent_status_updates_pending \(pendingUpdates)",
            "# TYPE agora_agent_sandboxes_collected_total counter",
            "agora_agent_sandboxes_collected_total \(metrics.sandboxesCollected)",
            "# TYPE agora_agent_registered gauge", "agora_agent_registered \(agentID == nil ? 0 : 1)",
        ]
        return lines.joined(separator: "\n") + "\n"
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
