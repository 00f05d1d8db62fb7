import AgoraRuntime
import AgoraStore
import AgoraWire
import Foundation

/// Who has been admitted: agents and frameworks, kept in SQLite so a restarted master knows who
/// may come back (and with which framework info) before they reconnect.
final class Registrar {
    /// Stored rows that no longer decode or validate: skipped when loading, each described once.
    private(set) var skippedRows: [String] = []
    private let db: SQLiteDatabase

    /// Writes that failed, for `/metrics`; `groupWrites` says each one as it happens.
    var failedWrites: Int { db.failedWrites }

    /// The admissions of one loop turn of `clock` are committed together after it: 10,000 agents coming back after
    /// a restart made two fsyncs each, and the master waited on the disk for most of the ten seconds. A failed write
    /// goes to `log`.
    func groupWrites(on clock: any LoopClock, log: @escaping (String) -> Void) {
        db.groupWrites(on: clock, log: log)
    }

    /// Commits the open group now (the master is stopping).
    func commitPending() {
        db.commitPending()
    }

    init(path: String) throws {
        db = try SQLiteDatabase(path: path)
        // SQLite's own page cache (2 MB by default) held about 400 bytes per agent at 5,000 agents, duplicating the
        // kernel's cache of the same file; the registry is read once per subscription, so a small one does (256 KiB:
        // 10,000 agents re-register after a restart as fast as with 2 MB).
        try db.execute("PRAGMA cache_size=-256")
        try db.execute("CREATE TABLE IF NOT EXISTS agents (id TEXT PRIMARY KEY, info BLOB NOT NULL)")
        try db.execute("CREATE TABLE IF NOT EXISTS frameworks (id TEXT PRIMARY KEY, info BLOB NOT NULL)")
        try db.execute("CREATE TABLE IF NOT EXISTS agent_tokens (id TEXT PRIMARY KEY, token TEXT NOT NULL, principal TEXT)")
        try db.execute("CREATE TABLE IF NOT EXISTS unreachable_agents (id TEXT PRIMARY KEY, info BLOB NOT NULL, since REAL NOT NULL)")
        try db.execute("CREATE TABLE IF NOT EXISTS gone_agents (id TEXT PRIMARY KEY, since REAL NOT NULL)")
    }

    /// Carries out a change the master core asked for.
    func apply(_ write: RegistryWrite) {
        switch write {
        case .admitAgent(let info, let id, let token, let principal):
            admit(info, id: id)
            keep(token: token.description, principal: principal, of: id)
        case .removeAgent(let id):
            remove(agent: id)
        case .admitFramework(let info, let id):
            admit(info, id: id)
        case .removeFramework(let id):
            remove(framework: id)
        case .markUnreachable(let info, let id, let since):
            db.writeTransaction {
                try db.execute("DELETE FROM agents WHERE id = ?", [.text(id.value)])
                try db.execute("INSERT OR REPLACE INTO unreachable_agents VALUES (?, ?, ?)",
                               [.text(id.value), .blob(try info.protobuf()), .real(since)])
            }
        case .markGone(let id, let since):
            db.writeTransaction {
                for table in ["agents", "unreachable_agents", "agent_tokens"] {
                    try db.execute("DELETE FROM \(table) WHERE id = ?", [.text(id.value)])
                }
                try db.execute("INSERT OR REPLACE INTO gone_agents VALUES (?, ?)", [.text(id.value), .real(since)])
            }
        }
    }

    /// Agents that were unreachable when the master stopped, with since when.
    func unreachableAgents() throws -> [(AgentID, AgentInfo, since: Double)] {
        try db.execute("SELECT id, info, since FROM unreachable_agents").compactMap { row in
            let id = row["id"]?.text ?? "?"
            guard case .blob(let bytes)? = row["info"], case .real(let since)? = row["since"],
                  let info = try? AgentInfo(protobuf: bytes) else {
                skippedRows.append("unreachable_agents \(id): no valid info or time")
                return nil
            }
            return (AgentID(id), info, since)
        }
    }

    /// Agents an operator marked gone.
    func goneAgents() throws -> [AgentID] {
        try db.execute("SELECT id FROM gone_agents").compactMap { row in row["id"]?.text.map { AgentID($0) } }
    }

    /// The secret given to agent `id` and the principal it registered as, if it was given one.
    func token(of id: AgentID) throws(StoreError) -> (token: String, principal: String?)? {
        guard let row = try db.read("SELECT token, principal FROM agent_tokens WHERE id = ?", [.text(id.value)]).first,
              let token = row["token"]?.text else { return nil }
        return (token, row["principal"]?.text)
    }

    func keep(token: String, principal: String?, of id: AgentID) {
        db.write("INSERT OR REPLACE INTO agent_tokens VALUES (?, ?, ?)",
                            [.text(id.value), .text(token), principal.map { .text($0) } ?? .null])
    }

    func admit(_ agent: AgentInfo, id: AgentID) {
        db.writeTransaction {
            try db.execute("INSERT OR REPLACE INTO agents VALUES (?, ?)", [.text(id.value), .blob(try agent.protobuf())])
            try db.execute("DELETE FROM unreachable_agents WHERE id = ?", [.text(id.value)])
        }
    }

    func remove(agent id: AgentID) {
        db.writeTransaction {
            try db.execute("DELETE FROM agents WHERE id = ?", [.text(id.value)])
            try db.execute("DELETE FROM agent_tokens WHERE id = ?", [.text(id.value)])
        }
    }

    func admit(_ framework: FrameworkInfo, id: FrameworkID) {
        db.writeTransaction {
            try db.execute("INSERT OR REPLACE INTO frameworks VALUES (?, ?)", [.text(id.value), .blob(try framework.protobuf())])
        }
    }

    func remove(framework id: FrameworkID) {
        db.write("DELETE FROM frameworks WHERE id = ?", [.text(id.value)])
    }

    func agents() throws -> [(AgentID, AgentInfo)] {
        try rows(table: "agents").map { (AgentID($0), $1) }
    }

    func frameworks() throws -> [(FrameworkID, FrameworkInfo)] {
        try rows(table: "frameworks").map { (FrameworkID($0), $1) }
    }

    /// Every row of `table` that still decodes and validates; the others are skipped and described in `skippedRows`.
    private func rows<Info: WireMessage>(table: String) throws -> [(String, Info)] {
        try db.execute("SELECT id, info FROM \(table)").compactMap { row in
            let id = row["id"]?.text ?? "?"
            guard case .blob(let bytes)? = row["info"] else {
                skippedRows.append("\(table) \(id): no info")
                return nil
            }
            do {
                return (id, try Info(protobuf: bytes))
            } catch {
                skippedRows.append("\(table) \(id): \(error)")
                return nil
            }
        }
    }
}
