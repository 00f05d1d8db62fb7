import ArgumentParser
import Foundation

/// Flags every Agora daemon takes.
public struct CommonOptions: ParsableArguments {
    @Option(help: "Address to listen on.")
    public var ip = "127.0.0.1"

    @Option(help: "Port to listen on; 0 picks a free one (the daemon prints it first thing on stdout).")
    public var port: UInt16

    @Option(name: .customLong("work-dir"), help: "Directory for the daemon's state; created if missing.")
    public var workDir: String

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    public var logLevel = "info"

    public init() {}

    public func validate() throws {
        guard !workDir.isEmpty else { throw ValidationError("--work-dir must not be empty") }
    }

    /// Creates the work directory and returns its absolute path.
    public func prepareWorkDirectory() throws -> String {
        let url = URL(fileURLWithPath: workDir).standardizedFileURL
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw ValidationError("cannot create --work-dir \(url.path): \(error.localizedDescription)")
        }
        return url.path
    }
}

/// A duration flag value (`15secs`, `500ms`, …) for swift-argument-parser.
public struct DurationFlag: ExpressibleByArgument, Sendable {
    public let duration: Duration

    public init(_ duration: Duration) { self.duration = duration }

    public init?(argument: String) {
        guard let duration = try? parseDuration(argument) else { return nil }
        self.duration = duration
    }

    public var defaultValueDescription: String { "\(duration.seconds)secs" }
}
