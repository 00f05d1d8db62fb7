import AgoraRuntimeTesting
import AgoraStore
import Testing

@Suite struct GroupedWritesTests {
    @Test func theWritesOfOneTurnShareOneCommitAndAreDurableAfterIt() throws {
        let scratch = try ScratchDirectory()
        let path = scratch.path + "/state.db"
        let clock = ManualClock()
        let db = try SQLiteDatabase(path: path)
        var logged: [String] = []
        db.groupWrites(on: clock) { logged.append($0) }
        try db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
        for id in 0..<50 { db.write("INSERT INTO t VALUES (?)", [.integer(Int64(id))]) }
        #expect(db.pendingWrites == 50)
        // Another connection sees nothing until the turn ends.
        let other = try SQLiteDatabase(path: path)
        #expect(try other.execute("SELECT COUNT(*) AS n FROM t")[0]["n"] == .integer(0))
        clock.advance(by: .zero)
        #expect(db.pendingWrites == 0 && db.commits == 1 && db.groupedWrites == 50)
        #expect(try other.execute("SELECT COUNT(*) AS n FROM t")[0]["n"] == .integer(50))
        #expect(logged.isEmpty && db.failedWrites == 0)
    }

    @Test func aFailedWriteIsUndoneAloneAndCounted() throws {
        let scratch = try ScratchDirectory()
        let clock = ManualClock()
        let db = try SQLiteDatabase(path: scratch.path + "/state.db")
        var logged: [String] = []
        db.groupWrites(on: clock) { logged.append($0) }
        try db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
        db.write("INSERT INTO t VALUES (1)")
        db.writeTransaction {
            try db.execute("INSERT INTO t VALUES (2)")
            try db.execute("INSERT INTO t VALUES (1)")
        }
        db.write("INSERT INTO t VALUES (3)")
        clock.advance(by: .zero)
        #expect(try db.execute("SELECT id FROM t ORDER BY id").map { $0["id"] } == [.integer(1), .integer(3)])
        #expect(db.failedWrites == 1 && logged.count == 1 && logged[0].contains("UNIQUE"))
    }

    /// A database in `directory` grouping its writes on a manual clock, with a table `t`, and a second connection
    /// to the same file, which sees only what is committed.
    private func groupedTable(in directory: String) throws -> (clock: ManualClock, db: SQLiteDatabase, other: SQLiteDatabase) {
        let clock = ManualClock()
        let db = try SQLiteDatabase(path: directory + "/state.db")
        db.groupWrites(on: clock) { _ in }
        try db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
        return (clock, db, try SQLiteDatabase(path: directory + "/state.db"))
    }

    @Test func aDurableStatementCommitsTheOpenGroupFirst() throws {
        let scratch = try ScratchDirectory()
        let (clock, db, other) = try groupedTable(in: scratch.path)
        db.write("INSERT INTO t VALUES (1)")
        try db.transaction { try db.execute("INSERT INTO t VALUES (2)") }
        #expect(db.pendingWrites == 0)
        #expect(try other.execute("SELECT COUNT(*) AS n FROM t")[0]["n"] == .integer(2))
        clock.advance(by: .zero)
        #expect(db.commits == 1)
    }

    @Test func aReadSeesTheOpenGroupWithoutCommittingIt() throws {
        let scratch = try ScratchDirectory()
        let (clock, db, other) = try groupedTable(in: scratch.path)
        db.write("INSERT INTO t VALUES (1)")
        #expect(try db.read("SELECT COUNT(*) AS n FROM t")[0]["n"] == .integer(1))
        db.write("INSERT INTO t VALUES (2)")
        #expect(db.pendingWrites == 2 && db.commits == 0)
        #expect(try other.execute("SELECT COUNT(*) AS n FROM t")[0]["n"] == .integer(0))
        clock.advance(by: .zero)
        #expect(db.commits == 1)
        #expect(try other.execute("SELECT COUNT(*) AS n FROM t")[0]["n"] == .integer(2))
    }
}
