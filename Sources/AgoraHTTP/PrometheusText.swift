/// Builds a Prometheus text exposition (`GET /metrics`): one HELP/TYPE header per metric, then its samples.
public struct PrometheusText {
    /// Prometheus metric kinds.
    public enum Kind: String {
        case counter, gauge
    }

    public private(set) var text = ""

    public init() {}

    /// Adds a metric; each sample is a label set (`state="running"`, or empty) and a value.
    public mutating func add(_ name: String, _ kind: Kind, _ help: String, _ samples: [(labels: String, value: Double)]) {
        text += "# HELP \(name) \(help)\n# TYPE \(name) \(kind.rawValue)\n"
        for sample in samples {
            let value = sample.value == sample.value.rounded() && abs(sample.value) < 1e15
                ? String(Int64(exactly: sample.value) ?? 0) : String(sample.value)
            text += sample.labels.isEmpty ? "\(name) \(value)\n" : "\(name){\(sample.labels)} \(value)\n"
        }
    }

    /// Adds a metric with one unlabelled value.
    public mutating func add(_ name: String, _ kind: Kind, _ help: String, _ value: Double) {
        add(name, kind, help, [("", value)])
    }

    /// The response serving this exposition.
    public var response: HTTPResponse {
        HTTPResponse(status: .ok, contentType: "text/plain; version=0.0.4", body: text)
    }
}

extension PrometheusText {
    /// The counters every framework daemon keeps about itself: stored rows skipped at start because they no longer
    /// validate, state writes that failed, grouped writes and their commits (one fsync each), and API requests refused
    /// for want of credentials.
    public mutating func addFrameworkHealth(prefix: String, skippedRows: Int, failedWrites: Int, groupedWrites: Int,
                                            commits: Int, authRefusals: Int, terminalUpdates: (total: Int, repeated: Int)) {
        add("\(prefix)_terminal_updates_total", .counter, "Terminal task updates received from the master.",
            Double(terminalUpdates.total))
        add("\(prefix)_terminal_updates_repeated_total", .counter,
            "Terminal updates for a task whose end had already been received.", Double(terminalUpdates.repeated))
        add("\(prefix)_stored_rows_skipped", .counter, "Stored rows skipped at start because they no longer validate.",
            Double(skippedRows))
        add("\(prefix)_store_write_failures_total", .counter, "State writes that failed (each is logged).", Double(failedWrites))
        add("\(prefix)_store_grouped_writes_total", .counter, "State writes committed in groups, one group per loop turn.",
            Double(groupedWrites))
        add("\(prefix)_store_commits_total", .counter, "Commits of grouped writes (one fsync each).", Double(commits))
        add("\(prefix)_auth_failures_total", .counter, "API requests refused for want of credentials.", Double(authRefusals))
    }
}
