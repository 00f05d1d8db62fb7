import AgoraAuth
import AgoraHTTP
import AgoraWire
import Foundation

/// The Marathon v2-compatible REST API of the services framework.
final class ServicesAPI {
    let scheduler: ServiceScheduler
    let gate: AuthGate
    let address: () -> String
    private var eventStreams: [ObjectIdentifier: HTTPResponseStream] = [:]

    init(scheduler: ServiceScheduler, gate: AuthGate, address: @escaping () -> String) {
        self.scheduler = scheduler
        self.gate = gate
        self.address = address
        scheduler.onEvent = { [weak self] type, payload in self?.broadcast(type, payload) }
    }

    func install(_ router: Router) {
        router.add(.get, "/ping") { _ in HTTPResponse(status: .ok, contentType: "text/plain", body: "pong") }
        router.add(.get, "/v2/info") { [unowned self] _ in self.json(.ok, self.info) }
        router.add(.get, "/v2/leader") { [unowned self] _ in self.json(.ok, .object([("leader", .string(self.address()))])) }
        router.add(.get, "/v2/apps") { [unowned self] request in self.listApps(request) }
        router.add(.post, "/v2/apps") { [unowned self] request in self.createApp(request) }
        router.add(.put, "/v2/apps") { [unowned self] request in self.bulkUpdate(request) }
        for method in [HTTPMethod.get, .put, .post, .delete] {
            router.add(method, "/v2/apps/*") { [unowned self] request in self.appRoute(request) }
        }
        router.add(.get, "/v2/tasks") { [unowned self] _ in
            self.json(.ok, .object([("tasks", .array(self.scheduler.tasks.values.sorted { $0.stagedAt < $1.stagedAt }
                .map(self.taskJSON)))]))
        }
        router.add(.post, "/v2/tasks/delete") { [unowned self] request in self.deleteTasks(request) }
        router.add(.get, "/v2/deployments") { [unowned self] _ in self.json(.ok, .array(self.scheduler.deployments.map(\.json))) }
        router.add(.delete, "/v2/deployments/*") { [unowned self] request in self.cancelDeployment(request) }
        router.add(.get, "/v2/queue") { [unowned self] _ in self.json(.ok, self.queue) }
        router.add(.delete, "/v2/queue/*") { [unowned self] request in
            let id = String(request.path.dropFirst("/v2/queue".count).replacingOccurrences(of: "/delay", with: ""))
            guard let app = AppID.normalize(id), self.scheduler.resetDelay(app) else {
                return self.error(.notFound, "App '\(id)' does not exist")
            }
            return HTTPResponse(status: .noContent)
        }
        router.add(.get, "/metrics") { [unowned self] _ in self.metrics.response }
        router.add(.get, "/openapi.json") { _ in HTTPResponse(status: .ok, contentType: "application/json", body: ServicesOpenAPI.document) }
        router.add(.get, "/v2/eventSubscriptions") { [unowned self] _ in self.json(.ok, .object([("callbackUrls", .array([]))])) }
        router.add(.get, "/v2/events") { [unowned self] request, responder in self.subscribeEvents(responder) }
        for method in [HTTPMethod.get, .post, .put, .delete] {
            router.add(method, "/v2/groups") { [unowned self] _ in self.error(.notImplemented, "App groups are not supported yet") }
            router.add(method, "/v2/groups/*") { [unowned self] _ in self.error(.notImplemented, "App groups are not supported yet") }
        }
    }

    // MARK: Helpers

