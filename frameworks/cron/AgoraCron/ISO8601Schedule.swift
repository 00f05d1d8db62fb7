import AgoraWire
import Foundation

/// Why a schedule could not be read.
public struct ScheduleError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// An ISO 8601 duration: calendar parts (years, months, weeks, days) and clock parts (hours, minutes, seconds).
public struct ISO8601Period: Equatable, Sendable {
    public var years = 0, months = 0, weeks = 0, days = 0
    public var hours = 0, minutes = 0
    public var seconds = 0.0

    /// Parses `P1Y2M3W4DT5H6M7.5S` (any part may be missing, but not all).
    public init(parsing text: String) throws(ScheduleError) {
        guard text.hasPrefix("P"), text.count > 1 else { throw ScheduleError(message: "period \"\(text)\" must start with P") }
        var inTime = false
        var number = ""
        var seen = false
        for character in text.dropFirst() {
            if character == "T" {
                guard !inTime, number.isEmpty else { throw ScheduleError(message: "period \"\(text)\" has a misplaced T") }
                inTime = true
                continue
            }
            if character.isNumber || character == "." {
                number.append(character)
                continue
            }
            guard let value = Double(number) else { throw ScheduleError(message: "period \"\(text)\" is missing a number before \(character)") }
            if value != value.rounded() && !(inTime && character == "S") {
                throw ScheduleError(message: "period \"\(text)\": only seconds may be fractional")
            }
            guard value <= ISO8601Period.maxPart else {
                throw ScheduleError(message: "period \"\(text)\": \(number)\(character) is more than 100 years")
            }
            let whole = Bounds.clampedInt(value)
            switch (inTime, character) {
            case (false, "Y"): years = whole
            case (false, "M"): months = whole
            case (false, "W"): weeks = whole
            case (false, "D"): days = whole
            case (true, "H"): hours = whole
            case (true, "M"): minutes = whole
            case (true, "S"): seconds = value
            default: throw ScheduleError(message: "period \"\(text)\" has an unknown unit \(character)")
            }
            seen = true
            number = ""
        }
        guard number.isEmpty, seen else { throw ScheduleError(message: "period \"\(text)\" is incomplete") }
        guard years + months + weeks + days + hours + minutes > 0 || seconds > 0 else {
            throw ScheduleError(message: "period \"\(text)\" must be longer than zero")
        }
        guard approximateSeconds <= ISO8601Period.maxSeconds else {
            throw ScheduleError(message: "period \"\(text)\" is longer than 100 years")
        }
    }

    /// The largest number one part may hold: 100 years in seconds, the finest unit.
    static let maxPart = 3_155_760_000.0
    /// The longest period accepted (100 years).
    static let maxSeconds = maxPart

    /// The length in seconds, with average months and years (for epsilon and the minimum-period rule).
    public var approximateSeconds: Double {
        Double(years) * 31_557_600 + Double(months) * 2_629_800 + Double(weeks * 7 + days) * 86_400
            + Double(hours * 3600 + minutes * 60) + seconds
    }

    /// `date` moved by `count` periods on `calendar` (calendar parts keep the wall-clock time across DST).
    func advance(_ date: Date, by count: Int, calendar: Calendar) -> Date? {
        var parts = DateComponents()
        parts.year = years * count
        parts.month = months * count
        parts.day = (weeks * 7 + days) * count
        guard let calendarMoved = calendar.date(byAdding: parts, to: date) else { return nil }
        let clockSeconds = (Double(hours * 3600 + minutes * 60) + seconds) * Double(count)
        return calendarMoved.addingTimeInterval(clockSeconds)
    }

    /// `P1D`, `PT1H30M` …
    public var text: String {
        var out = "P"
        if years > 0 { out += "\(years)Y" }
        if months > 0 { out += "\(months)M" }
        if weeks > 0 { out += "\(weeks)W" }
        if days > 0 { out += "\(days)D" }
        if hours > 0 || minutes > 0 || seconds > 0 {
            out += "T"
            if hours > 0 { out += "\(hours)H" }
            if minutes > 0 { out += "\(minutes)M" }
            if seconds > 0 { out += seconds == seconds.rounded() ? "\(Bounds.clampedInt64(seconds))S" : "\(seconds)S" }
        }
        return out
    }
}

