import AgoraRuntime
import ArgumentParser
import Logging

/// What a built-in framework daemon shares: its flags' parsing and its run loop.
public enum FrameworkRunner {
    /// `host:port` (an `http://` prefix is allowed; `localhost` means 127.0.0.1).
    public static func masterAddress(_ text: String) throws -> SocketAddress {
        guard let address = SocketAddress(parsing: text) else {
            throw ValidationError("--master must be host:port, got \"\(text)\"")
        }
        return address
    }

    /// Sets up logging and the work directory, then runs the daemon `start` builds
    /// (given the loop, its listen address, the master, the work directory and a logger).
    public static func run(
        name: String, common: CommonOptions, master: String,
        start: (Loop, SocketAddress, SocketAddress, String, Logger) throws -> (address: SocketAddress, stop: () -> Void)
    ) throws {
        _ = try bootstrapLogging(level: common.logLevel)
        let logger = Logger(label: name)
        let masterAddress = try masterAddress(master)
        let workDirectory = try common.prepareWorkDirectory()
        try DaemonRunner.run(name: name, logger: logger) { loop in
            try start(loop, SocketAddress(host: common.ip, port: common.port), masterAddress, workDirectory, logger)
        }
    }
}
