import AgoraAuth
import AgoraHTTP
import AgoraWire
import Foundation

/// The Chronos-compatible REST API (with and without the `/v1` prefix).
final class CronAPI {
    let scheduler: CronScheduler
    let gate: AuthGate
    let address: () -> String

    init(scheduler: CronScheduler, gate: AuthGate, address: @escaping () -> String) {
        self.scheduler = scheduler
        self.gate = gate
        self.address = address
    }

    func install(_ router: Router) {
        for prefix in ["", "/v1"] {
            router.add(.get, prefix + "/scheduler/jobs") { [unowned self] _ in self.json(.array(self.jobsJSON())) }
            router.add(.get, prefix + "/scheduler/jobs/search") { [unowned self] request in self.search(request) }
            router.add(.post, prefix + "/scheduler/iso8601") { [unowned self] request in self.add(request, dependent: false) }
            router.add(.post, prefix + "/scheduler/dependency") { [unowned self] request in self.add(request, dependent: true) }
            router.add(.put, prefix + "/scheduler/iso8601") { [unowned self] request in self.add(request, dependent: false) }
            router.add(.put, prefix + "/scheduler/dependency") { [unowned self] request in self.add(request, dependent: true) }
            for method in [HTTPMethod.get, .put, .delete] {
                router.add(method, prefix + "/scheduler/job/*") { [unowned self] request in self.jobRoute(request, prefix: prefix) }
            }
            router.add(.delete, prefix + "/scheduler/task/kill/*") { [unowned self] request in
                self.attempt { try self.withJob(request, after: "/scheduler/task/kill/", prefix: prefix) { self.scheduler.killRuns(of: $0) } }
            }
            router.add(.put, prefix + "/scheduler/task/*") { [unowned self] request in self.asyncResult(request, prefix: prefix) }
            router.add(.get, prefix + "/scheduler/graph/dot") { [unowned self] _ in
                HTTPResponse(status: .ok, contentType: "text/vnd.graphviz", body: self.dot)
            }
            router.add(.get, prefix + "/scheduler/graph/csv") { [unowned self] _ in
                HTTPResponse(status: .ok, contentType: "text/csv", body: self.csv)
            }
            router.add(.get, prefix + "/scheduler/stats/*") { [unowned self] request in self.stats(request) }
            router.add(.get, prefix + "/scheduler/leader") { [unowned self] _ in self.json(.object([("leader", .string(self.address()))])) }
        }
        router.add(.get, "/leader") { [unowned self] _ in self.json(.object([("leader", .string(self.address()))])) }
        router.add(.get, "/ping") { _ in HTTPResponse(status: .ok, contentType: "text/plain", body: "pong") }
        router.add(.get, "/metrics") { [unowned self] _ in self.metrics.response }
        router.add(.get, "/openapi.json") { _ in HTTPResponse(status: .ok, contentType: "application/json", body: CronOpenAPI.document) }
    }

    // MARK: Helpers

