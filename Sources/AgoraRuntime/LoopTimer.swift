internal import CLibUV

/// A libuv timer: fires once after a delay, and optionally again at a fixed interval.
public final class LoopTimer: LoopHandle {
    private var fire: (() -> Void)?

    public convenience init(loop: Loop) throws(RuntimeError) {
        try self.init(loop: loop, counted: true)
    }

    init(loop: Loop, counted: Bool) throws(RuntimeError) {
        super.init(loop: loop, type: UV_TIMER)
        isCounted = counted
        try check(uv_timer_init(loop.raw, raw), "uv_timer_init")
        didOpen()
    }

    var raw: UnsafeMutablePointer<uv_timer_t> { memory.assumingMemoryBound(to: uv_timer_t.self) }

    /// Starts (or restarts) the timer.
    public func start(after delay: Duration, repeating interval: Duration? = nil, _ fire: @escaping () -> Void) {
        guard isOpen else { return }
        self.fire = fire
        // Count from now, not from the start of this loop iteration (libuv's cached clock), so a
        // timer never fires early when the iteration has been busy.
        uv_update_time(loop.raw)
        uv_timer_start(raw, { timer in
            LoopTimer.owner(timer.map(UnsafeMutableRawPointer.init), as: LoopTimer.self)?.fire?()
        }, delay.milliseconds, interval?.milliseconds ?? 0)
    }

    /// Stops the timer; it can be started again.
    public func stop() {
        guard isOpen else { return }
        uv_timer_stop(raw)
    }

    override func didClose() { fire = nil }
}

extension Loop {
    /// Runs `work` once after `delay` and closes the timer; the returned timer can cancel it.
    @discardableResult
    public func schedule(after delay: Duration, _ work: @escaping () -> Void) throws(RuntimeError) -> LoopTimer {
        let timer = try LoopTimer(loop: self)
        timer.start(after: delay) { [unowned timer] in
            timer.close()
            work()
        }
        return timer
    }
}

extension Duration {
    /// The duration in seconds as a Double.
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    /// Whole milliseconds, rounded up so a short non-zero delay never becomes zero; saturates instead of overflowing.
    public var milliseconds: UInt64 {
        let (seconds, attoseconds) = components
        if seconds < 0 { return 0 }
        let extra = (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        let (whole, overflow) = UInt64(clamping: seconds).multipliedReportingOverflow(by: 1000)
        return overflow ? .max : whole.addingReportingOverflow(UInt64(extra)).partialValue
    }
}

extension Loop {
    /// `schedule(after:_:)` for callers that go on without the timer: a failure is handed to `failed` (to log and
    /// count) instead of being thrown or dropped.
    @discardableResult
    public func schedule(after delay: Duration, orReport failed: (RuntimeError) -> Void,
                         _ work: @escaping () -> Void) -> LoopTimer? {
        do {
            return try schedule(after: delay, work)
        } catch {
            failed(error)
            return nil
        }
    }
}
