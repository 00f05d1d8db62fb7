internal import CLibUV
import Glibc

/// Synchronous file reads through libuv's filesystem calls, for small files (ids, sandbox files).
public enum Files {
    /// Up to `length` bytes of `path` from `offset`, and the file's size.
    public static func read(_ path: String, offset: Int64 = 0, length: Int = Int.max) throws(RuntimeError)
        -> (bytes: [UInt8], size: Int64) {
        var request = uv_fs_t()
        let fd = uv_fs_open(nil, &request, path, O_RDONLY | O_CLOEXEC, 0, nil)
        uv_fs_req_cleanup(&request)
        try check(fd, "uv_fs_open(\(path))")
        defer {
            var closing = uv_fs_t()
            uv_fs_close(nil, &closing, uv_file(fd), nil)
            uv_fs_req_cleanup(&closing)
        }
        let statStatus = uv_fs_fstat(nil, &request, uv_file(fd), nil)
        let size = Int64(request.statbuf.st_size)
        let isDirectory = request.statbuf.st_mode & 0o170000 == 0o040000
        uv_fs_req_cleanup(&request)
        try check(statStatus, "uv_fs_fstat(\(path))")
        if isDirectory { throw RuntimeError(status: Int32(UV_EISDIR.rawValue), call: "uv_fs_read(\(path))") }
        // Pseudo files (/proc, /sys, cgroups) report size 0: read those until end of file, in pieces of a page that
        // double up to 64 KiB (most hold a line or two).
        let wanted = size > 0 ? Int(max(0, min(Int64(length), size - offset))) : length
        var bytes = [UInt8]()
        var filled = 0
        var pieceSize = size > 0 ? 64 * 1024 : 4096
        while filled < wanted {
            let chunk = min(wanted - filled, pieceSize)
            pieceSize = min(pieceSize * 2, 64 * 1024)
            if bytes.count < filled + chunk { bytes.append(contentsOf: repeatElement(0, count: filled + chunk - bytes.count)) }
            let count: Int32 = bytes.withUnsafeMutableBytes { buffer in
                var piece = agora_uv_buf(buffer.baseAddress!.advanced(by: filled).assumingMemoryBound(to: CChar.self), chunk)
                let result = uv_fs_read(nil, &request, uv_file(fd), &piece, 1, offset + Int64(filled), nil)
                uv_fs_req_cleanup(&request)
                return result
            }
            try check(count, "uv_fs_read(\(path))")
            if count == 0 { break }
            filled += Int(count)
        }
        bytes.removeLast(bytes.count - filled)
        return (bytes, size)
    }

    /// Replaces `path` with `bytes` so that a crash leaves the old file or the new one, never a part: writes a
    /// temporary file with `mode`, fsyncs it, then renames it over `path`.
    public static func writeAtomically(_ path: String, _ bytes: [UInt8], mode: Int32 = 0o644) throws(RuntimeError) {
        let temporary = path + ".new"
        try write(temporary, bytes, mode: mode, sync: true)
        try rename(temporary, to: path)
    }

