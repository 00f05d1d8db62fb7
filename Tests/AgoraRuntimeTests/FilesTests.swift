import AgoraRuntime
import AgoraRuntimeTesting
import Foundation
import Testing

@Suite struct FilesTests {
    @Test func atomicWritesReplaceTheFileWithItsMode() throws {
        let scratch = try ScratchDirectory()
        let path = scratch.path + "/token"
        try Files.writeAtomically(path, Array("first\n".utf8), mode: 0o600)
        try Files.writeAtomically(path, Array("second\n".utf8), mode: 0o600)
        #expect(try Files.readText(path) == "second\n")
        var info = stat()
        #expect(stat(path, &info) == 0 && info.st_mode & 0o777 == 0o600)
        #expect(!FileManager.default.fileExists(atPath: path + ".new"))
        #expect(throws: RuntimeError.self) { try Files.writeAtomically(scratch.path + "/missing/dir/x", [1]) }
    }

    @Test func makesADirectoryAndTheParentsItLacks() throws {
        let scratch = try ScratchDirectory()
        let path = scratch.path + "/a/b/c"
        try Files.makeDirectories(path)
        var isDirectory: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue)
        try Files.makeDirectories(path)
        try Files.makeDirectories(scratch.path + "/a/b/d")
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path + "/a/b").sorted() == ["c", "d"])
        try Data("x".utf8).write(to: URL(fileURLWithPath: scratch.path + "/file"))
        #expect(throws: RuntimeError.self) { try Files.makeDirectories(scratch.path + "/file") }
        #expect(throws: RuntimeError.self) { try Files.makeDirectories(scratch.path + "/file/below") }
    }

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
        #expect(status.hasSuffix("\n"))
        // Longer than the first pieces (a page, then doubling): the kernel's symbol list, a stable pseudo file of
        // megabytes, comes whole, and a length stops the read inside a piece.
        guard let expected = FileHandle(forReadingAtPath: "/proc/kallsyms")?.readDataToEndOfFile(), expected.count > 200_000
        else { return }
        let symbols = try Files.read("/proc/kallsyms")
        #expect(symbols.size == 0 && symbols.bytes == Array(expected))
        #expect(try Files.read("/proc/kallsyms", length: 10_000).bytes == Array(expected.prefix(10_000)))
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
