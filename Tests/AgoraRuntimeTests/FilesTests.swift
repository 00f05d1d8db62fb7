import AgoraRuntime
import AgoraRuntimeTesting
import Foundation
import Testing

@Suite struct FilesTests {
    @Test func readsWholeFilesAndSlices() throws {
        let scratch = try ScratchDirectory()
        let path = scratch.path + "/data"
        try Data("hello, agora".utf8).write(to: URL(fileURLWithPath: path))
        #expect(try Files.readText(path) == "hello, agora")
        let slice = try Files.read(path, offset: 7, length: 3)
        #expect(String(decoding: slice.bytes, as: UTF8.self) == "ago")
        #expect(slice.size == 12)
        #expect(try Files.read(path, offset: 50).bytes.isEmpty)
        try Data().write(to: URL(fileURLWithPath: scratch.path + "/empty"))
        #expect(try Files.read(scratch.path + "/empty").bytes.isEmpty)
    }

    @Test func pseudoFilesThatReportNoSizeAreReadToTheEnd() throws {
        let status = try Files.readText("/proc/self/status")
        #expect(status.contains("Pid:"))
    }

    @Test func missingFilesAndDirectoriesAreTypedErrors() throws {
        let scratch = try ScratchDirectory()
        #expect(throws: RuntimeError.self) { _ = try Files.read(scratch.path + "/missing") }
        let missing = try? Files.read(scratch.path + "/missing")
        #expect(missing == nil)
        do {
            _ = try Files.read(scratch.path)
            Issue.record("reading a directory succeeded")
        } catch {
            #expect(error.code == "EISDIR")
        }
    }
}
