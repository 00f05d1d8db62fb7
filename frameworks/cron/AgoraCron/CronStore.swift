import AgoraStore
import AgoraWire
import Foundation

/// Where a run is in its life, or how it ended.
public enum RunOutcome: String, Sendable, CaseIterable {
    /// Waiting for an offer.
    case pending
    /// Its task runs.
    case running
    /// An async job's task finished; the job reports its result itself.
    case awaiting
    case succeeded
    case failed
    /// It did not start within epsilon (or was due while the framework was down).
    case missed
    /// Killed before it ended by itself.
    case killed
}

/// One run of a job: when it was due, when it started and ended, where, and how it ended.
public struct JobRun: Sendable {
    public var id: String
    public var job: String
    public var scheduled: Date
    public var attempt: Int
    public var taskID: String?
    public var started: Date?
    public var ended: Date?
    public var agent: String?
    public var outcome: RunOutcome
    public var exitStatus: Int?
    public var sandbox: String?

    var json: JSONValue {
        .object([
            ("id", .string(id)), ("job", .string(job)), ("scheduled", .string(JobJSON.format(scheduled))),
            ("attempt", .integer(attempt)), ("taskId", taskID.map { .string($0) } ?? .null),
            ("started", started.map { .string(JobJSON.format($0)) } ?? .null),
            ("ended", ended.map { .string(JobJSON.format($0)) } ?? .null),
            ("agent", agent.map { .string($0) } ?? .null), ("outcome", .string(outcome.rawValue)),
            ("exitStatus", exitStatus.map { .integer($0) } ?? .null), ("sandbox", sandbox.map { .string($0) } ?? .null),
        ])
    }
}

/// The cron framework's state in SQLite: framework id, jobs, their counters, and every run.
final class CronStore {
    /// The database (its write statistics go to `/metrics`).
    let db: SQLiteDatabase
    /// Stored jobs that no longer pass validation: skipped when loading, each described once.
    private(set) var skippedRows: [String] = []

    init(path: String) throws {
        db = try SQLiteDatabase(path: path)
        try db.execute("CREATE TABLE IF NOT EXISTS jobs (name TEXT PRIMARY KEY, json TEXT NOT NULL)")
        try db.execute("""
            CREATE TABLE IF NOT EXISTS job_state (name TEXT PRIMARY KEY, success_count INTEGER, error_count INTEGER,
            errors_since_success INTEGER, last_success REAL, last_error REAL, last_run_start REAL, next_scheduled REAL)
            """)
        try db.execute("""
            CREATE TABLE IF NOT EXISTS runs (id TEXT PRIMARY KEY, job TEXT NOT NULL, scheduled REAL NOT NULL,
            attempt INTEGER NOT NULL, task_id TEXT, started REAL, ended REAL, agent TEXT, outcome TEXT NOT NULL,
            exit_status INTEGER, sandbox TEXT)
            """)
    }

    /// The id the master gave this framework, kept for resubscription after a restart.
    var frameworkID: FrameworkID? {
        get { db.setting("framework_id").map { FrameworkID($0) } }
        set { if let newValue { db.writeSetting("framework_id", newValue.value) } }
    }

    func save(_ job: Job) throws {
        try db.execute("INSERT OR REPLACE INTO jobs VALUES (?, ?)", [.text(job.name), .text(JobJSON.render(job, state: nil).text)])
    }

    func delete(job name: String) throws {
        try db.transaction {
            try db.execute("DELETE FROM jobs WHERE name = ?", [.text(name)])
            try db.execute("DELETE FROM job_state WHERE name = ?", [.text(name)])
        }
    }

    /// Every stored job that still validates (`now` as for `JobJSON.parse`).
    func jobs(now: Date) throws -> [Job] {
        try db.execute("SELECT name, json FROM jobs").compactMap { row in
            let name = row["name"]?.text ?? "?"
            do {
                return try JobJSON.parse(JSONValue.parse(row["json"]?.text ?? ""), dependent: nil, now: now)
            } catch let error as JobError {
                skippedRows.append("job \(name): \(error.message)")
            } catch {
                skippedRows.append("job \(name): \(error)")
            }
            return nil
        }
    }

    func save(_ state: JobState, for name: String) {
        func time(_ date: Date?) -> SQLValue { date.map { .real($0.timeIntervalSince1970) } ?? .null }
        db.write("INSERT OR REPLACE INTO job_state VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [
            .text(name), .integer(Int64(state.successCount)), .integer(Int64(state.errorCount)),
            .integer(Int64(state.errorsSinceLastSuccess)), time(state.lastSuccess), time(state.lastError),
            time(state.lastRunStart), time(state.nextScheduled),
        ])
    }

    func states() throws -> [String: JobState] {
        var out: [String: JobState] = [:]
        func time(_ value: SQLValue?) -> Date? { if case .real(let seconds)? = value { Date(timeIntervalSince1970: seconds) } else { nil } }
        for row in try db.execute("SELECT * FROM job_state") {
            guard let name = row["name"]?.text else { continue }
            var state = JobState()
            state.successCount = Int(row["success_count"]?.integer ?? 0)
            state.errorCount = Int(row["error_count"]?.integer ?? 0)
            state.errorsSinceLastSuccess = Int(row["errors_since_success"]?.integer ?? 0)
            state.lastSuccess = time(row["last_success"])
            state.lastError = time(row["last_error"])
            state.lastRunStart = time(row["last_run_start"])
            state.nextScheduled = time(row["next_scheduled"])
            out[name] = state
        }
        return out
    }

    func save(_ run: JobRun) {
        func time(_ date: Date?) -> SQLValue { date.map { .real($0.timeIntervalSince1970) } ?? .null }
        db.write("INSERT OR REPLACE INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
            .text(run.id), .text(run.job), .real(run.scheduled.timeIntervalSince1970), .integer(Int64(run.attempt)),
            run.taskID.map { .text($0) } ?? .null, time(run.started), time(run.ended), run.agent.map { .text($0) } ?? .null,
            .text(run.outcome.rawValue), run.exitStatus.map { .integer(Int64($0)) } ?? .null, run.sandbox.map { .text($0) } ?? .null,
        ])
    }

    func runs(job: String? = nil, outcomes: [RunOutcome]? = nil) throws -> [JobRun] {
        var sql = "SELECT * FROM runs"
        var parameters: [SQLValue] = []
        var conditions: [String] = []
        if let job {
            conditions.append("job = ?")
            parameters.append(.text(job))
        }
        if let outcomes {
            conditions.append("outcome IN (" + outcomes.map { _ in "?" }.joined(separator: ",") + ")")
            parameters += outcomes.map { .text($0.rawValue) }
        }
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        sql += " ORDER BY scheduled, attempt"
        func time(_ value: SQLValue?) -> Date? { if case .real(let seconds)? = value { Date(timeIntervalSince1970: seconds) } else { nil } }
        return try db.execute(sql, parameters).compactMap { row in
            guard let id = row["id"]?.text, let job = row["job"]?.text, let scheduled = time(row["scheduled"]),
                  let outcome = row["outcome"]?.text.flatMap(RunOutcome.init(rawValue:)) else { return nil }
            return JobRun(id: id, job: job, scheduled: scheduled, attempt: Int(row["attempt"]?.integer ?? 1),
                          taskID: row["task_id"]?.text, started: time(row["started"]), ended: time(row["ended"]),
                          agent: row["agent"]?.text, outcome: outcome, exitStatus: row["exit_status"]?.integer.map { Int($0) },
                          sandbox: row["sandbox"]?.text)
        }
    }
}
