import AgoraRuntime

/// A clock whose time moves only when a test calls `advance`: scheduled work runs then, in due order (work that
/// schedules more work within the step runs too), so rules tied to time are tested in milliseconds.
public final class ManualClock: LoopClock {
    public private(set) var now: Double
    private var pending: [Entry] = []
    private var sequence = 0

    /// A clock reading `now` (seconds since 1970).
    public init(now: Double = 1_800_000_000) { self.now = now }

    @discardableResult
    public func schedule(in delay: Duration, _ work: @escaping () -> Void) -> any ScheduledWork {
        sequence += 1
        let entry = Entry(due: now + max(0, delay.seconds), sequence: sequence, work: work)
        pending.append(entry)
        return entry
    }

    /// Work not yet run nor cancelled.
    public var scheduledCount: Int { pending.filter { !$0.cancelled }.count }

    /// Moves time forward by `duration`, running everything that falls due on the way.
    public func advance(by duration: Duration) {
        advance(to: now + duration.seconds)
    }

    /// Moves time forward to `target`, running everything that falls due on the way.
    public func advance(to target: Double) {
        while let next = pending.filter({ !$0.cancelled && $0.due <= target }).min(by: { ($0.due, $0.sequence) < ($1.due, $1.sequence) }) {
            now = max(now, next.due)
            pending.removeAll { $0 === next }
            next.work()
        }
        pending.removeAll { $0.cancelled }
        now = max(now, target)
    }

    private final class Entry: ScheduledWork {
        let due: Double
        let sequence: Int
        let work: () -> Void
        var cancelled = false

        init(due: Double, sequence: Int, work: @escaping () -> Void) {
            self.due = due
            self.sequence = sequence
            self.work = work
        }

        func cancel() { cancelled = true }
    }
}
