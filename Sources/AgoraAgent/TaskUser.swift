import AgoraRuntime
import Foundation

/// The Unix account a task runs as, looked up on this host.
struct TaskUser: Equatable {
    let name: String
    let uid: uid_t
    let gid: gid_t
    let home: String

    /// The account named `name`; nil when this host has none.
    init?(named name: String) {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16_384)
        guard getpwnam_r(name, &entry, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
        self.name = name
        uid = entry.pw_uid
        gid = entry.pw_gid
        home = entry.pw_dir.map { String(cString: $0) } ?? "/"
    }

    /// The agent's own account.
    static var current: String {
        guard let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name else { return String(geteuid()) }
        return String(cString: name)
    }

    /// `command` run through `setpriv` as this user, with its groups (the agent stays root until the exec).
    func wrap(_ command: ProcessSpec.Command) -> ProcessSpec.Command {
        let argv: [String] = switch command {
        case .shell(let script): ["/bin/sh", "-c", script]
        case .argv(let arguments): arguments
        }
        return .argv(["setpriv", "--reuid=\(uid)", "--regid=\(gid)", "--init-groups", "--"] + argv)
    }
}
