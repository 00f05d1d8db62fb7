import AgoraRuntime
import Foundation
import Logging

/// Log lines to standard error: `2026-11-28T05:00:00.123Z INFO agora-master: message key=value`.
public struct StandardErrorLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    private let label: String

    public init(label: String, level: Logger.Level) {
        self.label = label
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let suffix = merged.isEmpty ? "" : " " + merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            .joined(separator: " ")
        let line = "\(timestamp()) \(event.level.rawValue.uppercased()) \(label): \(event.message)\(suffix)\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    private func timestamp() -> String { UTCTimestamp.string(secondsSince1970: Date().timeIntervalSince1970) }
}

/// Routes swift-log to standard error at `level` (`trace`…`critical`); call once at startup.
public func bootstrapLogging(level: String) throws -> Logger.Level {
    guard let parsed = Logger.Level(rawValue: level.lowercased()) else {
        throw FlagError(description: "unknown log level \"\(level)\"; use trace, debug, info, notice, warning, error or critical")
    }
    LoggingSystem.bootstrap { label in StandardErrorLogHandler(label: label, level: parsed) }
    return parsed
}
