import AgoraWire
import Foundation

/// Why a flag value could not be read.
public struct FlagError: Error, CustomStringConvertible {
    public let description: String
}

/// Parses Mesos-style durations: `15secs`, `500ms`, `2mins`, `1hrs`, `7days`, `10s`, or a bare number of seconds.
public func parseDuration(_ text: String) throws -> Duration {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    let digits = trimmed.prefix { $0.isNumber || $0 == "." }
    let unit = trimmed.dropFirst(digits.count).lowercased()
    guard let value = Double(digits), value >= 0, value.isFinite else {
        throw FlagError(description: "\"\(text)\" is not a duration like 15secs, 500ms or 2mins")
    }
    let seconds: Double
    switch unit {
    case "", "s", "sec", "secs", "second", "seconds": seconds = value
    case "ms", "msecs", "millis": seconds = value / 1000
    case "us", "usecs": seconds = value / 1_000_000
    case "ns", "nsecs": seconds = value / 1_000_000_000
    case "m", "min", "mins", "minutes": seconds = value * 60
    case "h", "hr", "hrs", "hours": seconds = value * 3600
    case "d", "day", "days": seconds = value * 86400
    case "w", "week", "weeks": seconds = value * 604_800
    default: throw FlagError(description: "\"\(text)\" has an unknown unit \"\(unit)\"")
    }
    guard seconds <= Bounds.maxSeconds else {
        throw FlagError(description: "\"\(text)\" is longer than ten years")
    }
    return Bounds.duration(seconds: seconds)
}


