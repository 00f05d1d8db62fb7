import Foundation

/// A standard 5-field cron expression (`minute hour day-of-month month day-of-week`) or an alias
/// (`@hourly`, `@daily`, `@midnight`, `@weekly`, `@monthly`, `@yearly`, `@annually`), evaluated in a time zone.
///
/// Fields take `*`, numbers, ranges `a-b`, steps `*/n` or `a-b/n`, lists, and names (`JAN`, `MON`).
/// When both day fields are restricted a day matches either, as in Vixie cron. Times that DST skips
/// do not happen; a repeated hour runs once.
public struct CronExpression: Equatable, Sendable {
    public let text: String
    let minutes: Set<Int>
    let hours: Set<Int>
    let daysOfMonth: Set<Int>
    let months: Set<Int>
    let daysOfWeek: Set<Int>
    let dayOfMonthRestricted: Bool
    let dayOfWeekRestricted: Bool
    public let timeZone: TimeZone

    public init(parsing raw: String, timeZone: TimeZone = .gmt) throws(ScheduleError) {
        let aliases = ["@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
                       "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *"]
        let trimmed = raw.trimmingCharacters(in: .whitespaces)
        let expanded = aliases[trimmed.lowercased()] ?? trimmed
        let fields = expanded.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5 else {
            throw ScheduleError(message: "cron \"\(raw)\" must have 5 fields (minute hour day month weekday) or be an alias like @hourly")
        }
        let monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
        let dayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
        text = raw
        minutes = try CronExpression.field(fields[0], 0...59, names: [], what: "minute", in: raw)
        hours = try CronExpression.field(fields[1], 0...23, names: [], what: "hour", in: raw)
        daysOfMonth = try CronExpression.field(fields[2], 1...31, names: [], what: "day of month", in: raw)
        months = try CronExpression.field(fields[3], 1...12, names: monthNames, offset: 1, what: "month", in: raw)
        var weekdays = try CronExpression.field(fields[4], 0...7, names: dayNames, what: "day of week", in: raw)
        if weekdays.remove(7) != nil { weekdays.insert(0) }
        daysOfWeek = weekdays
        dayOfMonthRestricted = fields[2] != "*" && fields[2] != "?"
        dayOfWeekRestricted = fields[4] != "*" && fields[4] != "?"
        self.timeZone = timeZone
    }

    private static func field(
        _ text: String, _ range: ClosedRange<Int>, names: [String], offset: Int = 0, what: String, in raw: String
    ) throws(ScheduleError) -> Set<Int> {
        func value(_ token: Substring) throws(ScheduleError) -> Int {
            if let number = Int(token), range.contains(number) { return number }
            if let index = names.firstIndex(of: token.uppercased()) { return index + offset }
            throw ScheduleError(message: "cron \"\(raw)\": \"\(token)\" is not a valid \(what) (\(range.lowerBound)-\(range.upperBound))")
        }
        var values = Set<Int>()
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let pieces = part.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count <= 2, let base = pieces.first, !base.isEmpty else {
                throw ScheduleError(message: "cron \"\(raw)\": \"\(part)\" is not a valid \(what)")
            }
            var step = 1
            if pieces.count == 2 {
                guard let parsed = Int(pieces[1]), parsed > 0 else {
                    throw ScheduleError(message: "cron \"\(raw)\": step \"\(pieces[1])\" in the \(what) must be a positive number")
                }
                step = parsed
            }
            let bounds: ClosedRange<Int>
            if base == "*" || base == "?" {
                bounds = range
            } else if let dash = base.firstIndex(of: "-") {
                let low = try value(base[..<dash])
                let high = try value(base[base.index(after: dash)...])
                guard low <= high else { throw ScheduleError(message: "cron \"\(raw)\": range \"\(base)\" runs backwards") }
                bounds = low...high
            } else {
                let single = try value(base)
                bounds = single...(pieces.count == 2 ? range.upperBound : single)
            }
            values.formUnion(stride(from: bounds.lowerBound, through: bounds.upperBound, by: step))
        }
        return values
    }

    private func dayMatches(_ day: Int, weekday: Int) -> Bool {
        switch (dayOfMonthRestricted, dayOfWeekRestricted) {
        case (true, true): daysOfMonth.contains(day) || daysOfWeek.contains(weekday)
        case (true, false): daysOfMonth.contains(day)
        case (false, true): daysOfWeek.contains(weekday)
        case (false, false): true
        }
    }

    /// The first matching minute strictly after `date`; nil if none within five years (e.g. `30 2 31 2 *`).
    public func next(after date: Date) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        // The next whole minute (zone offsets are whole minutes, so this is a minute boundary everywhere).
        var candidate = Date(timeIntervalSince1970: ((date.timeIntervalSince1970 / 60).rounded(.down) + 1) * 60)
        let limit = date.addingTimeInterval(5 * 366 * 86400)
        while candidate < limit {
            let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .weekday], from: candidate)
            guard let month = parts.month, let day = parts.day, let hour = parts.hour, let minute = parts.minute,
                  let weekday = parts.weekday else { return nil }
            if !months.contains(month) {
                guard let start = calendar.date(from: DateComponents(year: parts.year, month: month, day: 1)),
                      let next = calendar.date(byAdding: .month, value: 1, to: start) else { return nil }
                candidate = next
            } else if !dayMatches(day, weekday: weekday - 1) {
                guard let start = calendar.date(from: DateComponents(year: parts.year, month: month, day: day)),
                      let next = calendar.date(byAdding: .day, value: 1, to: start) else { return nil }
                candidate = next
            } else if !hours.contains(hour) {
                guard let start = calendar.date(from: DateComponents(year: parts.year, month: month, day: day, hour: hour)),
                      let next = calendar.date(byAdding: .hour, value: 1, to: start) else { return nil }
                candidate = next > candidate ? next : candidate.addingTimeInterval(3600)
            } else if !minutes.contains(minute) {
                candidate = candidate.addingTimeInterval(60)
            } else {
                return candidate
            }
        }
        return nil
    }
}
