import AgoraAuth
import AgoraRuntime
import ArgumentParser
import Logging

/// The flags every built-in framework daemon takes: where it listens and keeps state, how it authenticates, and
/// its master.
public struct FrameworkOptions: ParsableArguments {
    @OptionGroup public var common: CommonOptions

    @OptionGroup public var auth: FrameworkAuthOptions

    @Option(help: "The master as host:port.")
    public var master = "127.0.0.1:5050"

    public init() {}

    public func validate() throws { _ = try FrameworkRunner.masterAddress(master) }
}

/// What a built-in framework daemon shares: its flags' parsing and its run loop.
public enum FrameworkRunner {
    /// `host:port` (an `http://` prefix is allowed; `localhost` means 127.0.0.1).
    public static func masterAddress(_ text: String) throws -> SocketAddress {
        guard let address = SocketAddress(parsing: text) else {
            throw ValidationError("--master must be host:port, got \"\(text)\"")
        }
        return address
    }

    /// What a framework daemon is started with.
    public struct Setting {
        public let loop: Loop
        /// Where its API listens.
        public let address: SocketAddress
        public let master: SocketAddress
        public let workDirectory: String
        public let logger: Logger
        /// What it presents to the master (`--principal`, `--secret-file`).
        public let credential: Credential?
        /// What guards its API (`--authenticate-http`).
        public let gate: AuthGate
    }

    /// Sets up logging, the work directory and authentication, then runs the daemon `start` builds.
    public static func run(
        name: String, options: FrameworkOptions, start: (Setting) throws -> (address: SocketAddress, stop: () -> Void)
    ) throws {
        let common = options.common
        let auth = options.auth
        _ = try bootstrapLogging(level: common.logLevel)
        let logger = Logger(label: name)
        let masterAddress = try masterAddress(options.master)
        let workDirectory = try common.prepareWorkDirectory()
        let credential = try auth.credential()
        let gate = AuthGate(try auth.authenticator())
        try DaemonRunner.run(name: name, logger: logger) { loop in
            try start(Setting(loop: loop, address: SocketAddress(host: common.ip, port: common.port), master: masterAddress,
                              workDirectory: workDirectory, logger: logger, credential: credential, gate: gate))
        }
    }
}
