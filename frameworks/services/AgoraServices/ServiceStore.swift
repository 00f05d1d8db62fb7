import AgoraStore
import AgoraWire
import Foundation

/// The services framework's state in SQLite: framework id, apps and their versions, tasks.
final class ServiceStore {
    /// The database (its write statistics go to `/metrics`).
    let db: SQLiteDatabase
    /// Stored rows that no longer pass validation: skipped when loading, each described once.
    private(set) var skippedRows: [String] = []

    init(path: String) throws {
        db = try SQLiteDatabase(path: path)
        try db.execute("CREATE TABLE IF NOT EXISTS apps (id TEXT PRIMARY KEY, json TEXT NOT NULL)")
        try db.execute("""
            CREATE TABLE IF NOT EXISTS app_versions (id TEXT NOT NULL, version TEXT NOT NULL, json TEXT NOT NULL,
            PRIMARY KEY (id, version))
            """)
        try db.execute("""
            CREATE TABLE IF NOT EXISTS tasks (id TEXT PRIMARY KEY, app_id TEXT NOT NULL, version TEXT NOT NULL,
            agent_id TEXT NOT NULL, host TEXT NOT NULL, ports TEXT NOT NULL, state TEXT NOT NULL, staged_at REAL NOT NULL,
            started_at REAL, healthy INTEGER, killing INTEGER NOT NULL DEFAULT 0)
            """)
        try db.execute("""
            CREATE TABLE IF NOT EXISTS deployments (id TEXT PRIMARY KEY, app_id TEXT NOT NULL, version TEXT NOT NULL,
            action TEXT NOT NULL, previous TEXT)
            """)
    }

    func save(_ deployment: Deployment) {
        let previous = deployment.previous.map { AppJSON.render($0, status: nil, tasks: nil).text }
        db.write("INSERT OR REPLACE INTO deployments VALUES (?, ?, ?, ?, ?)", [
            .text(deployment.id), .text(deployment.appID), .text(MarathonDate.format(deployment.version)),
            .text(deployment.action.rawValue), previous.map { .text($0) } ?? .null,
        ])
    }

    func delete(deployment id: String) {
        db.write("DELETE FROM deployments WHERE id = ?", [.text(id)])
    }

    func deployments() throws -> [Deployment] {
        try db.execute("SELECT * FROM deployments ORDER BY version").compactMap { row in
            guard let id = row["id"]?.text, let app = row["app_id"]?.text, let action = row["action"]?.text.flatMap(DeploymentAction.init(rawValue:)),
                  let version = row["version"]?.text.flatMap(MarathonDate.parse) else { return nil }
            return Deployment(id: id, appID: app, version: version, action: action,
                              previous: decodeOrSkip(row["previous"]?.text, row: "deployment \(id)"))
        }
    }

    /// The id the master gave this framework, kept for resubscription after a restart.
    var frameworkID: FrameworkID? {
        get { db.setting("framework_id").map { FrameworkID($0) } }
        set { if let newValue { db.writeSetting("framework_id", newValue.value) } }
    }

    func save(_ app: AppDefinition) throws {
        let json = AppJSON.render(app, status: nil, tasks: nil).text
        try db.transaction {
            try db.execute("INSERT OR REPLACE INTO apps VALUES (?, ?)", [.text(app.id), .text(json)])
            try db.execute("INSERT OR REPLACE INTO app_versions VALUES (?, ?, ?)",
                           [.text(app.id), .text(MarathonDate.format(app.version)), .text(json)])
        }
    }

    func delete(app id: String) throws {
        try db.execute("DELETE FROM apps WHERE id = ?", [.text(id)])
    }

    func apps() throws -> [AppDefinition] {
        try db.execute("SELECT id, json FROM apps").compactMap { row in
            decodeOrSkip(row["json"]?.text, row: "app \(row["id"]?.text ?? "?")")
        }
    }

    func versions(of id: String) throws -> [(String, AppDefinition)] {
        try db.execute("SELECT version, json FROM app_versions WHERE id = ? ORDER BY version", [.text(id)]).compactMap { row in
            guard let version = row["version"]?.text,
                  let app = decodeOrSkip(row["json"]?.text, row: "app \(id) version \(version)") else { return nil }
            return (version, app)
        }
    }

    /// A stored app checked again as if it came from the API; a row that fails is skipped and remembered.
    private func decodeOrSkip(_ text: String?, row: String) -> AppDefinition? {
        guard let text else { return nil }
        do {
            let json = try JSONValue.parse(text)
            var app = try AppJSON.parse(json)
            if let version = json.stringValue("version").flatMap(MarathonDate.parse) { app.version = version }
            return app
        } catch let error as AppValidationError {
            skippedRows.append("\(row): " + error.details.map { "\($0.path) \($0.error)" }.joined(separator: "; "))
        } catch {
            skippedRows.append("\(row): \(error)")
        }
        return nil
    }

    func save(_ task: ServiceTask) {
        db.write("INSERT OR REPLACE INTO tasks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
            .text(task.id.value), .text(task.appID), .text(MarathonDate.format(task.version)), .text(task.agentID.value),
            .text(task.host), .text(task.ports.map(String.init).joined(separator: ",")), .text(task.state.rawValue),
            .real(task.stagedAt.timeIntervalSince1970), task.startedAt.map { .real($0.timeIntervalSince1970) } ?? .null,
            task.healthy.map { .integer($0 ? 1 : 0) } ?? .null, .integer(task.killing ? 1 : 0),
        ])
    }

    func delete(task id: TaskID) {
        db.write("DELETE FROM tasks WHERE id = ?", [.text(id.value)])
    }

    func tasks() throws -> [ServiceTask] {
        try db.execute("SELECT * FROM tasks").compactMap { row in
            guard let id = row["id"]?.text, let app = row["app_id"]?.text,
                  let version = row["version"]?.text.flatMap(MarathonDate.parse), let agent = row["agent_id"]?.text,
                  let host = row["host"]?.text, let state = row["state"]?.text.flatMap(TaskState.init(rawValue:)),
                  case .real(let staged)? = row["staged_at"] else { return nil }
            let ports = (row["ports"]?.text ?? "").split(separator: ",").compactMap { UInt64($0) }
            let task = ServiceTask(id: TaskID(id), appID: app, version: version, agentID: AgentID(agent), host: host,
                                   ports: ports, stagedAt: Date(timeIntervalSince1970: staged), state: state)
            if case .real(let started)? = row["started_at"] { task.startedAt = Date(timeIntervalSince1970: started) }
            if case .integer(let healthy)? = row["healthy"] { task.healthy = healthy != 0 }
            task.killing = row["killing"] == .integer(1)
            return task
        }
    }
}
