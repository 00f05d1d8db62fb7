import Glibc

/// A log file that never grows past `maxBytes`: before a write would pass it, `FILE` becomes `FILE.1` (`FILE.1`
/// becomes `FILE.2`, …) and a new `FILE` starts, keeping `maxFiles` files in all, so a task's output never takes
/// more than `maxBytes` × `maxFiles` of its sandbox (as Mesos' logrotate container logger). A write that fails (a
/// full disk, a removed sandbox) drops its bytes: the writer is never blocked on its log.
public final class RotatingLog {
    public let path: String
    private let maxBytes: Int
    private let maxFiles: Int
    private var fd: Int32 = -1
    private var size = 0

    /// Opens (appending to) `path`; fails when it cannot be opened.
    public init(path: String, maxBytes: Int, maxFiles: Int) throws(RuntimeError) {
        self.path = path
        self.maxBytes = max(1, maxBytes)
        self.maxFiles = max(1, maxFiles)
        try open()
    }

    deinit { close() }

    private func open() throws(RuntimeError) {
        fd = Glibc.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw RuntimeError(status: -errno, call: "open(\(path))") }
        var info = stat()
        size = fstat(fd, &info) == 0 ? Int(info.st_size) : 0
    }

    private func rotate() {
        close()
        if maxFiles == 1 {
            unlink(path)
        } else {
            unlink("\(path).\(maxFiles - 1)")
            for index in stride(from: maxFiles - 2, through: 1, by: -1) { rename("\(path).\(index)", "\(path).\(index + 1)") }
            rename(path, "\(path).1")
        }
        try? open()
    }

    /// Appends `bytes`, rotating first whenever the current file is full.
    public func write(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            if size >= maxBytes { rotate() }
            guard fd >= 0 else { return }
            let written = Glibc.write(fd, base + offset, min(bytes.count - offset, maxBytes - size))
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return }
            offset += written
            size += written
        }
    }

    public func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }
}
