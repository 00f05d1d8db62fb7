import Glibc

/// A Unix account of this host, looked up by name; the C calls for it stay in this layer.
public struct UnixAccount: Equatable, Sendable {
    public let name: String
    public let uid: UInt32
    public let gid: UInt32
    public let home: String

    /// The account named `name`; nil when this host has none.
    public init?(named name: String) {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16_384)
        guard getpwnam_r(name, &entry, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
        self.name = name
        uid = entry.pw_uid
        gid = entry.pw_gid
        home = entry.pw_dir.map { String(cString: $0) } ?? "/"
    }

    /// The name of the account this process runs as, looked up once (Agora's daemons never change their user).
    public static let currentName: String = {
        guard let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name else { return String(geteuid()) }
        return String(cString: name)
    }()

    /// Whether this process runs as root (and so may run others as another account).
    public static var isRoot: Bool { geteuid() == 0 }

    /// Makes this account the owner of `path`.
    public func take(_ path: String) throws(RuntimeError) {
        guard chown(path, uid, gid) == 0 else { throw RuntimeError(status: -errno, call: "chown(\(path))") }
    }
}
