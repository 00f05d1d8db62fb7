internal import CLibUV
import Glibc

/// Reads part of a regular file that must lie beneath a directory, off the loop thread.
///
/// The path is resolved by the kernel (`openat2` with `RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS`) from a handle on the
/// directory, so no symlink, `..` or concurrent rename can lead outside it. The file is opened non-blocking and
/// served only when it is a regular file with a single link: FIFOs, devices, sockets and hard links to files
/// elsewhere are refused at once. The blocking calls run on libuv's thread pool; `completion` runs on the loop.
public enum BeneathReader {
    /// What was read: up to the asked length from the offset, and the file's size.
    public typealias Result = Swift.Result<(bytes: [UInt8], size: Int64), RuntimeError>

    /// Reads `relativePath` (no leading `/`) beneath `directory`.
    public static func read(loop: Loop, directory: String, relativePath: String, offset: Int64, length: Int,
                            completion: @escaping (Result) -> Void) {
        ThreadPoolWork.run(loop: loop, {
            readNow(directory: directory, path: relativePath, offset: offset, length: length)
        }, completion: completion)
    }

    /// The same read, blocking the calling thread.
    public static func readNow(directory: String, path: String, offset: Int64, length: Int) -> Result {
        let root = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard root >= 0 else { return .failure(RuntimeError(status: -errno, call: "open(\(directory))")) }
        defer { close(root) }
        let fd = agora_open_beneath(root, path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(RuntimeError(status: fd, call: "openat2(\(path))")) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return .failure(RuntimeError(status: -errno, call: "fstat(\(path))")) }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: return .failure(RuntimeError(status: -EISDIR, call: "read(\(path))"))
        default: return .failure(RuntimeError(code: "ENOTREG", message: "not a regular file", call: "read(\(path))"))
        }
        guard info.st_nlink == 1 else {
            return .failure(RuntimeError(code: "EMLINK", message: "a file with other hard links is not served",
                                         call: "read(\(path))"))
        }
        let size = Int64(info.st_size)
        let wanted = Int(clamping: max(0, min(Int64(length), size - offset)))
        var bytes = [UInt8](repeating: 0, count: wanted)
        var filled = 0
        while filled < wanted {
            let count = bytes.withUnsafeMutableBytes { buffer in
                pread(fd, buffer.baseAddress!.advanced(by: filled), wanted - filled, off_t(offset) + off_t(filled))
            }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { return .failure(RuntimeError(status: -errno, call: "pread(\(path))")) }
            if count == 0 { break }
            filled += count
        }
        return .success((Array(bytes.prefix(filled)), size))
    }
}
