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

/// One entry of a directory listed by `BeneathReader.list`, as `lstat` sees it (a symlink is listed, not followed).
public struct DirectoryEntry: Sendable {
    public let name: String
    public let mode: UInt32
    public let size: Int64
    public let modified: Double
    public let links: UInt64
    public let owner: String
    public let group: String

    /// `ls -l`'s mode string (`drwxr-xr-x`).
    public var modeString: String {
        let type: Character = switch mode & S_IFMT {
        case S_IFDIR: "d"
        case S_IFLNK: "l"
        case S_IFIFO: "p"
        case S_IFSOCK: "s"
        case S_IFCHR: "c"
        case S_IFBLK: "b"
        default: "-"
        }
        let bits = "rwxrwxrwx"
        return String(type) + String(bits.enumerated().map { index, letter in mode & (0o400 >> UInt32(index)) != 0 ? letter : "-" })
    }
}

extension BeneathReader {
    /// Lists the directory `relativePath` beneath `directory` (resolved as `read` resolves files), off the loop thread.
    public static func list(loop: Loop, directory: String, relativePath: String,
                            completion: @escaping (Swift.Result<[DirectoryEntry], RuntimeError>) -> Void) {
        ThreadPoolWork.run(loop: loop, { listNow(directory: directory, path: relativePath) }, completion: completion)
    }

    static func listNow(directory: String, path: String) -> Swift.Result<[DirectoryEntry], RuntimeError> {
        let root = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard root >= 0 else { return .failure(RuntimeError(status: -errno, call: "open(\(directory))")) }
        defer { close(root) }
        let fd = agora_open_beneath(root, path.isEmpty ? "." : path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(RuntimeError(status: fd, call: "openat2(\(path))")) }
        guard let handle = fdopendir(fd) else {
            close(fd)
            return .failure(RuntimeError(status: -errno, call: "fdopendir(\(path))"))
        }
        defer { closedir(handle) }
        var entries: [DirectoryEntry] = []
        for name in entryNames(of: handle) {
            var info = stat()
            guard fstatat(dirfd(handle), name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { continue }
            entries.append(DirectoryEntry(
                name: name, mode: info.st_mode, size: Int64(info.st_size),
                modified: Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9, links: UInt64(info.st_nlink),
                owner: userName(info.st_uid), group: groupName(info.st_gid)))
        }
        return .success(entries.sorted { $0.name < $1.name })
    }

    private static func userName(_ uid: uid_t) -> String {
        var record = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getpwuid_r(uid, &record, &buffer, buffer.count, &result) == 0, result != nil else { return String(uid) }
        return String(cString: record.pw_name)
    }

    private static func groupName(_ gid: gid_t) -> String {
        var record = group()
        var result: UnsafeMutablePointer<group>?
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getgrgid_r(gid, &record, &buffer, buffer.count, &result) == 0, result != nil else { return String(gid) }
        return String(cString: record.gr_name)
    }
}
