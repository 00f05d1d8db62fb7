import AgoraRuntimeTesting
import AgoraStore
import Testing

@Suite struct SQLiteDatabaseTests {
    @Test func storesAndReadsEveryValueKindAcrossReopen() throws {
        let scratch = try ScratchDirectory()
        let path = scratch.path + "/state.db"
        do {
            let db = try SQLiteDatabase(path: path)
            try db.execute("CREATE TABLE things (id TEXT PRIMARY KEY, n INTEGER, x REAL, data BLOB, note TEXT)")
            try db.execute("INSERT INTO things VALUES (?, ?, ?, ?, ?)",
                           [.text("a'; DROP TABLE things; --"), .integer(42), .real(1.5), .blob([0, 1, 255]), .null])
        }
        let db = try SQLiteDatabase(path: path)
        let rows = try db.execute("SELECT * FROM things")
        #expect(rows.count == 1)
        #expect(rows[0]["id"] == .text("a'; DROP TABLE things; --"))
        #expect(rows[0]["n"] == .integer(42))
        #expect(rows[0]["x"] == .real(1.5))
        #expect(rows[0]["data"] == .blob([0, 1, 255]))
        #expect(rows[0]["note"] == .null)
    }

    @Test func failedTransactionLeavesNothingBehind() throws {
        let scratch = try ScratchDirectory()
        let db = try SQLiteDatabase(path: scratch.path + "/state.db")
        try db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
        struct Abort: Error {}
        #expect(throws: Abort.self) {
            try db.transaction {
                try db.execute("INSERT INTO t VALUES (1)")
                throw Abort()
            }
        }
        #expect(try db.execute("SELECT count(*) AS n FROM t")[0]["n"] == .integer(0))
        try db.transaction { try db.execute("INSERT INTO t VALUES (2)") }
        #expect(try db.execute("SELECT count(*) AS n FROM t")[0]["n"] == .integer(1))
    }

    @Test func failedWritesAreCountedAndReportedNeverSwallowed() throws {
        let scratch = try ScratchDirectory()
        let db = try SQLiteDatabase(path: scratch.path + "/state.db")
        var reported: [String] = []
        db.onWriteFailure = { reported.append($0.statement) }
        db.write("INSERT INTO missing VALUES (1)")
        db.writeTransaction { try db.execute("INSERT INTO missing VALUES (2)") }
        db.writeSetting("key", "value")
        #expect(db.failedWrites == 2)
        #expect(reported.count == 2 && reported[0].contains("missing"))
        #expect(db.setting("key") == "value")
    }

    @Test func badSQLAndBadPathsAreTypedErrors() throws {
        let scratch = try ScratchDirectory()
        let db = try SQLiteDatabase(path: scratch.path + "/state.db")
        do {
            try db.execute("SELEC nonsense")
            Issue.record("bad SQL ran")
        } catch {
            #expect(error.message.contains("syntax error"))
            #expect(error.statement == "SELEC nonsense")
        }
        #expect(throws: StoreError.self) { _ = try SQLiteDatabase(path: "/nonexistent-dir/state.db") }
    }
}
