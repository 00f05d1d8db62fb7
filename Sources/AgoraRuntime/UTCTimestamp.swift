import Glibc

/// UTC timestamps with milliseconds, `2026-11-25T10:00:00.000Z`: what Marathon and Chronos send
/// and what the daemons' logs show. Built with `gmtime_r`, so it is cheap and safe on any thread.
public enum UTCTimestamp {
    /// The timestamp of `seconds` since 1970-01-01T00:00:00Z, milliseconds rounded down; times outside the years
    /// 1 to 9999 (and NaN) are shown as the nearest of those bounds.
    public static func string(secondsSince1970 seconds: Double) -> String {
        let bounded = seconds.isNaN ? 0 : min(max(seconds, -62_135_596_800), 253_402_300_799.999)
        let millis = Int64(exactly: (bounded * 1000).rounded(.down)) ?? 0
        let whole = millis >= 0 ? millis / 1000 : (millis - 999) / 1000
        var time = time_t(whole)
        var parts = tm()
        gmtime_r(&time, &parts)
        func padded(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return padded(parts.tm_year + 1900, 4) + "-" + padded(parts.tm_mon + 1, 2) + "-" + padded(parts.tm_mday, 2)
            + "T" + padded(parts.tm_hour, 2) + ":" + padded(parts.tm_min, 2) + ":" + padded(parts.tm_sec, 2)
            + "." + padded(Int32(truncatingIfNeeded: millis - whole * 1000), 3) + "Z"
    }
}
