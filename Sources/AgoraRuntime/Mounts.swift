import Glibc

/// The few mount operations the agent needs for container root filesystems: an overlay of a read-only image under a
/// writable layer, a detached unmount, and the list of mount points below a directory; a memory file system (for
/// benchmarks), and the type of file system holding a path.
public enum Mounts {
    /// Mounts `lower` (read-only) under `upper` (writable, with its `work` directory on the same filesystem) at
    /// `target`.
    public static func overlay(lower: String, upper: String, work: String, at target: String) throws(RuntimeError) {
        for path in [lower, upper, work] where path.contains(",") || path.contains(":") {
            throw RuntimeError(code: "EINVAL", message: "overlay paths must not contain ',' or ':' (\(path))", call: "mount(overlay)")
        }
        let options = "lowerdir=\(lower),upperdir=\(upper),workdir=\(work)"
        guard mount("overlay", target, "overlay", 0, options) == 0 else {
            let error = errno
            throw RuntimeError(code: errnoName(error), message: String(cString: strerror(error)), call: "mount(overlay, \(target))")
        }
    }

    /// Mounts a fresh memory filesystem (tmpfs) of at most `megabytes` at `target`.
    public static func tmpfs(at target: String, megabytes: Int) throws(RuntimeError) {
        guard mount("tmpfs", target, "tmpfs", UInt(MS_NOSUID | MS_NODEV), "size=\(megabytes)m,mode=0755") == 0 else {
            let error = errno
            throw RuntimeError(code: errnoName(error), message: String(cString: strerror(error)), call: "mount(tmpfs, \(target))")
        }
    }

    /// Detaches the mount at `path` (lazily: it goes once nothing uses it); a path that is not mounted is not an error.
    public static func unmount(_ path: String) throws(RuntimeError) {
        guard umount2(path, Int32(MNT_DETACH)) == 0 || errno == EINVAL || errno == ENOENT else {
            let error = errno
            throw RuntimeError(code: errnoName(error), message: String(cString: strerror(error)), call: "umount2(\(path))")
        }
    }

    /// The mount points at or below `directory`, deepest first, from `/proc/self/mountinfo`.
    public static func mountPoints(under directory: String) -> [String] {
        guard let text = try? Files.readText("/proc/self/mountinfo") else { return [] }
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        let points = text.split(separator: "\n").compactMap { line -> String? in
            let fields = line.split(separator: " ")
            guard fields.count > 4 else { return nil }
            let point = unescape(String(fields[4]))
            return point == directory || point.hasPrefix(prefix) ? point : nil
        }
        return points.sorted { $0.count > $1.count }
    }

    /// The type of the file system holding `path` (`ext4`, `tmpfs`, …): that of its deepest mount point in
    /// `/proc/self/mountinfo`, whose fields after the ` - ` separator start with the type.
    public static func fileSystemType(of path: String) -> String? {
        guard let text = try? Files.readText("/proc/self/mountinfo") else { return nil }
        var best: (point: String, type: String)?
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count > 6, let separator = fields[6...].firstIndex(of: "-"), separator + 1 < fields.count else { continue }
            let point = unescape(String(fields[4]))
            let holds = point == "/" || path == point || path.hasPrefix(point + "/")
            if holds && point.count >= (best?.point.count ?? 0) { best = (point, String(fields[separator + 1])) }
        }
        return best?.type
    }

    /// mountinfo escapes space, tab, newline and backslash as octal (`\040`).
    private static func unescape(_ field: String) -> String {
        guard field.contains("\\") else { return field }
        var bytes: [UInt8] = []
        var utf8 = Array(field.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "\\"), utf8.count >= 3, let value = UInt8(String(decoding: utf8.prefix(3), as: UTF8.self), radix: 8) {
                bytes.append(value)
                utf8 = utf8.dropFirst(3)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func errnoName(_ error: Int32) -> String {
        switch error {
        case EPERM: "EPERM"
        case EINVAL: "EINVAL"
        case ENOENT: "ENOENT"
        case EBUSY: "EBUSY"
        case ENODEV: "ENODEV"
        default: "E\(error)"
        }
    }
}
