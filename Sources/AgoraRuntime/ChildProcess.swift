internal import CLibUV
import Glibc

/// A child process, started without copying this process's memory (see `spawn.h`), optionally joining cgroups and
/// in fresh PID and mount namespaces; its end is watched through a pidfd and reported on the loop's thread.
public final class ChildProcess: LoopHandle {
    private var onExit: ((ProcessExit) -> Void)?
    /// The child's process id.
    public private(set) var pid: Int32 = 0
    /// The exit status, once the child has ended.
    public private(set) var exitStatus: ProcessExit?
    private let ownsGroup: Bool
    /// Whether the child is the first process (the init) of its own PID namespace.
    private let isNamespaceInit: Bool
    private var pidfd: Int32 = -1

    private init(loop: Loop, ownsGroup: Bool, isNamespaceInit: Bool) {
        self.ownsGroup = ownsGroup
        self.isNamespaceInit = isNamespaceInit
        super.init(loop: loop, type: UV_POLL)
    }

    var raw: UnsafeMutablePointer<uv_poll_t> { memory.assumingMemoryBound(to: uv_poll_t.self) }

    /// Starts `spec`; `onExit` is called once with how the child ended, after which the handle closes itself.
    public static func spawn(
        loop: Loop, _ spec: ProcessSpec, onExit: @escaping (ProcessExit) -> Void
    ) throws(RuntimeError) -> ChildProcess {
        let argv = spec.argv
        guard let file = argv.first, !file.isEmpty else {
            throw RuntimeError(code: "EINVAL", message: "empty command", call: "spawn")
        }
        var opened: [Int32] = []
        defer { for fd in opened { Glibc.close(fd) } }
        func openFile(_ path: String, _ flags: Int32) throws(RuntimeError) -> Int32 {
            let fd = open(path, flags | O_CLOEXEC, 0o644)
            if fd < 0 { throw RuntimeError(status: -errno, call: "open(\(path))") }
            opened.append(fd)
            return fd
        }
        var stdinFD = spec.stdinDescriptor
        if stdinFD == nil, let path = spec.stdinPath { stdinFD = try openFile(path, O_RDONLY) }
        var stdoutFD = spec.stdoutDescriptor
        if stdoutFD == nil, let path = spec.stdoutPath { stdoutFD = try openFile(path, O_WRONLY | O_CREAT | O_APPEND) }
        var stderrFD = spec.stderrDescriptor
        if stderrFD == nil, let path = spec.stderrPath { stderrFD = try openFile(path, O_WRONLY | O_CREAT | O_APPEND) }
        var cgroupFDs: [Int32] = []
        for path in spec.cgroupProcs { cgroupFDs.append(try openFile(path, O_WRONLY)) }

        let cArgs = CStringArray(argv)
        let cEnv = spec.environment.map { CStringArray($0.map { "\($0.key)=\($0.value)" }.sorted()) }
        defer {
            cArgs.free()
            cEnv?.free()
        }
        let searchPath = spec.environment.map { $0["PATH"] } ?? getenv("PATH").map { String(cString: $0) }
        var pidfd: Int32 = -1
        var stage: UnsafePointer<CChar>?
        let pid: Int32 = cgroupFDs.withUnsafeBufferPointer { cgroups in
            withOptionalCString(spec.workingDirectory) { cwd in
                withOptionalCString(searchPath) { search in
                    var request = agora_spawn_request()
                    request.file = UnsafePointer(cArgs.pointers[0])
                    request.search_path = search
                    request.argv = UnsafePointer(cArgs.pointers)
                    request.envp = UnsafePointer(cEnv?.pointers ?? environ)
                    request.cwd = cwd
                    request.stdio = (stdinFD ?? -1, stdoutFD ?? -1, stderrFD ?? -1)
                    request.new_session = spec.ownProcessGroup ? 1 : 0
                    request.cgroup_procs = cgroups.baseAddress
                    request.cgroup_count = Int32(cgroups.count)
                    request.pid_namespace = spec.pidNamespace ? 1 : 0
                    return agora_spawn(&request, &pidfd, &stage)
                }
            }
        }
        if pid < 0 {
            let step = stage.map { String(cString: $0) } ?? "spawn"
            throw RuntimeError(status: pid, call: "spawn(\(file)): \(step)")
        }
        let process = ChildProcess(loop: loop, ownsGroup: spec.ownProcessGroup, isNamespaceInit: spec.pidNamespace)
        process.onExit = onExit
        process.pid = pid
        process.pidfd = pidfd
        // A child nobody could watch is not left behind: it is killed and reaped here.
        func abandon(_ status: Int32, _ call: String) -> RuntimeError {
            Glibc.kill(pid, SIGKILL)
            var code: Int32 = 0, signal: Int32 = 0
            while agora_spawn_reap(pidfd, &code, &signal) == 0 { usleep(1000) }
            return RuntimeError(status: status, call: "\(call)(pidfd of \(file))")
        }
        let initialized = uv_poll_init(loop.raw, process.raw, pidfd)
        guard initialized == 0 else {
            let error = abandon(initialized, "uv_poll_init")
            Glibc.close(pidfd)
            throw error
        }
        process.didOpen()
        let started = uv_poll_start(process.raw, Int32(UV_READABLE.rawValue)) { poll, _, _ in
            guard let child = ChildProcess.owner(poll.map(UnsafeMutableRawPointer.init), as: ChildProcess.self) else { return }
            child.reap()
        }
        guard started == 0 else {
            let error = abandon(started, "uv_poll_start")
            process.onExit = nil
            process.close()
            throw error
        }
        return process
    }