    private func json(_ value: JSONValue, _ status: HTTPStatus = .ok) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": "application/json"], body: value.serialized())
    }

    private func attempt(_ body: () throws -> Void) -> HTTPResponse {
        do {
            try body()
            return HTTPResponse(status: .noContent)
        } catch {
            return failure(error)
        }
    }

    private func failure(_ error: Error) -> HTTPResponse {
        switch error {
        case JobError.notFound(let message): return .error(.notFound, message)
        case JobError.invalid(let message): return .error(.badRequest, message)
        default: return .error(.internalServerError, "\(error)")
        }
    }

    private func name(_ request: HTTPRequest, after marker: String, prefix: String) -> String {
        String(request.path.dropFirst((prefix + marker).count)).removingPercentEncoding ?? ""
    }

    private func withJob(_ request: HTTPRequest, after marker: String, prefix: String, _ body: (String) throws -> Void) throws {
        let job = name(request, after: marker, prefix: prefix)
        guard scheduler.jobs[job] != nil else { throw JobError.notFound("job '\(job)' does not exist") }
        try body(job)
    }

    private func jobsJSON(_ filter: (Job) -> Bool = { _ in true }) -> [JSONValue] {
        scheduler.jobs.values.filter(filter).sorted { $0.name < $1.name }.map { JobJSON.render($0, state: scheduler.states[$0.name]) }
    }

    // MARK: Routes

    private func add(_ request: HTTPRequest, dependent: Bool) -> HTTPResponse {
        attempt {
            guard let body = try? JSONValue.parse(request.body) else { throw JobError.invalid("the body is not valid JSON") }
            try scheduler.put(try JobJSON.parse(body, dependent: dependent, now: scheduler.now))
        }
    }

    private func search(_ request: HTTPRequest) -> HTTPResponse {
        let name = request.queryValue("name")?.lowercased()
        let command = request.queryValue("command")?.lowercased()
        let any = request.queryValue("any")?.lowercased()
        return json(.array(jobsJSON { job in
            (name.map { job.name.lowercased().contains($0) } ?? true)
                && (command.map { job.command.lowercased().contains($0) } ?? true)
                && (any.map { job.name.lowercased().contains($0) || job.command.lowercased().contains($0)
                    || job.description.lowercased().contains($0) } ?? true)
        }))
    }

    /// `/scheduler/job/{name}` (PUT runs now, DELETE removes), `/success/{name}`, `/stat/{name}`, `/{name}/runs`.
    private func jobRoute(_ request: HTTPRequest, prefix: String) -> HTTPResponse {
        let rest = name(request, after: "/scheduler/job/", prefix: prefix)
        do {
            if rest.hasPrefix("success/"), request.method == .put {
                try scheduler.markSuccess(String(rest.dropFirst("success/".count)))
                return HTTPResponse(status: .noContent)
            }
            if rest.hasPrefix("stat/"), request.method == .get { return try jobStat(String(rest.dropFirst("stat/".count))) }
            if rest.hasSuffix("/runs"), request.method == .get {
                let job = String(rest.dropLast("/runs".count))
                guard scheduler.jobs[job] != nil else { throw JobError.notFound("job '\(job)' does not exist") }
                return json(.array(try scheduler.store.runs(job: job).map(\.json)))
            }
            switch request.method {
            case .put: try scheduler.runNow(rest)
            case .delete: try scheduler.delete(rest)
            case .get:
                guard let job = scheduler.jobs[rest] else { throw JobError.notFound("job '\(rest)' does not exist") }
                return json(JobJSON.render(job, state: scheduler.states[rest]))
            default: return .error(.methodNotAllowed, "\(request.method) is not allowed here")
            }
            return HTTPResponse(status: .noContent)
        } catch {
            return failure(error)
        }
    }

    private func asyncResult(_ request: HTTPRequest, prefix: String) -> HTTPResponse {
        attempt {
            let task = name(request, after: "/scheduler/task/", prefix: prefix)
            guard let body = try? JSONValue.parse(request.body),
                  let code = try? body.integer("statusCode", in: Int(Int32.min)...Int(Int32.max), acceptingStrings: true) else {
                throw JobError.invalid("expecting {\"statusCode\": n} with a whole number n that fits 32 bits")
            }
            try scheduler.asyncResult(task: task, statusCode: code)
        }
    }

    // MARK: Statistics and graphs

    private func durations(_ job: String) throws -> [Double] {
        try scheduler.store.runs(job: job, outcomes: [.succeeded]).compactMap { run in
            guard let started = run.started, let ended = run.ended else { return nil }
            return ended.timeIntervalSince(started)
        }.sorted()
    }

    private static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        return sorted[min(sorted.count - 1, Bounds.clampedInt(Double(sorted.count - 1) * p))]
    }

    private func jobStat(_ job: String) throws -> HTTPResponse {
        guard scheduler.jobs[job] != nil else { throw JobError.notFound("job '\(job)' does not exist") }
        let times = try durations(job)
        let mean = times.isEmpty ? 0 : times.reduce(0, +) / Double(times.count)
        let history = try scheduler.store.runs(job: job).suffix(20).map { run -> JSONValue in
            .object([
                ("taskId", .string(run.taskID ?? "")), ("jobName", .string(job)), ("slaveId", .string(run.agent ?? "")),
                ("taskState", .string(run.outcome.rawValue)),
                ("elapsedTime", JSONValue.double(run.ended.flatMap { end in run.started.map { end.timeIntervalSince($0) } } ?? 0) ?? .null),
            ])
        }
        return json(.object([
            ("histogram", .object([
                ("median", JSONValue.double(Self.percentile(times, 0.5)) ?? .null),
                ("75thPercentile", JSONValue.double(Self.percentile(times, 0.75)) ?? .null),
                ("95thPercentile", JSONValue.double(Self.percentile(times, 0.95)) ?? .null),
                ("98thPercentile", JSONValue.double(Self.percentile(times, 0.98)) ?? .null),
                ("99thPercentile", JSONValue.double(Self.percentile(times, 0.99)) ?? .null),
                ("mean", JSONValue.double(mean) ?? .null),
                ("count", .integer(times.count)),
            ])),
            ("taskStatHistory", .array(history)),
        ]))
    }

    private func stats(_ request: HTTPRequest) -> HTTPResponse {
        let which = String(request.path.split(separator: "/").last ?? "")
        let points = ["99thPercentile": 0.99, "98thPercentile": 0.98, "95thPercentile": 0.95, "75thPercentile": 0.75, "median": 0.5]
        guard points[which] != nil || which == "mean" else {
            return .error(.badRequest, "unknown statistic '\(which)'; use 99thPercentile, 98thPercentile, 95thPercentile, 75thPercentile, median or mean")
        }
        let rows: [JSONValue] = scheduler.jobs.keys.sorted().compactMap { job in
            guard let times = try? durations(job), !times.isEmpty else { return nil }
            let value = which == "mean" ? times.reduce(0, +) / Double(times.count) : Self.percentile(times, points[which]!)
            return .object([("jobNameLabel", .string(job)), ("time", JSONValue.double(value) ?? .null)])
        }
        return json(.array(rows))
    }

    private var dot: String {
        var lines = ["digraph G {"]
        for job in JobGraph.order(scheduler.jobs.mapValues(\.parents)) {
            lines.append("  \"\(job)\";")
            for parent in scheduler.jobs[job]?.parents ?? [] { lines.append("  \"\(parent)\" -> \"\(job)\";") }
        }
        return (lines + ["}"]).joined(separator: "\n") + "\n"
    }

    /// Chronos' CSV: `node,<name>,<success|failure|fresh>,<idle|queued|running>` and `link,<parent>,<child>`.
    private var csv: String {
        var lines: [String] = []
        for name in JobGraph.order(scheduler.jobs.mapValues(\.parents)) {
            let state = scheduler.states[name]
            let last = state?.lastSuccess.map { success in state?.lastError.map { $0 > success ? "failure" : "success" } ?? "success" }
                ?? (state?.lastError != nil ? "failure" : "fresh")
            let activity = scheduler.running.values.contains { $0.job == name } ? "running"
                : scheduler.pending.contains { $0.job == name } ? "queued" : "idle"
            lines.append("node,\(name),\(last),\(activity)")
            for parent in scheduler.jobs[name]?.parents ?? [] { lines.append("link,\(parent),\(name)") }
        }
        return lines.map { $0 + "\n" }.joined()
    }

    private var metrics: PrometheusText {
        var out = PrometheusText()
        out.add("agora_cron_jobs", .gauge, "Jobs defined.", Double(scheduler.jobs.count))
        out.add("agora_cron_runs_pending", .gauge, "Runs waiting for resources.", Double(scheduler.pending.count))
        out.add("agora_cron_runs_running", .gauge, "Runs with a task.", Double(scheduler.running.count))
        out.add("agora_cron_successes_total", .counter, "Successful job runs.",
                Double(scheduler.states.values.reduce(0) { $0 + $1.successCount }))
        out.add("agora_cron_errors_total", .counter, "Job runs that failed after their retries.",
                Double(scheduler.states.values.reduce(0) { $0 + $1.errorCount }))
        out.addFrameworkHealth(prefix: "agora_cron", skippedRows: scheduler.store.skippedRows.count,
                               failedWrites: scheduler.store.db.failedWrites,
                               groupedWrites: scheduler.store.db.groupedWrites, commits: scheduler.store.db.commits,
                               authRefusals: gate.refusals,
                               terminalUpdates: (scheduler.client?.terminalUpdates.total ?? 0,
                                                 scheduler.client?.terminalUpdates.repeated ?? 0))
        return out
    }
}
