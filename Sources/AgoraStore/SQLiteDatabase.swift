import AgoraRuntime
internal import CSQLite

/// Why a database call failed: SQLite's result code, its message, and the statement.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public let code: Int32
    public let message: String
    public let statement: String

    public var description: String { "\(message) (SQLite \(code)) in: \(statement)" }
}

/// A value bound to, or read from, an SQL statement.
public enum SQLValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    public var text: String? { if case .text(let value) = self { value } else { nil } }
    public var integer: Int64? { if case .integer(let value) = self { value } else { nil } }
}

/// One SQLite database file, used from one thread (the owning daemon's loop), with typed errors.
/// `execute` and `transaction` are durable when they return (`journal_mode=WAL`, `synchronous=FULL`). The
/// best-effort writes (`write`, `writeTransaction`, `writeSetting`) may be grouped (`groupWrites(on:)`): the first
/// of them opens a transaction that is committed once, at the end of the loop turn, so a burst of status updates
/// costs one fsync, not one each.
public final class SQLiteDatabase {
    private let handle: OpaquePointer

    /// Opens (creating if needed) the database at `path`.
    public init(path: String) throws(StoreError) {
        var db: OpaquePointer?
        let status = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nil)
        guard status == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close(db)
            throw StoreError(code: status, message: message, statement: "open \(path)")
        }
        handle = db
        sqlite3_busy_timeout(db, 5000)
        try execute("PRAGMA journal_mode=WAL")
        try execute("PRAGMA synchronous=FULL")
        try execute("PRAGMA foreign_keys=ON")
    }

    deinit {
        commitPending()
        sqlite3_close(handle)
    }

    /// The clock that commits a group of writes after the current loop turn; nil: every write commits on its own.
    private var groupClock: (any LoopClock)?
    /// Best-effort writes in the open group, not yet committed.
    public private(set) var pendingWrites = 0
    /// Groups committed, for `/metrics` (with `groupedWrites`, the writes per fsync).
    public private(set) var commits = 0
    /// Writes that went into a committed group.
    public private(set) var groupedWrites = 0

    /// Runs a query that changes nothing and returns its rows: it sees the open group's writes (the same connection)
    /// without committing them, so lookups between grouped writes do not cost a commit each.
    public func read(_ sql: String, _ parameters: [SQLValue] = []) throws(StoreError) -> [[String: SQLValue]] {
        try run(sql, parameters)
    }

    /// Runs a statement durably (committing the open group of writes first, so order is kept); returns every row as
    /// column name → value.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [SQLValue] = []) throws(StoreError) -> [[String: SQLValue]] {
        commitPending()
        return try run(sql, parameters)
    }

    private func run(_ sql: String, _ parameters: [SQLValue]) throws(StoreError) -> [[String: SQLValue]] {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
            throw error(sql)
        }
        defer { sqlite3_finalize(statement) }
        for (offset, value) in parameters.enumerated() {
            let index = Int32(offset + 1)
            let status: Int32 = switch value {
            case .null: sqlite3_bind_null(statement, index)
            case .integer(let number): sqlite3_bind_int64(statement, index, number)
            case .real(let number): sqlite3_bind_double(statement, index, number)
            case .text(let text): agora_sqlite_bind_text(statement, index, text, -1)
            case .blob(let bytes): bytes.withUnsafeBytes { agora_sqlite_bind_blob(statement, index, $0.baseAddress, Int32($0.count)) }
            }
            guard status == SQLITE_OK else { throw error(sql) }
        }
        var rows: [[String: SQLValue]] = []
        while true {
            let step = sqlite3_step(statement)
            if step == SQLITE_DONE { break }
            guard step == SQLITE_ROW else { throw error(sql) }
            var row: [String: SQLValue] = [:]
            for column in 0..<sqlite3_column_count(statement) {
                let name = String(cString: sqlite3_column_name(statement, column))
                switch sqlite3_column_type(statement, column) {
                case SQLITE_INTEGER: row[name] = .integer(sqlite3_column_int64(statement, column))
                case SQLITE_FLOAT: row[name] = .real(sqlite3_column_double(statement, column))
                case SQLITE_TEXT: row[name] = .text(String(cString: sqlite3_column_text(statement, column)))
                case SQLITE_BLOB:
                    let count = Int(sqlite3_column_bytes(statement, column))
                    let bytes = sqlite3_column_blob(statement, column)
                    row[name] = .blob(bytes.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? [])
                default: row[name] = .null
                }
            }
            rows.append(row)
        }
        return rows
    }

    /// Runs `body` in one durable transaction: all of it is stored, or (when it throws) none of it. Inside `body`,
    /// use `execute`.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        commitPending()
        try run("BEGIN IMMEDIATE", [])
        inTransaction = true
        defer { inTransaction = false }
        do {
            let result = try body()
            try run("COMMIT", [])
            return result
        } catch {
            rollBack()
            throw error
        }
    }

    private var inTransaction = false

    /// Commits the open group of best-effort writes now; a failure is reported for each write in it.
    public func commitPending() {
        guard pendingWrites > 0, !inTransaction else { return }
        let count = pendingWrites
        pendingWrites = 0
        do {
            try run("COMMIT", [])
            commits += 1
            groupedWrites += count
        } catch {
            rollBack()
            failedWrites += count - 1
            report(error)
        }
    }

    /// From now on, the best-effort writes of one loop turn of `clock` are committed together after it; each failed
    /// write (or commit timer) is said to `log` as well as counted.
    public func groupWrites(on clock: any LoopClock, log: @escaping (String) -> Void) {
        groupClock = clock
        onWriteFailure = { log("a write to the store failed: \($0)") }
    }

    /// Runs best-effort statements: alone, or in the open group (opening it, and scheduling its commit, if needed).
    private func grouped(_ body: () throws -> Void) throws {
        guard let groupClock, !inTransaction else {
            return try transaction(body)
        }
        if pendingWrites == 0 {
            do {
                try groupClock.schedule(in: .zero) { [weak self] in self?.commitPending() }
            } catch {
                onWriteFailure?(StoreError(code: -1, message: "cannot arm the commit timer (\(error)); writing at once",
                                           statement: "commit"))
                return try transaction(body)
            }
            try run("BEGIN IMMEDIATE", [])
        }
        try run("SAVEPOINT grouped", [])
        do {
            inTransaction = true
            defer { inTransaction = false }
            try body()
            try run("RELEASE grouped", [])
            pendingWrites += 1
        } catch {
            _ = try? run("ROLLBACK TO grouped", [])
            _ = try? run("RELEASE grouped", [])
            if pendingWrites == 0 { rollBack() }
            throw error
        }
    }

    /// Ends a failed transaction; a rollback that fails too leaves nothing open (SQLite rolls back on its own).
    private func rollBack() {
        if sqlite3_get_autocommit(handle) == 0 { _ = try? run("ROLLBACK", []) }
    }

    /// Writes made with `write` that failed, for `/metrics`.
    public private(set) var failedWrites = 0
    /// Told about each failed `write` (the statement and the error), for the owner's log.
    public var onWriteFailure: ((StoreError) -> Void)?

    /// Runs a write whose failure the caller cannot act on (the daemon keeps serving from memory): a failure is
    /// counted in `failedWrites` and reported to `onWriteFailure`, never swallowed.
    public func write(_ sql: String, _ parameters: [SQLValue] = []) {
        writeTransaction { _ = try self.run(sql, parameters) }
    }

    /// `body`'s writes, all or none, reported like `write` when they fail. Inside `body`, use `execute`.
    public func writeTransaction(_ body: () throws -> Void) {
        do {
            try grouped(body)
        } catch let error as StoreError {
            report(error)
        } catch {
            report(StoreError(code: -1, message: "\(error)", statement: "transaction"))
        }
    }

    private func report(_ error: StoreError) {
        failedWrites += 1
        onWriteFailure?(error)
    }

    /// A small string setting kept in the `meta` table (created on first use).
    public func setting(_ key: String) -> String? {
        _ = try? execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        return (try? execute("SELECT value FROM meta WHERE key = ?", [.text(key)]))?.first?["value"]?.text
    }

    /// Stores a setting, reported like `write` when it fails.
    public func writeSetting(_ key: String, _ value: String) {
        writeTransaction {
            _ = try run("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)", [])
            _ = try run("INSERT OR REPLACE INTO meta VALUES (?, ?)", [.text(key), .text(value)])
        }
    }

    /// Stores a setting in the `meta` table.
    public func setSetting(_ key: String, _ value: String) throws(StoreError) {
        try execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        try execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [.text(key), .text(value)])
    }

    private func error(_ sql: String) -> StoreError {
        StoreError(code: sqlite3_extended_errcode(handle), message: String(cString: sqlite3_errmsg(handle)), statement: sql)
    }
}
