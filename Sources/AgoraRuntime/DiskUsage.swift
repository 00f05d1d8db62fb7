import Glibc

/// The bytes a directory tree occupies on disk (allocated blocks, as `du` counts them): symlinks are not
/// followed, other file systems are not entered, and a file with several links is counted once.
public enum DiskUsage {
    /// Measures `path` on the thread pool and hands the total to `completion` on the loop.
    public static func measure(loop: Loop, path: String, completion: @escaping (Int64) -> Void) {
        ThreadPoolWork.run(loop: loop, { measureNow(path) }, completion: completion)
    }

    /// Measures `path` on the calling thread; unreadable parts count as nothing.
    public static func measureNow(_ path: String) -> Int64 {
        var root = stat()
        guard lstat(path, &root) == 0 else { return 0 }
        var seen = Set<[UInt64]>()
        var total = Int64(root.st_blocks) * 512
        guard root.st_mode & S_IFMT == S_IFDIR else { return total }
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return total }
        total += walk(fd, device: root.st_dev, seen: &seen)
        return total
    }

    /// Sums the entries of the open directory `fd` (which it closes), descending into subdirectories.
    private static func walk(_ fd: Int32, device: dev_t, seen: inout Set<[UInt64]>) -> Int64 {
        guard let directory = fdopendir(fd) else {
            close(fd)
            return 0
        }
        defer { closedir(directory) }
        var total: Int64 = 0
        for name in entryNames(of: directory) {
            var info = stat()
            guard fstatat(dirfd(directory), name, &info, AT_SYMLINK_NOFOLLOW) == 0, info.st_dev == device else { continue }
            if info.st_nlink > 1 && info.st_mode & S_IFMT != S_IFDIR {
                guard seen.insert([UInt64(info.st_dev), UInt64(info.st_ino)]).inserted else { continue }
            }
            total += Int64(info.st_blocks) * 512
            if info.st_mode & S_IFMT == S_IFDIR {
                let child = openat(dirfd(directory), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                if child >= 0 { total += walk(child, device: device, seen: &seen) }
            }
        }
        return total
    }
}
