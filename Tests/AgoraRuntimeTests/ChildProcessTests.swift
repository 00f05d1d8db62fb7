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

    @Test func aMissingCommandOnTheChildsPathIsATypedErrorNamingTheStep() throws {
        let loop = try Loop()
        let error = #expect(throws: RuntimeError.self) {
            _ = try ChildProcess.spawn(loop: loop, ProcessSpec(command: .argv(["sh", "-c", "true"]),
                                                               environment: ["PATH": "/nonexistent"])) { _ in }
        }
        #expect(error?.code == "ENOENT")
        #expect(error?.description.contains("exec") == true)
        try loop.close()
    }

    @Test func aPIDNamespaceMakesTheChildItsInitWithItsOwnProc() throws {
        try #require(getuid() == 0, "PID namespaces need root")
        let scratch = try ScratchDirectory()
        var status: ProcessExit?
        try withLoop({ loop in
            let spec = namespaced(.shell("echo $$; ls /proc | grep -c '^[0-9]'"), stdoutPath: scratch.path + "/out")
            _ = try ChildProcess.spawn(loop: loop, spec) { status = $0 }
        }, until: { status != nil })
        #expect(status?.succeeded == true)
        // Itself (1), and the `ls` and `grep` of the pipeline at most: nothing of the host's processes.
        let lines = try String(contentsOfFile: scratch.path + "/out", encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "1")
        #expect((Int(lines.last ?? "") ?? 99) <= 3)
        // The host's /proc is untouched by the child's mount.
        #expect(FileManager.default.fileExists(atPath: "/proc/\(getpid())"))
    }

    @Test func aNamespaceInitThatDoesNotCatchSIGTERMIsKilledByIt() throws {
        try #require(getuid() == 0, "PID namespaces need root")
        var status: ProcessExit?
        try withLoop({ loop in
            let child = try ChildProcess.spawn(loop: loop, namespaced(.argv(["sleep", "30"]))) { status = $0 }
            try loop.schedule(after: .milliseconds(100)) { try? child.killGroup(.terminate) }
        }, until: { status != nil })
        // The kernel drops an uncaught SIGTERM to a namespace's init: without the SIGKILL it would sleep its 30 s and
        // exit 0.
        #expect(status?.signal == .kill)
    }

    @Test func aNamespaceInitThatCatchesSIGTERMGetsIt() throws {
        try #require(getuid() == 0, "PID namespaces need root")
        let scratch = try ScratchDirectory()
        var status: ProcessExit?
        try withLoop({ loop in
            let spec = namespaced(.shell("trap 'echo caught; exit 7' TERM; echo ready; while :; do sleep 0.05; done"),
                                  stdoutPath: scratch.path + "/out")
            let child = try ChildProcess.spawn(loop: loop, spec) { status = $0 }
            let poll = try LoopTimer(loop: loop)
            poll.start(after: .milliseconds(10), repeating: .milliseconds(10)) {
                guard (try? String(contentsOfFile: scratch.path + "/out", encoding: .utf8))?.hasPrefix("ready") == true
                else { return }
                poll.close()
                try? child.killGroup(.terminate)
            }
        }, until: { status != nil })
        #expect(status == ProcessExit(code: 7, signal: nil))
        #expect(try String(contentsOfFile: scratch.path + "/out", encoding: .utf8) == "ready\ncaught\n")
    }

    @Test func aChildJoinsItsCgroupsBeforeItRuns() throws {
        let root = "/sys/fs/cgroup/pids"
        try #require(FileManager.default.isWritableFile(atPath: root + "/cgroup.procs"), "needs a writable pids hierarchy")
        let group = root + "/agora-test-\(getpid())"
        try FileManager.default.createDirectory(atPath: group, withIntermediateDirectories: false)
        defer { rmdir(group) }
        let scratch = try ScratchDirectory()
        var status: ProcessExit?
        try withLoop({ loop in
            var spec = ProcessSpec(command: .shell("grep pids /proc/self/cgroup"), environment: ["PATH": "/usr/bin:/bin"],
                                   stdoutPath: scratch.path + "/out")
            spec.cgroupProcs = [group + "/cgroup.procs"]
            _ = try ChildProcess.spawn(loop: loop, spec) { status = $0 }
        }, until: { status != nil })
        #expect(status?.succeeded == true)
        #expect(try String(contentsOfFile: scratch.path + "/out", encoding: .utf8).hasSuffix("/agora-test-\(getpid())\n"))
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

/// `command` started as the init of fresh PID and mount namespaces, its output appended to `stdoutPath`.
private func namespaced(_ command: ProcessSpec.Command, stdoutPath: String? = nil) -> ProcessSpec {
    var spec = ProcessSpec(command: command, environment: ["PATH": "/usr/bin:/bin"], stdoutPath: stdoutPath)
    spec.pidNamespace = true
    return spec
}

/// Whether `pid` names a live, non-zombie process.
private func isRunning(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
    guard let close = stat.lastIndex(of: ")") else { return false }
    let state = stat[stat.index(close, offsetBy: 2)]
    return state != "Z" && state != "X"
}
