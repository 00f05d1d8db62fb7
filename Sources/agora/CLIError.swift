import ArgumentParser

/// A failure the CLI reports as one line on stderr, with an exit code scripts can rely on.
struct CLIError: Error, CustomStringConvertible {
    /// Exit codes: 1 = the thing asked for does not exist or failed; 69 = the master or an agent is
    /// unreachable (EX_UNAVAILABLE); 64 = bad usage (argument parser).
    enum Kind: Int32 {
        case failed = 1
        case unavailable = 69
    }

    let kind: Kind
    let message: String

    var description: String { message }

    static func unavailable(_ message: String) -> CLIError { CLIError(kind: .unavailable, message: message) }
    static func failed(_ message: String) -> CLIError { CLIError(kind: .failed, message: message) }
}

/// Runs a command body, turning `CLIError` into its message and exit code.
func reporting(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as CLIError {
        var standardError = StandardError()
        print("agora: \(error.message)", to: &standardError)
        throw ExitCode(error.kind.rawValue)
    }
}

/// Standard error as a `TextOutputStream`.
struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        FileHandleWriter.writeStandardError(string)
    }
}

import Foundation

enum FileHandleWriter {
    static func writeStandardError(_ string: String) {
        FileHandle.standardError.write(Data(string.utf8))
    }
}
