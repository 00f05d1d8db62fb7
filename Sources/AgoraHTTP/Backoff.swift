/// Jittered exponential backoff: retry n waits a random share (half to all) of `min(maximum, minimum · 2ⁿ⁻¹)`,
/// so clients that lost the same server do not come back in step.
public struct Backoff: Sendable, Equatable {
    public var minimum: Duration
    public var maximum: Duration
    /// Retries since the last `reset()`.
    public private(set) var attempts = 0

    public init(minimum: Duration, maximum: Duration) {
        self.minimum = minimum
        self.maximum = max(minimum, maximum)
    }

    /// The delay before the next retry; `jitter` (0.5...1 by default, random) scales the ceiling.
    public mutating func next(jitter: Double = Double.random(in: 0.5...1)) -> Duration {
        attempts += 1
        let doubling = minimum.seconds * Double(1 << min(attempts - 1, 20))
        let ceiling = min(maximum.seconds, doubling)
        // Finite and at most `maximum`: the jitter is clamped to 0...1.
        return .seconds(ceiling * min(max(jitter.isNaN ? 1 : jitter, 0), 1))
    }

    /// Starts over from `minimum` (after a success).
    public mutating func reset() { attempts = 0 }
}
