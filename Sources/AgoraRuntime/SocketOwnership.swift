import Glibc

/// Which processes hold a TCP connection, read from the kernel (`/proc/net/tcp*` and each process's open files): how
/// an agent knows that a call without credentials comes from the executor it started, and not from anyone else on
/// the host.
public enum SocketOwnership {
    /// Whether a process of process group `group` holds the connection from local port `port` to `serverPort` on this
    /// host (the client's end of a loopback connection to a server here).
    public static func processGroup(_ group: Int32, holdsConnectionFrom port: UInt16, to serverPort: UInt16) -> Bool {
        let inodes = Set(["/proc/net/tcp", "/proc/net/tcp6"].flatMap { socketInodes(in: $0, local: port, remote: serverPort) })
        guard !inodes.isEmpty else { return false }
        return processes(inGroup: group).contains { pid in
            openSockets(of: pid).contains { inodes.contains($0) }
        }
    }

    /// Inodes of the sockets in a `/proc/net/tcp`-style table whose local port is `local` and remote port `remote`.
    static func socketInodes(in table: String, local: UInt16, remote: UInt16) -> [UInt64] {
        guard let text = try? Files.readText(table) else { return [] }
        return text.split(separator: "\n").dropFirst().compactMap { line in
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count > 9, port(of: fields[1]) == local, port(of: fields[2]) == remote else { return nil }
            return UInt64(fields[9])
        }
    }

    /// The port of an `ADDRESS:PORT` field, the port in hexadecimal.
    private static func port(of field: Substring) -> UInt16? {
        field.split(separator: ":").last.flatMap { UInt16($0, radix: 16) }
    }

    /// The processes whose process group is `group`.
    static func processes(inGroup group: Int32) -> [Int32] {
        entries(of: "/proc").compactMap { Int32($0) }.filter { pid in
            guard let stat = try? Files.readText("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else {
                return false
            }
            // After "pid (comm)": state, ppid, pgrp.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 2 && Int32(fields[2]) == group
        }
    }

    /// The socket inodes among `pid`'s open files.
    static func openSockets(of pid: Int32) -> [UInt64] {
        let directory = "/proc/\(pid)/fd"
        return entries(of: directory).compactMap { name in
            var buffer = [CChar](repeating: 0, count: 64)
            let count = readlink("\(directory)/\(name)", &buffer, buffer.count - 1)
            guard count > 0 else { return nil }
            let target = String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            guard target.hasPrefix("socket:["), target.hasSuffix("]") else { return nil }
            return UInt64(target.dropFirst(8).dropLast())
        }
    }

    private static func entries(of directory: String) -> [String] {
        guard let handle = opendir(directory) else { return [] }
        defer { closedir(handle) }
        return entryNames(of: handle)
    }
}