/// A Chronos schedule, `R[n]/<start>/<period>`: `n` more runs (unbounded without a number),
/// the first at `start`, then every `period` in `timeZone`.
public struct ISO8601Schedule: Equatable, Sendable {
    /// Runs left; nil is unbounded, 0 means none.
    public var repetitions: Int?
    public var start: Date
    public var period: ISO8601Period
    public var timeZone: TimeZone
    /// Whether the text had no start (`R//PT1H`, "from now"), so `start` is the first whole second after the `now`
    /// it was parsed at.
    public var hasImplicitStart = false

    /// The shortest period a schedule may have, in seconds: shorter ones would starve the framework's loop.
    public static let minimumPeriodSeconds = 1.0
    /// The dates a schedule may start at: years 1 to 9999, as ISO 8601 writes them with four digits.
    static let startRange = -62_135_596_800.0 ... 253_402_300_799.0

    public init(parsing text: String, timeZone: TimeZone = .gmt, now: Date) throws(ScheduleError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, parts[0].hasPrefix("R") else {
            throw ScheduleError(message: "schedule \"\(text)\" must look like R[n]/<start>/<period>, e.g. R/2026-01-01T00:00:00Z/PT1H")
        }
        let count = parts[0].dropFirst()
        if count.isEmpty {
            repetitions = nil
        } else if let value = Int(count), value >= 0 {
            repetitions = value
        } else {
            throw ScheduleError(message: "schedule \"\(text)\": \"\(parts[0])\" is not R or R<count>")
        }
        if parts[1].isEmpty {
            start = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.up))
            hasImplicitStart = true
        } else if let date = ISO8601Schedule.parseDate(parts[1], timeZone: timeZone) {
            guard ISO8601Schedule.startRange.contains(date.timeIntervalSince1970) else {
                throw ScheduleError(message: "schedule \"\(text)\": the start must be between the years 1 and 9999")
            }
            start = date
        } else {
            throw ScheduleError(message: "schedule \"\(text)\": \"\(parts[1])\" is not an ISO 8601 date-time")
        }
        period = try ISO8601Period(parsing: parts[2])
        self.timeZone = timeZone
    }

    /// Accepts `2026-01-01T00:00:00Z`, with an offset, with fractions, or without a zone (then in `timeZone`).
    static func parseDate(_ text: String, timeZone: TimeZone) -> Date? {
        for options: ISO8601DateFormatter.Options in [[.withInternetDateTime, .withFractionalSeconds], [.withInternetDateTime]] {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = options
            if let date = formatter.date(from: text) { return date }
        }
        let local = ISO8601DateFormatter()
        local.formatOptions = [.withFullDate, .withTime, .withDashSeparatorInDate, .withColonSeparatorInTime]
        local.timeZone = timeZone
        return local.date(from: text)
    }

    private var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }

    /// The first occurrence at or after `date` and how many periods after `start` it is; nil when none are left.
    public func next(atOrAfter date: Date) -> (date: Date, index: Int)? {
        if repetitions == 0 { return nil }
        if date <= start { return (start, 0) }
        // Jump close with the average period length, then step exactly.
        let approximate = period.advance(start, by: 1, calendar: calendar).map { $0.timeIntervalSince(start) } ?? 1
        var index = max(0, Bounds.clampedInt((date.timeIntervalSince(start) / max(approximate, 0.001)).rounded(.down)) - 2)
        while let candidate = period.advance(start, by: index, calendar: calendar) {
            if let repetitions, index >= repetitions { return nil }
            if candidate >= date { return (candidate, index) }
            index += 1
        }
        return nil
    }

    /// Chronos form, with the remaining count and start (the next run once runs were used).
    public var text: String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return "R\(repetitions.map(String.init) ?? "")/\(formatter.string(from: start))/\(period.text)"
    }
}