    /// The pidfd is readable: the child has ended (or, spuriously, not yet).
    private func reap() {
        var code: Int32 = 0, signal: Int32 = 0
        let result = agora_spawn_reap(pidfd, &code, &signal)
        guard result != 0 else { return }
        // A failed waitid (nothing this process can fix) is reported as an end by SIGKILL rather than never.
        didExit(code: result > 0 ? Int64(code) : 0, signal: result > 0 ? signal : SIGKILL)
    }

    private func didExit(code: Int64, signal: Int32) {
        let status = ProcessExit(code: code, signal: signal == 0 ? nil : Signal(rawValue: signal))
        exitStatus = status
        let callback = onExit
        onExit = nil
        close()
        callback?(status)
    }

    /// Sends `signal` to the child alone. The init of a PID namespace does not get signals it does not catch (the
    /// kernel drops them): it is sent SIGKILL instead, which is what any other process would have died of.
    public func kill(_ signal: Signal) throws(RuntimeError) {
        guard exitStatus == nil else { return }
        try check(uv_kill(pid, signal.rawValue), "uv_kill(\(pid))")
        if isNamespaceInit && !catches(signal) { try check(uv_kill(pid, SIGKILL), "uv_kill(\(pid))") }
    }

    /// Whether the child has a handler for `signal` (its `SigCgt` mask in `/proc/PID/status`).
    private func catches(_ signal: Signal) -> Bool {
        guard let status = try? Files.readText("/proc/\(pid)/status"),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("SigCgt:") }),
              let mask = UInt64(String(line.dropFirst("SigCgt:".count).filter { !$0.isWhitespace }), radix: 16)
        else { return false }
        return signal.rawValue > 0 && signal.rawValue <= 64 && mask & (1 << UInt64(signal.rawValue - 1)) != 0
    }

    /// Sends `signal` to process group `pid` (one this process may not have started: a task found after a restart).
    public static func killGroup(_ pid: Int32, _ signal: Signal) throws(RuntimeError) {
        guard pid > 1 else { return }
        let status = uv_kill(-pid, signal.rawValue)
        // ESRCH: the group is already gone, which is what was asked for.
        if status < 0 && status != Int32(UV_ESRCH.rawValue) {
            throw RuntimeError(status: status, call: "uv_kill(-\(pid))")
        }
    }

    /// Sends `signal` to the child's whole process group (the child and everything it started).
    /// Falls back to the child alone when it was not started in its own group.
    public func killGroup(_ signal: Signal) throws(RuntimeError) {
        guard ownsGroup, exitStatus == nil else { return try kill(signal) }
        try ChildProcess.killGroup(pid, signal)
        if isNamespaceInit && !catches(signal) { try kill(.kill) }
    }

    override func didClose() {
        onExit = nil
        if pidfd >= 0 { Glibc.close(pidfd) }
        pidfd = -1
    }
}

/// A NULL-terminated `char *[]` built from Swift strings, freed explicitly.
private struct CStringArray {
    let pointers: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
    let count: Int

    init(_ strings: [String]) {
        count = strings.count
        pointers = .allocate(capacity: strings.count + 1)
        for (index, string) in strings.enumerated() { pointers[index] = strdup(string) }
        pointers[strings.count] = nil
    }

    func free() {
        for index in 0..<count { Glibc.free(pointers[index]) }
        pointers.deallocate()
    }
}

private func withOptionalCString<T>(_ string: String?, _ body: (UnsafePointer<CChar>?) -> T) -> T {
    guard let string else { return body(nil) }
    return string.withCString { body($0) }
}