    func json(_ status: HTTPStatus, _ value: JSONValue) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": "application/json"], body: value.serialized())
    }

    func error(_ status: HTTPStatus, _ message: String) -> HTTPResponse {
        json(status, .object([("message", .string(message))]))
    }

    private func body(_ request: HTTPRequest) throws(HTTPResponseError) -> JSONValue {
        do {
            return try JSONValue.parse(request.body)
        } catch {
            throw HTTPResponseError(response: json(.badRequest, .object([
                ("message", .string("Invalid JSON")), ("details", .array([.object([("path", .string("/")),
                ("errors", .array([.string("\(error)")]))])])),
            ])))
        }
    }

    private func flag(_ request: HTTPRequest, _ name: String) -> Bool {
        request.queryValue(name).map { $0.lowercased() == "true" } ?? false
    }

    private func status(of app: AppDefinition) -> AppStatus {
        var status = AppStatus()
        let checked = !app.healthChecks.isEmpty
        for task in scheduler.liveTasks(of: app.id) {
            if task.state == .running { status.running += 1 } else { status.staged += 1 }
            if checked && task.healthy == true { status.healthy += 1 }
            if checked && task.healthy == false { status.unhealthy += 1 }
        }
        status.deployments = scheduler.deployments.filter { $0.appID == app.id }.map(\.id)
        return status
    }

    private func render(_ app: AppDefinition, withTasks: Bool) -> JSONValue {
        let rendered = AppJSON.render(app, status: status(of: app), tasks: withTasks ? tasksJSON(app.id) : nil)
        guard case .object(let entries) = rendered, let failure = scheduler.lastTaskFailure[app.id] else { return rendered }
        return .object(entries + [("lastTaskFailure", failure)])
    }

    private func tasksJSON(_ id: String) -> [JSONValue] {
        scheduler.liveTasks(of: id).sorted { $0.stagedAt < $1.stagedAt }.map(taskJSON)
    }

    /// Marathon's task object, with its app's health checking and service ports.
    private func taskJSON(_ task: ServiceTask) -> JSONValue {
        let app = scheduler.apps[task.appID]
        return task.json(checked: !(app?.healthChecks.isEmpty ?? true), servicePorts: app.map(ServicePorts.of) ?? [])
    }

    private func deploymentAnswer(_ deployment: Deployment, status: HTTPStatus = .ok) -> HTTPResponse {
        json(status, .object([("deploymentId", .string(deployment.id)),
                              ("version", .string(MarathonDate.format(deployment.version)))]))
    }

    // MARK: Apps

    private func listApps(_ request: HTTPRequest) -> HTTPResponse {
        let embedTasks = request.query.contains { $0.name == "embed" && $0.value.hasSuffix("tasks") }
        let prefix = request.queryValue("id")
        let apps = scheduler.apps.values.filter { prefix == nil || $0.id.contains(prefix!) }.sorted { $0.id < $1.id }
        return json(.ok, .object([("apps", .array(apps.map { render($0, withTasks: embedTasks) }))]))
    }

    private func createApp(_ request: HTTPRequest) -> HTTPResponse {
        do {
            let app = try AppJSON.parse(try body(request))
            guard scheduler.apps[app.id] == nil else {
                return error(.conflict, "An app with id [\(app.id)] already exists.")
            }
            _ = try scheduler.put(app, action: .start)
            return json(.created, render(scheduler.apps[app.id]!, withTasks: false))
        } catch {
            return response(for: error)
        }
    }

    private func bulkUpdate(_ request: HTTPRequest) -> HTTPResponse {
        do {
            guard case .array(let items) = try body(request) else {
                return error(.badRequest, "Expecting a JSON array of apps")
            }
            var apps: [AppDefinition] = []
            for item in items {
                let id = item.stringValue("id").flatMap(AppID.normalize)
                apps.append(try AppJSON.parse(item, base: id.flatMap { scheduler.apps[$0] }))
            }
            var last: Deployment?
            for app in apps {
                let base = scheduler.apps[app.id]
                last = try scheduler.put(app, action: .changing(base, to: app))
            }
            guard let last else { return error(.badRequest, "No apps given") }
            return deploymentAnswer(last)
        } catch {
            return response(for: error)
        }
    }

    /// `/v2/apps/{id}[/restart|/tasks[/{taskId}]|/versions[/{version}]|/endpoints]`
    private func appRoute(_ request: HTTPRequest) -> HTTPResponse {
        var rest = String(request.path.dropFirst("/v2/apps".count))
        var suffix: [String] = []
        for keyword in ["restart", "tasks", "versions", "endpoints"] {
            if let range = rest.range(of: "/\(keyword)", options: .backwards),
               rest[range.upperBound...].isEmpty || rest[range.upperBound...].hasPrefix("/") {
                suffix = [keyword] + rest[range.upperBound...].split(separator: "/").map(String.init)
                rest = String(rest[..<range.lowerBound])
                break
            }
        }
        guard let id = AppID.normalize(rest) else { return error(.notFound, "App '\(rest)' does not exist") }
        do {
            switch (request.method, suffix.first, suffix.count) {
            case (.get, nil, _):
                guard let app = scheduler.apps[id] else { return error(.notFound, "App '\(id)' does not exist") }
                return json(.ok, .object([("app", render(app, withTasks: true))]))
            case (.put, nil, _):
                let base = scheduler.apps[id]
                if base != nil, !flag(request, "force"), scheduler.deployments.contains(where: { $0.appID == id }) {
                    return json(.conflict, .object([
                        ("message", .string("App is locked by one or more deployments. Override with the option '?force=true'.")),
                        ("deployments", .array(scheduler.deployments.filter { $0.appID == id }.map { .object([("id", .string($0.id))]) })),
                    ]))
                }
                let app = try AppJSON.parse(try body(request), id: id, base: base)
                return deploymentAnswer(try scheduler.put(app, action: .changing(base, to: app)), status: base == nil ? .created : .ok)
            case (.delete, nil, _):
                return deploymentAnswer(try scheduler.delete(id))
            case (.post, "restart", 1):
                return deploymentAnswer(try scheduler.restart(id))
            case (.get, "tasks", 1):
                guard scheduler.apps[id] != nil else { return error(.notFound, "App '\(id)' does not exist") }
                return json(.ok, .object([("tasks", .array(tasksJSON(id)))]))
            case (.delete, "tasks", 1):
                guard scheduler.apps[id] != nil else { return error(.notFound, "App '\(id)' does not exist") }
                let host = request.queryValue("host")
                let victims = scheduler.liveTasks(of: id).filter { host == nil || $0.host == host }
                let killed = try victims.map { try scheduler.killTask($0.id, scale: flag(request, "scale")) }
                return json(.ok, .object([("tasks", .array(killed.map(taskJSON)))]))
            case (.delete, "tasks", 2):
                guard scheduler.tasks[TaskID(suffix[1])]?.appID == id else {
                    return error(.notFound, "Task '\(suffix[1])' is not a task of \(id)")
                }
                let task = try scheduler.killTask(TaskID(suffix[1]), scale: flag(request, "scale"))
                return json(.ok, .object([("task", taskJSON(task))]))
            case (.get, "versions", 1):
                let versions = try scheduler.store.versions(of: id).map { JSONValue.string($0.0) }
                guard !versions.isEmpty else { return error(.notFound, "App '\(id)' does not exist") }
                return json(.ok, .object([("versions", .array(versions.reversed()))]))
            case (.get, "versions", 2):
                guard let version = try scheduler.store.versions(of: id).first(where: { $0.0 == suffix[1] }) else {
                    return error(.notFound, "App '\(id)' has no version \(suffix[1])")
                }
                var app = version.1
                app.version = MarathonDate.parse(version.0) ?? app.version
                return json(.ok, AppJSON.render(app, status: nil, tasks: nil))
            case (.get, "endpoints", 1):
                guard let app = scheduler.apps[id] else { return error(.notFound, "App '\(id)' does not exist") }
                let running = scheduler.liveTasks(of: id).filter { $0.state == .running }.sorted { $0.stagedAt < $1.stagedAt }
                if request.queryValue("format") == "json" || (request.headers["Accept"] ?? "").contains("application/json") {
                    return json(.ok, endpointsJSON(app, running))
                }
                let lines = running.flatMap { task in task.ports.map { "\(task.host):\($0)" } }
                return HTTPResponse(status: .ok, contentType: "text/plain", body: lines.map { $0 + "\n" }.joined())
            default:
                return error(.notFound, "No such endpoint: \(request.method) \(request.path)")
            }
        } catch {
            return response(for: error)
        }
    }

    /// Where an app's running instances are reached: per instance its addresses (its own address and container
    /// port on a container network, else its host and host port, one per declared port), host ports, service ports,
    /// state and health (null without health checks).
    private func endpointsJSON(_ app: AppDefinition, _ running: [ServiceTask]) -> JSONValue {
        let servicePorts = ServicePorts.of(app)
        let checked = !app.healthChecks.isEmpty
        let mappings = app.container?.portMappings ?? []
        return .object([
            ("app", .string(app.id)),
            ("servicePorts", .array(servicePorts.map { .integer($0) })),
            ("endpoints", .array(running.map { task in
                let declared = app.environmentPorts(hostPorts: task.ports)
                let addresses: [String] = declared.indices.map { index in
                    if app.networks != .host, let ip = task.containerAddresses.first, index < mappings.count, mappings[index].containerPort > 0 {
                        return "\(ip):\(mappings[index].containerPort)"
                    }
                    return "\(task.host):\(declared[index])"
                }
                return .object([
                    ("taskId", .string(task.id.value)), ("host", .string(task.host)),
                    ("ipAddresses", .array((task.containerAddresses.isEmpty ? [task.host] : task.containerAddresses).map { .string($0) })),
                    ("addresses", .array(addresses.map { .string($0) })),
                    ("ports", .array(task.ports.map { .integer($0) })),
                    ("servicePorts", .array(servicePorts.map { .integer($0) })),
                    ("state", .string(task.shownState.rawValue)),
                    ("healthy", checked ? task.healthy.map { .bool($0) } ?? .null : .null),
                ])
            })),
        ])
    }

    private func deleteTasks(_ request: HTTPRequest) -> HTTPResponse {
        do {
            let ids = try body(request).list("ids").compactMap(\.string)
            let killed = try ids.map { try scheduler.killTask(TaskID($0), scale: flag(request, "scale")) }
            return json(.ok, .object([("tasks", .array(killed.map(taskJSON)))]))
        } catch {
            return response(for: error)
        }
    }

    private func cancelDeployment(_ request: HTTPRequest) -> HTTPResponse {
        let id = String(request.path.dropFirst("/v2/deployments/".count))
        do {
            if let rollback = try scheduler.cancel(deployment: id, force: flag(request, "force")) {
                return deploymentAnswer(rollback)
            }
            return HTTPResponse(status: .accepted)
        } catch {
            return response(for: error)
        }
    }

    private func response(for error: Error) -> HTTPResponse {
        switch error {
        case let invalid as AppValidationError: return json(.unprocessableEntity, invalid.json)
        case let answer as HTTPResponseError: return answer.response
        case ServiceError.notFound(let message): return self.error(.notFound, message)
        case ServiceError.conflict(let message): return self.error(.conflict, message)
        default: return self.error(.internalServerError, "\(error)")
        }
    }

    // MARK: Queue, info, events

    private var queue: JSONValue {
        let pending = scheduler.pendingLaunches()
        var items: [JSONValue] = []
        for (id, app) in scheduler.apps.sorted(by: { $0.key < $1.key }) {
            let missing = app.instances - scheduler.liveTasks(of: id).filter { $0.version == app.version && !$0.killing }.count
            guard missing > 0 else { continue }
            let wait = scheduler.backoff[id].map { max(0, $0.until.timeIntervalSinceNow) } ?? 0
            let stats = scheduler.launchStats[id] ?? LaunchStats()
            items.append(.object([
                ("app", render(app, withTasks: false)),
                ("count", .integer(missing)),
                ("delay", .object([("timeLeftSeconds", JSONValue.double(wait.rounded(.up)) ?? .null),
                                   ("overdue", .bool(pending[id] != nil && wait == 0))])),
                ("since", .string(MarathonDate.format(app.version))),
                ("processedOffersSummary", .object([
                    ("processedOffersCount", .integer(stats.offersSeen)),
                    ("unusedOffersCount", .integer(stats.offersSeen)),
                    ("rejectSummaryLastOffers", .array(stats.rejections.sorted { $0.key < $1.key }.map { reason, count in
                        .object([("reason", .string(reason)), ("declined", .integer(count)), ("processed", .integer(stats.offersSeen))])
                    })),
                ])),
            ]))
        }
        return .object([("queue", .array(items))])
    }

    private var metrics: PrometheusText {
        var out = PrometheusText()
        out.add("agora_services_apps", .gauge, "Apps defined.", Double(scheduler.apps.count))
        out.add("agora_services_instances_wanted", .gauge, "Instances the apps ask for.",
                Double(scheduler.apps.values.reduce(0) { $0 + $1.instances }))
        var byState: [String: Int] = [:]
        for task in scheduler.tasks.values { byState[task.state.rawValue, default: 0] += 1 }
        out.add("agora_services_tasks", .gauge, "Instances by state.",
                TaskState.allCases.map { ("state=\"\($0.rawValue)\"", Double(byState[$0.rawValue] ?? 0)) })
        out.add("agora_services_tasks_healthy", .gauge, "Instances reported healthy.",
                Double(scheduler.tasks.values.filter { $0.healthy == true }.count))
        out.add("agora_services_deployments", .gauge, "Deployments in progress.", Double(scheduler.deployments.count))
        out.add("agora_services_instances_waiting", .gauge, "Instances not yet launched.",
                Double(scheduler.pendingLaunches().values.reduce(0, +)))
        out.addFrameworkHealth(prefix: "agora_services", skippedRows: scheduler.store.skippedRows.count,
                               failedWrites: scheduler.store.db.failedWrites,
                               groupedWrites: scheduler.store.db.groupedWrites, commits: scheduler.store.db.commits,
                               authRefusals: gate.refusals,
                               terminalUpdates: (scheduler.client?.terminalUpdates.total ?? 0,
                                                 scheduler.client?.terminalUpdates.repeated ?? 0))
        return out
    }

    private var info: JSONValue {
        .object([
            ("name", .string("agora-services")),
            ("version", .string("1.11.0")),
            ("elected", .bool(true)),
            ("leader", .string(address())),
            ("frameworkId", scheduler.store.frameworkID.map { .string($0.value) } ?? .null),
            ("http_config", .object([("http_port", .integer(Int(address().split(separator: ":").last ?? "8080") ?? 8080))])),
            ("marathon_config", .object([("framework_name", .string("agora-services")), ("master", .string("agora"))])),
            ("zookeeper_config", .object([])),
            ("event_subscriber", .null),
        ])
    }

    private func subscribeEvents(_ responder: HTTPResponder) {
        let stream = responder.startStream(headers: ["Content-Type": "text/event-stream", "Cache-Control": "no-cache"])
        let key = ObjectIdentifier(stream)
        eventStreams[key] = stream
        stream.onClose = { [weak self] in self?.eventStreams[key] = nil }
        stream.write(Array(": agora-services events\n\n".utf8))
    }

    private func broadcast(_ type: String, _ payload: JSONValue) {
        guard case .object(var entries) = payload else { return }
        entries.append(("eventType", .string(type)))
        entries.append(("timestamp", .string(MarathonDate.format(scheduler.now))))
        let frame = Array("event: \(type)\ndata: \(JSONValue.object(entries).text)\n\n".utf8)
        for stream in eventStreams.values { stream.write(frame) }
    }

    func close() {
        for stream in eventStreams.values { stream.finish() }
        eventStreams.removeAll()
    }
}

/// A ready response thrown out of request parsing.
struct HTTPResponseError: Error {
    let response: HTTPResponse
}

extension JSONValue {
    func list(_ key: String) -> [JSONValue] {
        if case .array(let items)? = self[key] { return items }
        return []
    }
}
