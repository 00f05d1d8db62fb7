internal import CLibUV
import Glibc

/// A child process started with `uv_spawn`; reports its exit on the loop's thread.
public final class ChildProcess: LoopHandle {
    private var onExit: ((ProcessExit) -> Void)?
    /// The child's process id.
    public private(set) var pid: Int32 = 0
    /// The exit status, once the child has ended.
    public private(set) var exitStatus: ProcessExit?
    private let ownsGroup: Bool

    private init(loop: Loop, ownsGroup: Bool) {
        self.ownsGroup = ownsGroup
        super.init(loop: loop, type: UV_PROCESS)
    }

    var raw: UnsafeMutablePointer<uv_process_t> { memory.assumingMemoryBound(to: uv_process_t.self) }

    /// Starts `spec`; `onExit` is called once with how the child ended, after which the handle closes itself.
    public static func spawn(
        loop: Loop, _ spec: ProcessSpec, onExit: @escaping (ProcessExit) -> Void
    ) throws(RuntimeError) -> ChildProcess {
        let argv = spec.argv
        guard let file = argv.first, !file.isEmpty else {
            throw RuntimeError(code: "EINVAL", message: "empty command", call: "uv_spawn")
        }
        let process = ChildProcess(loop: loop, ownsGroup: spec.ownProcessGroup)
        process.onExit = onExit

        var opened: [Int32] = []
        defer { for fd in opened { Glibc.close(fd) } }
        func openOutput(_ path: String?, unless descriptor: Int32?) throws(RuntimeError) -> Int32? {
            if let descriptor { return descriptor }
            guard let path else { return nil }
            let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            if fd < 0 { throw RuntimeError(status: -errno, call: "open(\(path))") }
            opened.append(fd)
            return fd
        }
        var stdinFD = spec.stdinDescriptor
        if stdinFD == nil, let path = spec.stdinPath {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            if fd < 0 { throw RuntimeError(status: -errno, call: "open(\(path))") }
            opened.append(fd)
            stdinFD = fd
        }
        let stdoutFD = try openOutput(spec.stdoutPath, unless: spec.stdoutDescriptor)
        let stderrFD = try openOutput(spec.stderrPath, unless: spec.stderrDescriptor)

        let cArgs = CStringArray(argv)
        let cEnv = spec.environment.map { CStringArray($0.map { "\($0.key)=\($0.value)" }.sorted()) }
        defer {
            cArgs.free()
            cEnv?.free()
        }
        var stdio = [uv_stdio_container_t](repeating: uv_stdio_container_t(), count: 3)
        if let stdinFD { agora_uv_stdio_fd(&stdio[0], stdinFD) } else { agora_uv_stdio_ignore(&stdio[0]) }
        if let stdoutFD { agora_uv_stdio_fd(&stdio[1], stdoutFD) } else { agora_uv_stdio_ignore(&stdio[1]) }
        if let stderrFD { agora_uv_stdio_fd(&stdio[2], stderrFD) } else { agora_uv_stdio_ignore(&stdio[2]) }

        let status: Int32 = stdio.withUnsafeMutableBufferPointer { stdioBuffer in
            withOptionalCString(spec.workingDirectory) { cwd in
                var options = uv_process_options_t()
                options.file = UnsafePointer(cArgs.pointers[0])
                options.args = cArgs.pointers
                options.env = cEnv?.pointers
                options.cwd = cwd
                options.flags = spec.ownProcessGroup ? UInt32(UV_PROCESS_DETACHED.rawValue) : 0
                options.stdio_count = 3
                options.stdio = stdioBuffer.baseAddress
                options.exit_cb = { handle, code, signal in
                    guard let child = ChildProcess.owner(handle.map(UnsafeMutableRawPointer.init), as: ChildProcess.self)
                    else { return }
                    child.didExit(code: code, signal: signal)
                }
                return uv_spawn(loop.raw, process.raw, &options)
            }
        }
        if status < 0 {
            // libuv initialised the handle even on failure; it still needs its close.
            process.didOpen()
            process.close()
            throw RuntimeError(status: status, call: "uv_spawn(\(file))")
        }
        process.didOpen()
        process.pid = process.raw.pointee.pid
        return process
    }

    private func didExit(code: Int64, signal: Int32) {
        let status = ProcessExit(code: code, signal: signal == 0 ? nil : Signal(rawValue: signal))
        exitStatus = status
        let callback = onExit
        onExit = nil
        close()
        callback?(status)
    }

    /// Sends `signal` to the child alone.
    public func kill(_ signal: Signal) throws(RuntimeError) {
        guard exitStatus == nil else { return }
        try check(uv_kill(pid, signal.rawValue), "uv_kill(\(pid))")
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
        guard ownsGroup else { return try kill(signal) }
        try ChildProcess.killGroup(pid, signal)
    }

    override func didClose() { onExit = nil }
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
