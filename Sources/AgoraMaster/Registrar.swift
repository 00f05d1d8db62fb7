import AgoraStore
import AgoraWire
import Foundation

/// Who has been admitted: agents and frameworks, kept in SQLite so a restarted master knows who
/// may come back (and with which framework info) before they reconnect.
final class Registrar {
    private let db: SQLiteDatabase

    init(path: String) throws {
        db = try SQLiteDatabase(path: path)
        try db.execute("CREATE TABLE IF NOT EXISTS agents (id TEXT PRIMARY KEY, info BLOB NOT NULL)")
        try db.execute("CREATE TABLE IF NOT EXISTS frameworks (id TEXT PRIMARY KEY, info BLOB NOT NULL)")
    }

    func admit(_ agent: AgentInfo, id: AgentID) {
        guard let bytes = try? agent.protobuf() else { return }
        _ = try? db.execute("INSERT OR REPLACE INTO agents VALUES (?, ?)", [.text(id.value), .blob(bytes)])
    }

    func remove(agent id: AgentID) {
        _ = try? db.execute("DELETE FROM agents WHERE id = ?", [.text(id.value)])
    }

    func admit(_ framework: FrameworkInfo, id: FrameworkID) {
        guard let bytes = try? framework.protobuf() else { return }
        _ = try? db.execute("INSERT OR REPLACE INTO frameworks VALUES (?, ?)", [.text(id.value), .blob(bytes)])
    }

    func remove(framework id: FrameworkID) {
        _ = try? db.execute("DELETE FROM frameworks WHERE id = ?", [.text(id.value)])
    }

    func agents() throws -> [(AgentID, AgentInfo)] {
        try db.execute("SELECT id, info FROM agents").compactMap { row in
            guard let id = row["id"]?.text, case .blob(let bytes)? = row["info"], let info = try? AgentInfo(protobuf: bytes) else {
                return nil
            }
            return (AgentID(id), info)
        }
    }

    func frameworks() throws -> [(FrameworkID, FrameworkInfo)] {
        try db.execute("SELECT id, info FROM frameworks").compactMap { row in
            guard let id = row["id"]?.text, case .blob(let bytes)? = row["info"],
                  let info = try? FrameworkInfo(protobuf: bytes) else { return nil }
            return (FrameworkID(id), info)
        }
    }
}
