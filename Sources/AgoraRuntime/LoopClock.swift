import Glibc

/// Time and timers for logic that must not read the wall clock itself: `Loop` in the daemons, `ManualClock`
/// (AgoraRuntimeTesting) in tests, whose time moves only when the test advances it.
public protocol LoopClock: AnyObject {
    /// Wall-clock time, in seconds since 1970-01-01T00:00:00Z.
    var now: Double { get }
    /// Runs `work` once, `delay` from now; `cancel()` on the result stops it.
    @discardableResult
    func schedule(in delay: Duration, _ work: @escaping () -> Void) throws(RuntimeError) -> any ScheduledWork
}

/// Work a clock will run later, until cancelled.
public protocol ScheduledWork: AnyObject {
    func cancel()
}

extension LoopTimer: ScheduledWork {
    public func cancel() { close() }
}

extension Loop: LoopClock {
    public var now: Double {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    @discardableResult
    public func schedule(in delay: Duration, _ work: @escaping () -> Void) throws(RuntimeError) -> any ScheduledWork {
        let timer: LoopTimer = try schedule(after: delay, work)
        return timer
    }
}
