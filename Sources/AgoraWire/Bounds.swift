/// The one place where numbers from outside (network, files, stored rows) are checked and turned into integers
/// or durations: finite, inside the range their field allows, and converted without trapping.
/// `scripts/check-conversions` fails the build when a trapping conversion appears anywhere else.
public enum Bounds {
    /// The largest scalar resource amount accepted (cpus, or MB of mem or disk): 10^12.
    public static let maxScalar = 1e12
    /// The longest duration accepted in any field, in seconds (ten years).
    public static let maxSeconds = 10 * 365 * 86_400.0

    /// `value` when it is finite and inside `range`; otherwise an `outOfRange` error naming `field`.
    public static func real(_ value: Double, in range: ClosedRange<Double>, field: String) throws(WireError) -> Double {
        guard value.isFinite else { throw WireError(.outOfRange, field: field, "must be a finite number (got \(value))") }
        guard range.contains(value) else {
            throw WireError(.outOfRange, field: field, "must be between \(show(range.lowerBound)) and \(show(range.upperBound)) (got \(show(value)))")
        }
        return value
    }

    /// A whole number inside `range`, from a decoded floating-point value.
    public static func integer(_ value: Double, in range: ClosedRange<Int>, field: String) throws(WireError) -> Int {
        guard value.isFinite, value == value.rounded() else {
            throw WireError(.outOfRange, field: field, "must be a whole number (got \(show(value)))")
        }
        guard value >= Double(range.lowerBound), value <= Double(range.upperBound), let whole = Int(exactly: value) else {
            throw WireError(.outOfRange, field: field, "must be between \(range.lowerBound) and \(range.upperBound) (got \(show(value)))")
        }
        return whole
    }

    /// A whole number inside `range`, from a decoded integer of any width.
    public static func integer<T: BinaryInteger>(_ value: T, in range: ClosedRange<Int>, field: String) throws(WireError) -> Int {
        guard let whole = Int(exactly: value), range.contains(whole) else {
            throw WireError(.outOfRange, field: field, "must be between \(range.lowerBound) and \(range.upperBound) (got \(value))")
        }
        return whole
    }

    /// A number of seconds: finite, not negative, at most `maximum`.
    public static func seconds(_ value: Double, field: String, maximum: Double = maxSeconds) throws(WireError) -> Double {
        try real(value, in: 0...maximum, field: field)
    }

    /// A scalar resource amount: finite, not negative, at most `maxScalar`.
    public static func scalar(_ value: Double, field: String) throws(WireError) -> Double {
        try real(value, in: 0...maxScalar, field: field)
    }

    /// `value` rounded and clamped into Int64 (NaN becomes 0): for values already checked, so that arithmetic on
    /// them can never trap.
    public static func clampedInt64(_ value: Double) -> Int64 {
        guard !value.isNaN else { return 0 }
        if value >= 9_223_372_036_854_775_808.0 { return .max }
        if value <= -9_223_372_036_854_775_808 { return .min }
        return Int64(exactly: value.rounded()) ?? 0
    }

    /// `value` rounded and clamped into Int (NaN becomes 0).
    public static func clampedInt(_ value: Double) -> Int {
        Int(clampedInt64(value))
    }

    /// A duration of `seconds`, clamped to 0...`maxSeconds` (NaN becomes 0).
    public static func duration(seconds: Double) -> Duration {
        let checked = seconds.isNaN ? 0 : min(max(seconds, 0), maxSeconds)
        return .nanoseconds(clampedInt64(checked * 1_000_000_000))
    }

    private static func show(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(clampedInt64(value)) : String(value)
    }
}

/// A message with rules beyond its proto types (finite numbers, ranges), checked when it is decoded.
/// Errors name the field relative to the message; the decoder prefixes the path.
public protocol WireValidating {
    func validate() throws(WireError)
}
