/// What to run: the command, its environment, working directory and where its output goes.
public struct ProcessSpec: Sendable {
    /// How the command is given.
    public enum Command: Sendable {
        /// Run `/bin/sh -c script`.
        case shell(String)
        /// Run `arguments[0]` (looked up on `PATH`) with the arguments as given.
        case argv([String])

        /// The argument vector that runs this command (`/bin/sh -c script` for a shell line).
        public var argv: [String] {
            switch self {
            case .shell(let script): ["/bin/sh", "-c", script]
            case .argv(let arguments): arguments
            }
        }
    }

    public var command: Command
    /// The complete environment of the child, as `NAME=value` pairs; nil inherits the parent's.
    public var environment: [String: String]?
    /// The child's working directory; nil keeps the parent's.
    public var workingDirectory: String?
    /// File the child reads as its standard input; nil gives it none.
    public var stdinPath: String?
    /// File the child's standard output is appended to; nil discards it.
    public var stdoutPath: String?
    /// File the child's standard error is appended to; nil discards it.
    public var stderrPath: String?
    /// Starts the child in a new session and process group so the whole tree can be signalled.
    public var ownProcessGroup: Bool
    /// Descriptors given to the child as its standard input, output and error, instead of nothing or the paths
    /// above (the caller keeps and closes its own copies).
    public var stdinDescriptor: Int32?
    public var stdoutDescriptor: Int32?
    public var stderrDescriptor: Int32?
    /// `cgroup.procs` files the child joins before it execs (so all it starts is inside from its first instruction).
    public var cgroupProcs: [String] = []
    /// Starts the child as the init of fresh PID and mount namespaces, with its own `/proc`.
    public var pidNamespace = false

    public init(
        command: Command, environment: [String: String]? = nil, workingDirectory: String? = nil,
        stdoutPath: String? = nil, stderrPath: String? = nil, ownProcessGroup: Bool = true
    ) {
        self.command = command
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.stdoutPath = stdoutPath
        self.stderrPath = stderrPath
        self.ownProcessGroup = ownProcessGroup
    }

    var argv: [String] { command.argv }
}

/// How a child process ended.
public struct ProcessExit: Equatable, Sendable, CustomStringConvertible {
    /// The exit code; meaningful when `signal` is nil.
    public let code: Int64
    /// The signal that ended the process, if one did.
    public let signal: Signal?

    public init(code: Int64, signal: Signal?) {
        self.code = code
        self.signal = signal
    }

    public var succeeded: Bool { signal == nil && code == 0 }

    public var description: String {
        if let signal { return "terminated by \(signal)" }
        return "exited with status \(code)"
    }
}
