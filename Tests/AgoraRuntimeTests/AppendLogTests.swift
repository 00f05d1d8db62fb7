import AgoraRuntime
import AgoraRuntimeTesting
import Foundation
import Testing

/// The checkpoint log's file: records come back whole and in order, a record cut short or damaged is dropped with
/// everything after it, and a rewrite keeps only what it is given.
@Suite struct AppendLogTests {
    @Test func recordsComeBackInOrderAfterReopening() throws {
        let scratch = try ScratchDirectory()
        let path = scratch.path + "/tasks.log"
        let log = try AppendLog(path: path)
        #expect(log.recovered.isEmpty && log.size == 0)
        try log.append([Array("one".utf8), []])
        try log.append([Array("three".utf8)])
        #expect(log.recordCount == 3)
        #expect(log.size == 3 * 8 + 8)
        log.close()
        let reopened = try AppendLog(path: path)
        #expect(reopened.recovered == [Array("one".utf8), [], Array("three".utf8)])
        #expect(reopened.droppedBytes == 0)
        reopened.forgetRecovered()
        #expect(reopened.recovered.isEmpty && reopened.recordCount == 3)
        try reopened.append([Array("four".utf8)])
        reopened.close()
        #expect(try AppendLog(path: path).recovered.count == 4)
        var info = stat()
        #expect(stat(path, &info) == 0 && info.st_mode & 0o777 == 0o600)
    }

    @Test func aRecordCutShortIsDroppedAndTheFileCutBackToTheLastWholeOne() throws {
        let scratch = try ScratchDirectory()
        let path = scratch.path + "/tasks.log"
        let log = try AppendLog(path: path)
        try log.append([Array("kept".utf8), Array("cut short".utf8)])
        let whole = 8 + 4
        log.close()
        // A crash in the middle of the second record's write.
        #expect(truncate(path, off_t(whole + 8 + 3)) == 0)
        let reopened = try AppendLog(path: path)
        #expect(reopened.recovered == [Array("kept".utf8)])
        #expect(reopened.droppedBytes == 8 + 3)
        #expect(try Files.read(path).bytes.count == whole)
        // What comes next follows the last whole record, and reads back.
        try reopened.append([Array("next".utf8)])
        reopened.close()
        #expect(try AppendLog(path: path).recovered == [Array("kept".utf8), Array("next".utf8)])
    }

    @Test func aDamagedRecordEndsWhatIsReadBack() throws {
        let scratch = try ScratchDirectory()
        let path = scratch.path + "/tasks.log"
        let log = try AppendLog(path: path)
        try log.append([Array("first".utf8), Array("second".utf8), Array("third".utf8)])
        log.close()
        var bytes = try Files.read(path).bytes
        bytes[8 + 5 + 8] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let reopened = try AppendLog(path: path)
        #expect(reopened.recovered == [Array("first".utf8)])
        #expect(reopened.droppedBytes == bytes.count - (8 + 5))
        // A length pointing past the end is a record cut short, not a reason to read beyond it.
        reopened.close()
        try Data([0xFF, 0xFF, 0xFF, 0x7F, 0, 0, 0, 0, 1, 2]).write(to: URL(fileURLWithPath: path))
        let garbage = try AppendLog(path: path)
        #expect(garbage.recovered.isEmpty && garbage.droppedBytes == 10 && garbage.size == 0)
    }

    @Test func aRewriteKeepsOnlyWhatItIsGiven() throws {
        let scratch = try ScratchDirectory()
        let path = scratch.path + "/tasks.log"
        let log = try AppendLog(path: path)
        try log.append((0..<10).map { [UInt8($0)] })
        try log.rewrite([[7], [9]])
        #expect(log.recordCount == 2 && log.size == 2 * 9)
        try log.append([[10]])
        log.close()
        #expect(try AppendLog(path: path).recovered == [[7], [9], [10]])
        #expect(!FileManager.default.fileExists(atPath: path + ".new"))
        #expect(throws: RuntimeError.self) { try AppendLog(path: scratch.path + "/missing/dir/tasks.log") }
    }
}
