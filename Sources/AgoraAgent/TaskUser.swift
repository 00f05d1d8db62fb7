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

    /// The account to switch to for a task running as `name`, with its sandbox handed over to it; nil when `name`
    /// is the agent's own user.
    static func switching(to name: String, sandbox: String) throws(TaskUserError) -> TaskUser? {
        guard name != current else { return nil }
        guard geteuid() == 0 else {
            throw TaskUserError(message: "cannot run as user '\(name)': the agent is not root (start it with --no-switch-user to run tasks as '\(current)')")
        }
        guard let account = TaskUser(named: name) else {
            throw TaskUserError(message: "user '\(name)' does not exist on this agent")
        }
        guard chown(sandbox, account.uid, account.gid) == 0 else {
            throw TaskUserError(message: "cannot give the sandbox to user '\(name)': \(String(cString: strerror(errno)))")
        }
        return account
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

/// Why a task cannot run as the user it names.
struct TaskUserError: Error {
    let message: String
}