    /// Replaces several files so that a crash leaves each one old or new, never a part, at the cost of one flush:
    /// writes every `<path>.new`, makes them durable with one `syncfs` of the filesystem holding `directory`, then
    /// renames each over its path.
    public static func writeAtomically(_ files: [(path: String, bytes: [UInt8])], syncing directory: String,
                                       mode: Int32 = 0o644) throws(RuntimeError) {
        for file in files { try write(file.path + ".new", file.bytes, mode: mode, sync: false) }
        let fd = Glibc.open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw RuntimeError(code: "EIO", message: "cannot open \(directory)", call: "open") }
        let synced = agora_syncfs(fd)
        Glibc.close(fd)
        guard synced == 0 else { throw RuntimeError(code: "EIO", message: "cannot flush \(directory)", call: "syncfs") }
        for file in files { try rename(file.path + ".new", to: file.path) }
    }

    private static func rename(_ from: String, to path: String) throws(RuntimeError) {
        var request = uv_fs_t()
        let renamed = uv_fs_rename(nil, &request, from, path, nil)
        uv_fs_req_cleanup(&request)
        try check(renamed, "uv_fs_rename(\(from))")
    }

    /// Writes `bytes` to `path` (created with `mode`, or truncated) without syncing: for files nothing needs after a
    /// crash, such as a child's input.
    public static func writeScratch(_ path: String, _ bytes: [UInt8], mode: Int32 = 0o600) throws(RuntimeError) {
        try write(path, bytes, mode: mode, sync: false)
    }

    /// Writes `text` to an existing kernel control file (cgroups, /proc) in one write, without creating or truncating
    /// it; the kernel's refusal comes back with its errno.
    public static func writeControl(_ path: String, _ text: String) throws(RuntimeError) {
        try write(path, Array(text.utf8), flags: O_WRONLY | O_CLOEXEC, mode: 0, sync: false)
    }

    private static func write(_ temporary: String, _ bytes: [UInt8], flags: Int32 = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                              mode: Int32, sync: Bool) throws(RuntimeError) {
        var request = uv_fs_t()
        let fd = uv_fs_open(nil, &request, temporary, flags, mode, nil)
        uv_fs_req_cleanup(&request)
        try check(fd, "uv_fs_open(\(temporary))")
        var written = 0
        var failure: Int32 = 0
        while written < bytes.count && failure >= 0 {
            let count: Int32 = bytes.withUnsafeBytes { buffer in
                var piece = agora_uv_buf(UnsafeMutablePointer(mutating: buffer.baseAddress!.advanced(by: written)
                    .assumingMemoryBound(to: CChar.self)), bytes.count - written)
                let result = uv_fs_write(nil, &request, uv_file(fd), &piece, 1, -1, nil)
                uv_fs_req_cleanup(&request)
                return result
            }
            if count < 0 { failure = count } else { written += Int(count) }
        }
        if failure >= 0 && sync {
            failure = uv_fs_fsync(nil, &request, uv_file(fd), nil)
            uv_fs_req_cleanup(&request)
        }
        uv_fs_close(nil, &request, uv_file(fd), nil)
        uv_fs_req_cleanup(&request)
        try check(failure, "uv_fs_write(\(temporary))")
    }

    /// Makes directory `path` and any parents it lacks (mode 0755 before the umask); one that exists already is
    /// fine. Starts at the leaf, so a path whose parent exists costs one `mkdir`.
    public static func makeDirectories(_ path: String) throws(RuntimeError) {
        if mkdir(path, 0o755) == 0 { return }
        let failure = errno
        if failure == EEXIST {
            var info = stat()
            guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
                throw RuntimeError(status: -ENOTDIR, call: "mkdir(\(path))")
            }
            return
        }
        guard failure == ENOENT, let slash = path.lastIndex(of: "/"), slash != path.startIndex else {
            throw RuntimeError(status: -failure, call: "mkdir(\(path))")
        }
        try makeDirectories(String(path[..<slash]))
        guard mkdir(path, 0o755) == 0 || errno == EEXIST else { throw RuntimeError(status: -errno, call: "mkdir(\(path))") }
    }

    /// Points this process's standard output and error at `/dev/null`, so pipes they held (a task's log pipes)
    /// close on the reader's side once nobody else holds them.
    public static func detachStandardOutput() {
        let null = Glibc.open("/dev/null", O_WRONLY | O_CLOEXEC)
        guard null >= 0 else { return }
        _ = dup2(null, 1)
        _ = dup2(null, 2)
        Glibc.close(null)
    }

    /// The whole file as UTF-8 text.
    public static func readText(_ path: String) throws(RuntimeError) -> String {
        String(decoding: try read(path).bytes, as: UTF8.self)
    }
}
