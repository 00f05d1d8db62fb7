import AgoraRuntime
import AgoraRuntimeTesting
import Foundation
import Testing

@Suite struct ChildProcessTests {
    @Test func exitCodeAndCapturedOutput() throws {
        let scratch = try ScratchDirectory()
        var status: ProcessExit?
        try withLoop({ loop in
            let spec = ProcessSpec(
                command: .shell("echo hello; echo \"$GREETING\" >&2; pwd; exit 3"),
                environment: ["GREETING": "bonjour", "PATH": "/usr/bin:/bin"],
                workingDirectory: scratch.path,
                stdoutPath: scratch.path + "/stdout", stderrPath: scratch.path + "/stderr")
            _ = try ChildProcess.spawn(loop: loop, spec) { status = $0 }
        }, until: { status != nil })
        #expect(status == ProcessExit(code: 3, signal: nil))
        let stdout = try String(contentsOfFile: scratch.path + "/stdout", encoding: .utf8)
        let realPath = URL(fileURLWithPath: scratch.path).resolvingSymlinksInPath().path
        #expect(stdout == "hello\n\(realPath)\n" || stdout == "hello\n\(scratch.path)\n")
        #expect(try String(contentsOfFile: scratch.path + "/stderr", encoding: .utf8) == "bonjour\n")
    }

    @Test func argvCommandRunsWithoutShell() throws {
        let scratch = try ScratchDirectory()
        var status: ProcessExit?
        try withLoop({ loop in
            let spec = ProcessSpec(command: .argv(["echo", "a b", "$HOME"]), stdoutPath: scratch.path + "/out")
            _ = try ChildProcess.spawn(loop: loop, spec) { status = $0 }
        }, until: { status != nil })
        #expect(status?.succeeded == true)
        #expect(try String(contentsOfFile: scratch.path + "/out", encoding: .utf8) == "a b $HOME\n")
    }

    @Test func signalIsReported() throws {
        var status: ProcessExit?
        try withLoop({ loop in
            let child = try ChildProcess.spawn(loop: loop, ProcessSpec(command: .shell("exec sleep 30"))) {
                status = $0
            }
            try loop.schedule(after: .milliseconds(50)) { try? child.kill(.terminate) }
        }, until: { status != nil })
        #expect(status == ProcessExit(code: 0, signal: .terminate))
    }

    @Test func groupKillTakesTheWholeTree() throws {
        let scratch = try ScratchDirectory()
        let pidFile = scratch.path + "/grandchild.pid"
        var status: ProcessExit?
        try withLoop({ loop in
            // The shell starts a grandchild and waits; killing only the shell would orphan it.
            let spec = ProcessSpec(command: .shell("sleep 30 & echo $! > \(pidFile); wait"))
            let child = try ChildProcess.spawn(loop: loop, spec) { status = $0 }
            let poll = try LoopTimer(loop: loop)
            poll.start(after: .milliseconds(10), repeating: .milliseconds(10)) {
                guard FileManager.default.fileExists(atPath: pidFile),
                      let text = try? String(contentsOfFile: pidFile, encoding: .utf8), text.hasSuffix("\n")
                else { return }
                poll.close()
                try? child.killGroup(.kill)
            }
        }, until: { status != nil })
        #expect(status?.signal == .kill)
        let grandchild = Int32(try String(contentsOfFile: pidFile, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines))!
        // The grandchild was in the same group: it must be gone (or a zombie reaped by init) shortly.
        var alive = true
        for _ in 0..<100 {
            alive = isRunning(grandchild)
            if !alive { break }
            usleep(20_000)
        }
        #expect(!alive, "grandchild \(grandchild) survived the group kill")
    }

    @Test func missingExecutableIsATypedError() throws {
        let loop = try Loop()
        let error = #expect(throws: RuntimeError.self) {
            _ = try ChildProcess.spawn(loop: loop, ProcessSpec(command: .argv(["/nonexistent/agora-binary"]))) { _ in }
        }
        #expect(error?.code == "ENOENT")
        loop.run(until: { loop.openHandles == 0 }, timeout: .seconds(2))
        try loop.close()
    }

    @Test func unwritableOutputPathIsATypedError() throws {
        let loop = try Loop()
        let error = #expect(throws: RuntimeError.self) {
            _ = try ChildProcess.spawn(
                loop: loop, ProcessSpec(command: .shell("true"), stdoutPath: "/nonexistent-dir/stdout")) { _ in }
        }
        #expect(error?.code == "ENOENT")
        try loop.close()
    }
}

/// Whether `pid` names a live, non-zombie process.
private func isRunning(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
    guard let close = stat.lastIndex(of: ")") else { return false }
    let state = stat[stat.index(close, offsetBy: 2)]
    return state != "Z" && state != "X"
}
