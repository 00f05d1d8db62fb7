import AgoraRuntime

/// The Unix account a task runs as, and how its command is started under it.
struct TaskUser: Equatable {
    let account: UnixAccount

    var home: String { account.home }

    /// The agent's own account name.
    static var current: String { UnixAccount.currentName }

    /// The account to switch to for a task running as `name`, with its sandbox handed over to it; nil when `name`
    /// is the agent's own user.
    static func switching(to name: String, sandbox: String) throws(TaskUserError) -> TaskUser? {
        guard name != current else { return nil }
        guard UnixAccount.isRoot else {
            throw TaskUserError(message: "cannot run as user '\(name)': the agent is not root (start it with --no-switch-user to run tasks as '\(current)')")
        }
        guard let account = UnixAccount(named: name) else {
            throw TaskUserError(message: "user '\(name)' does not exist on this agent")
        }
        do {
            try account.take(sandbox)
        } catch {
            throw TaskUserError(message: "cannot give the sandbox to user '\(name)': \(error.message)")
        }
        return TaskUser(account: account)
    }

    /// `command` run through `setpriv` as this user, with its groups (the agent stays root until the exec).
    func wrap(_ command: ProcessSpec.Command) -> ProcessSpec.Command {
        .argv(["setpriv", "--reuid=\(account.uid)", "--regid=\(account.gid)", "--init-groups", "--"] + command.argv)
    }
}

/// Why a task cannot run as the user it names.
struct TaskUserError: Error {
    let message: String
}
